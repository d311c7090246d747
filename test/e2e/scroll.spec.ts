import { expect, test, type Page } from '@playwright/test';
import { healthScenarioDocuments } from '../helpers/health-scenario.js';
import { cspViolations, watchForViolations, corpusFiles, startScenarioServe, type ScenarioServe } from './support.js';

/*
 * Back, Forward and a reload return to where the reader was on every view
 * that scrolls with the window (the Failures list keeps its own row, see
 * failures.spec.ts), and a link followed opens its page at the top. The
 * window is short, so that the corpus and the health scenario make every
 * one of these views taller than it.
 */

test.describe.configure({ mode: 'serial' });

const TODAY = Math.floor(Date.now() / 86_400_000);
const VIEWS = ['/', '/domains', '/mx', '/senders/Google%20Inc.', '/reports'];

let serve: ScenarioServe;

test.beforeAll(async () => {
  serve = await startScenarioServe('scroll', healthScenarioDocuments(TODAY), corpusFiles());
});

test.afterAll(async () => {
  await serve.stop();
});

/** Opens a view (a path such as `/domains`) of this file's server. */
const open = (page: Page, view: string) => page.goto(`${serve.url}#${view}`);

async function settle(page: Page): Promise<void> {
  await expect(page.locator('main')).not.toContainText(/Loading…|Counting…/, { timeout: 30_000 });
}

const scrollTop = (page: Page): Promise<number> => page.evaluate(() => Math.round(window.scrollY));

async function expectScrolledTo(page: Page, top: number, message: string): Promise<void> {
  await expect.poll(() => scrollTop(page), { message, timeout: 20_000 }).toBeGreaterThanOrEqual(top - 1);
  expect(await scrollTop(page), message).toBeLessThanOrEqual(top + 1);
}

/**
 * Follows a link, or opens a row, that is wholly inside the window (one
 * scrolled to first would leave the view at the top, rightly), and waits
 * for the page it opens.
 */
async function openSomethingInView(page: Page): Promise<void> {
  const before = page.url();
  const found = await page.evaluate(() => {
    const inView = [...document.querySelectorAll<HTMLElement>('main a[href^="#/"], main tr.clickable')].find(
      (element) => {
        const box = element.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight && box.width > 0;
      },
    );
    inView?.setAttribute('data-open-me', '');
    return inView !== undefined;
  });
  if (!found) throw new Error('nothing to open in view');
  await page.locator('[data-open-me]').click();
  await expect.poll(() => page.url()).not.toBe(before);
  await settle(page);
}

test('Back, Forward and reload keep the window scroll on every list; a link opens at the top', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.setViewportSize({ width: 1024, height: 420 });
  for (const view of VIEWS) {
    await open(page, view);
    await settle(page);
    const room = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
    expect(room, `${view} is taller than the window`).toBeGreaterThan(150);
    const top = Math.min(600, room - 20);
    await page.mouse.move(500, 300);
    await page.evaluate((y) => window.scrollTo(0, y), top);
    await expectScrolledTo(page, top, `${view} scrolled`);
    // Saved once the scroll has been drawn: a frame later.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

    await openSomethingInView(page);
    const opened = page.url();
    expect(await scrollTop(page), `${opened}, opened from ${view}, at the top`).toBe(0);

    await page.goBack();
    await settle(page);
    await expectScrolledTo(page, top, `${view} after Back`);

    await page.goForward();
    await expect(page).toHaveURL(opened);
    await page.goBack();
    await expectScrolledTo(page, top, `${view} after Forward and Back`);

    await page.reload();
    await settle(page);
    await expectScrolledTo(page, top, `${view} after a reload`);
  }
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test('a sort written to the URL keeps the place', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 420 });
  await open(page, '/domains');
  await settle(page);
  const table = page.getByTestId('domains-table');
  await table.getByRole('button', { name: /Last report/ }).scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, 40));
  const top = await scrollTop(page);
  expect(top).toBeGreaterThan(0);
  await table.getByRole('button', { name: /Last report/ }).click();
  await expect(page).toHaveURL(/domains-table-sort=lastReport/);
  expect(await scrollTop(page)).toBe(top);
  await openSomethingInView(page);
  await page.goBack();
  await expect(page).toHaveURL(/domains-table-sort=lastReport/);
  await expectScrolledTo(page, top, 'Domains sorted, after Back');
});
