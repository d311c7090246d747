import { expect, test, type Page } from '@playwright/test';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { cspViolations, startScenarioServe, watchForViolations, type ScenarioServe } from './support.js';

/*
 * A shared MX service: one sender reports 1,100 MX hosts of one domain
 * failing, each a different number of times. The MX hosts list and the
 * sender's page show the worst 100 first and fold the rest behind buttons
 * reached by keyboard; what is unfolded stays in the URL. Served from a
 * database of its own.
 */

test.describe.configure({ mode: 'serial' });

const HOSTS = 1_100;
const FOLD = 100;
const SENDER = 'Shared Service Inc.';
const TODAY = Math.floor(Date.now() / 86_400_000);
const YESTERDAY = new Date((TODAY - 1) * 86_400_000).toISOString().slice(0, 10);
const host = (index: number): string => `mx-${String(index).padStart(4, '0')}.shared.example`;
/** A different count for each host, in no order of their names: 1 … 1,100. */
const failedAt = (index: number): number => ((index * 7919) % HOSTS) + 1;

let serve: ScenarioServe;

test.beforeAll(async () => {
  const details = Array.from({ length: HOSTS }, (_, index) =>
    failureDetail('certificate-expired', failedAt(index), { 'receiving-mx-hostname': host(index) }),
  );
  const failed = details.reduce((sum, detail) => sum + (detail['failed-session-count'] as number), 0);
  const report = reportJson({
    organization: SENDER,
    reportId: 'shared-1',
    start: `${YESTERDAY}T00:00:00Z`,
    end: `${YESTERDAY}T23:59:59Z`,
    policies: [policyEntry({ domain: 'shared.example', successful: 1_000_000, failed, details })],
  });
  serve = await startScenarioServe('long-lists', [report]);
});

test.afterAll(async () => {
  await serve.stop();
});

const open = (page: Page, view: string) => page.goto(`${serve.url}#${view}`);

const rowsOf = (page: Page, testId: string) => page.getByTestId(testId).locator('tbody tr');

/** The first cell's text of each shown row. */
const firstCells = (page: Page, testId: string): Promise<string[]> =>
  rowsOf(page, testId).evaluateAll((rows) => rows.map((row) => row.children[0]?.textContent.trim() ?? ''));

/** The worst hosts, as the list must begin: most failed sessions first. */
const worst = Array.from({ length: HOSTS }, (_, index) => index)
  .sort((a, b) => failedAt(b) - failedAt(a))
  .map(host);

for (const [view, testId] of [
  ['/mx', 'mx-table'],
  [`/senders/${encodeURIComponent(SENDER)}`, 'sender-mx-table'],
] as const) {
  test(`${view}: 1,100 MX hosts show the worst 100 first, the rest a key press away`, async ({ page }) => {
    const problems = await watchForViolations(page);
    await open(page, view);
    await expect(rowsOf(page, testId)).toHaveCount(FOLD, { timeout: 30_000 });
    expect((await firstCells(page, testId)).map((cell) => cell.split(' ')[0])).toEqual(worst.slice(0, FOLD));
    const fold = page.getByTestId(`${testId}-fold`);
    await expect(fold).toContainText(`The first 100 of 1,100 rows`);

    // By keyboard: Tab to "Show 100 more", Enter; then "Show all 1,100".
    const more = fold.getByRole('button', { name: /^Show 100 more/ });
    await more.focus();
    await expect(more).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(rowsOf(page, testId)).toHaveCount(2 * FOLD, { timeout: 15_000 });
    await expect(page).toHaveURL(new RegExp(`${testId}-rows=200`));
    await expect(more).toBeFocused();
    await page.keyboard.press('Tab');
    const all = fold.getByRole('button', { name: /^Show all 1,100/ });
    await expect(all).toBeFocused();
    await page.keyboard.press('Enter');
    // 1,100 rows, each with its result-type bar, take seconds to lay out on a busy machine: what the fold spares.
    await expect(rowsOf(page, testId)).toHaveCount(HOSTS, { timeout: 30_000 });
    expect((await firstCells(page, testId)).map((cell) => cell.split(' ')[0])).toEqual(worst);
    await expect(fold).toContainText('All 1,100 rows.');
    await expect(page).toHaveURL(new RegExp(`${testId}-rows=all`));

    // A reload keeps what was unfolded; folding again goes back to the first 100.
    await page.reload();
    await expect(rowsOf(page, testId)).toHaveCount(HOSTS, { timeout: 30_000 });
    await fold.getByRole('button', { name: /^Show only the first 100/ }).click();
    await expect(rowsOf(page, testId)).toHaveCount(FOLD, { timeout: 15_000 });
    await expect(page).not.toHaveURL(/-rows=/);
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
}

test('a sort folds the other end in: the 100 shown are the first of the new order', async ({ page }) => {
  await open(page, '/mx');
  await expect(rowsOf(page, 'mx-table')).toHaveCount(FOLD, { timeout: 30_000 });
  const header = page.getByTestId('mx-table').getByRole('button', { name: /^Failed/ });
  // Failed sessions, fewest first: the hosts that failed once lead.
  for (let presses = 0; presses < 3 && !/mx-table-sort=failedSessions(:|%3A)asc/.test(page.url()); presses++) {
    const before = page.url();
    await header.click();
    await expect.poll(() => page.url()).not.toBe(before);
  }
  await expect(page).toHaveURL(/mx-table-sort=failedSessions(:|%3A)asc/);
  await expect
    .poll(async () => (await firstCells(page, 'mx-table')).map((cell) => cell.split(' ')[0]), { timeout: 15_000 })
    .toEqual(worst.slice(-FOLD).reverse());
  await expect(rowsOf(page, 'mx-table')).toHaveCount(FOLD);
});
