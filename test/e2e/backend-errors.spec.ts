import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importWithCli, screenshot, startServe, watchForViolations } from './support.js';

/*
 * Serve mode stopped in the middle of a session (killed, as a crash or a
 * closed terminal would): every view says in words that the backend cannot
 * be reached, with a Retry, never the browser's "Failed to fetch"; once the
 * server runs again, Retry brings the data back without reloading the page.
 */

const CORPUS = join('test', 'fixtures', 'corpus', 'reports');
/** Views that load data as they open; the others (forms, pickers) have the banner alone. */
const VIEWS = ['/', '/domains', '/senders', '/senders/Google%20Inc.', '/mx', '/failures', '/reports'];
// Chromium's words for a request to a server that is down or going down:
// refused once it is gone, reset or empty while the kill is under way.
const CONNECTION_FAILURES = ['net::ERR_CONNECTION_REFUSED', 'net::ERR_CONNECTION_RESET', 'net::ERR_EMPTY_RESPONSE'];
const VIEWS_WITHOUT_DATA = ['/import', '/policies', '/mailboxes'];

test('a stopped backend is said in words in every view, and Retry works once it runs again', async ({ page }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-down-'));
  const db = join(dir, 'reports.sqlite');
  importWithCli(db, [join(CORPUS, 'dmarc-report-viewer__google.json'), join(CORPUS, 'tlsrpt-be__testing.json')]);
  let serve = await startServe(db);
  try {
    const problems = await watchForViolations(page);
    await page.goto(`${serve.url}#/senders`);
    await expect(page.getByTestId('senders-table').locator('tbody tr')).toHaveCount(2);
    await page.evaluate(() => {
      (window as unknown as { __sameDocument?: boolean }).__sameDocument = true;
    });

    await serve.kill();
    const banner = page.getByTestId('backend-unreachable');
    await expect(banner).toBeVisible({ timeout: 15_000 });
    await expect(banner).toContainText('The tlsrpt-viewer backend cannot be reached');
    await expect(banner.getByRole('button', { name: 'Retry' })).toBeVisible();

    for (const view of [...VIEWS, ...VIEWS_WITHOUT_DATA]) {
      // Within the page, as a click on a link would: the page itself cannot be loaded again.
      await page.evaluate((hash) => {
        window.location.hash = hash;
      }, `#${view}`);
      await expect(banner, view).toBeVisible();
      if (VIEWS.includes(view)) {
        // The view's own words, with its own Retry, where its data would be.
        await expect(page.locator('main').getByText('cannot be reached').first(), view).toBeVisible();
        await expect(page.locator('main').getByRole('button', { name: 'Retry' }).first(), view).toBeVisible();
      }
      await expect(page.getByText('Failed to fetch'), view).toHaveCount(0);
      await expect(page.locator('main'), view).not.toContainText('Loading…');
    }
    await page.evaluate(() => {
      window.location.hash = '#/senders';
    });
    // Senders keeps its heading while it cannot load.
    await expect(page.getByRole('heading', { name: 'Senders' })).toBeVisible();
    await screenshot(page, 'backend-unreachable');

    // The server again, on the same address; Retry, without reloading the page.
    serve = await startServe(db, serve.port);
    await banner.getByRole('button', { name: 'Retry' }).click();
    await expect(banner).toHaveCount(0);
    await expect(page.getByTestId('senders-table').locator('tbody tr')).toHaveCount(2);
    await expect(page.locator('main').getByText('cannot be reached')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    // While it was down, the browser logged failed connections; nothing else. A
    // request caught while the server is being killed is reset or answered
    // with nothing rather than refused, so each of those words is accepted.
    expect(problems.filter((problem) => !CONNECTION_FAILURES.some((word) => problem.includes(word)))).toEqual([]);
  } finally {
    await serve.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
