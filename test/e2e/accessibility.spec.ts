import { expect, test, type Page } from '@playwright/test';
import { healthScenarioDocuments } from '../helpers/health-scenario.js';
import {
  cspViolations,
  screenshot,
  textContrasts,
  watchForViolations,
  corpusFiles,
  startScenarioServe,
  type ScenarioServe,
} from './support.js';

/*
 * What WCAG AA asks of every view, measured in the browser: text contrast
 * of at least 4.5:1 in light and dark (computed from the computed styles),
 * and a keyboard path through the page that does not cost a stop per cell.
 * The data: the corpus and the known events of test/helpers/health-scenario.ts
 * dated as of today, so that every verdict and severity is on screen.
 */

test.describe.configure({ mode: 'serial' });

const TODAY = Math.floor(Date.now() / 86_400_000);
const AA = 4.5;

let serve: ScenarioServe;

test.beforeAll(async () => {
  serve = await startScenarioServe('a11y', healthScenarioDocuments(TODAY), corpusFiles());
});

test.afterAll(async () => {
  await serve.stop();
});

/** Opens a view (a path such as `/domains`) of this file's server. */
const open = (page: Page, view: string) => page.goto(`${serve.url}#${view}`);

async function settle(page: Page): Promise<void> {
  await expect(page.locator('main')).not.toContainText(/Loading…|Counting…/, { timeout: 30_000 });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`badges and links are at least 4.5:1 in ${scheme} mode, and so is every text`, async ({ page }) => {
    const problems = await watchForViolations(page);
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, '/domains');
    await settle(page);
    await page.getByTestId('findings-of-note').locator('summary').click();
    // Each verdict and severity as a badge, and links on the panel and on the page's background.
    for (const [what, selector] of [
      ['Healthy badge', '.verdict.healthy'],
      ['Silent badge', '.verdict.silent'],
      ['Degraded badge', '.verdict.degraded'],
      ['Failing badge', '.verdict.failing'],
      ['Info badge', '.severity.info'],
      ['Warning badge', '.severity.warning'],
      ['Error badge', '.severity.error'],
      ['link in a table', 'main table a'],
      ['link in a finding', 'main .health-finding a'],
    ] as const) {
      const measured = await textContrasts(page, selector);
      expect(measured.length, `a ${what} is on the page`).toBeGreaterThan(0);
      for (const { text, ratio } of measured) expect(ratio, `${what} “${text}”`).toBeGreaterThanOrEqual(AA);
    }
    await page.getByTestId('domains-table').getByRole('link', { name: 'brokenmx.example', exact: true }).click();
    await settle(page);
    const backLink = await textContrasts(page, 'main > p > a');
    expect(backLink.length, 'the link back to Domains, on the page background').toBeGreaterThan(0);
    for (const { text, ratio } of backLink) expect(ratio, `link “${text}”`).toBeGreaterThanOrEqual(AA);
    // Every other text of the views a postmaster reads.
    for (const view of ['/', '/domains', '/domains/brokenmx.example', '/senders', '/mx', '/failures', '/reports']) {
      await open(page, view);
      await settle(page);
      const measured = await textContrasts(page);
      expect(measured.length, `texts measured on ${view}`).toBeGreaterThan(10);
      expect(
        measured.filter(({ ratio }) => ratio < AA),
        `${view} in ${scheme} mode`,
      ).toEqual([]);
    }
    await open(page, '/domains');
    await settle(page);
    await screenshot(page, `accessibility-domains-${scheme}`);
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
}

test('a Skip to content link comes first, and each Domains row is one Tab stop', async ({ page }) => {
  const problems = await watchForViolations(page);
  await open(page, '/domains');
  await settle(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await screenshot(page, 'accessibility-skip-link');
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await expect(page).toHaveURL(/#\/domains$/);
  // From the view, Tab reaches the table's rows: each row's domain link once, the row itself never.
  const rows = page.getByTestId('domains-table').locator('tbody tr');
  const firstLink = rows.first().getByRole('link').first();
  for (let presses = 0; presses < 60; presses++) {
    if (await firstLink.evaluate((link) => link === document.activeElement)) break;
    await page.keyboard.press('Tab');
  }
  await expect(firstLink).toBeFocused();
  const stops: string[] = [];
  for (let presses = 0; presses < 40; presses++) {
    stops.push(
      await page.evaluate(() => {
        const active = document.activeElement;
        if (active === null) return 'nothing';
        const row = active.closest('tbody tr');
        const index = row === null ? -1 : [...(row.parentElement?.children ?? [])].indexOf(row);
        return `${active.tagName} ${index} ${active.textContent.trim().slice(0, 30)}`;
      }),
    );
    await page.keyboard.press('Tab');
  }
  expect(stops.filter((stop) => stop.startsWith('TR '))).toEqual([]);
  const linkStops = stops.filter((stop) => stop.startsWith('A '));
  // Row by row: 0, 1, 2 … each once.
  expect(linkStops.slice(0, 8).map((stop) => Number(stop.split(' ')[1]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(problems).toEqual([]);
});
