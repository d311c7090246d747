import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dailyReports, failingDay, clean, healthScenarioDocuments } from '../helpers/health-scenario.js';
import { policyEntry, reportJson } from '../helpers/reports.js';
import {
  cspViolations,
  cutTextWithoutTitle,
  expectNoHorizontalOverflow,
  importWithCli,
  screenshot,
  startServe,
  watchForViolations,
  type ServeProcess,
} from './support.js';

/*
 * The scenario's kind of data opened several days after its last report, as
 * a new user would find a database whose feed stopped: the known events of
 * test/helpers/health-scenario.ts end six days before today, plus
 * shop.example, whose healthy mx1 never appears in a failure detail while
 * mx2 fails with an expired certificate. Served from a database of its own
 * (serve mode, Chromium), so that no other spec's reports are in it.
 */

test.describe.configure({ mode: 'serial' });

const TODAY = Math.floor(Date.now() / 86_400_000);
const date = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
/** The scenario as of five days ago: its newest reports cover the day before, six days ago. */
const SCENARIO_DAY = TODAY - 5;
const LAST_REPORT = date(SCENARIO_DAY - 1);

/** A policy entry as a sender wrote it without its policy-domain. */
function withoutDomain(entry: Record<string, unknown>): Record<string, unknown> {
  const policy = { ...(entry['policy'] as Record<string, unknown>) };
  delete policy['policy-domain'];
  return { ...entry, policy };
}

let serve: ServeProcess;
let dir: string;
let dbPath: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-asof-'));
  const files = join(dir, 'files');
  mkdirSync(files);
  const documents = [
    ...healthScenarioDocuments(SCENARIO_DAY),
    ...dailyReports(
      SCENARIO_DAY,
      'shop.example',
      'enforce',
      // The last four days: 70 sessions a report fail at mx2, and 40 more without failure details.
      (offset) =>
        offset <= 4
          ? { ...failingDay('certificate-expired', 70, 'mx2.shop.example'), successful: 390, failed: 110 }
          : clean,
      { mx: ['mx1.shop.example', 'mx2.shop.example'] },
    ),
    // A sender that named no policy domain: counted in the totals, in no domain's row.
    reportJson({
      organization: 'Nameless Sender',
      reportId: 'no-domain-1',
      start: `${date(SCENARIO_DAY - 3)}T00:00:00Z`,
      end: `${date(SCENARIO_DAY - 3)}T23:59:59Z`,
      policies: [withoutDomain(policyEntry({ successful: 30, failed: 5 }))],
    }),
  ];
  documents.forEach((text, index) => writeFileSync(join(files, `report-${index}.json`), text));
  dbPath = join(dir, 'reports.sqlite');
  importWithCli(dbPath, [files]);
});

test.beforeAll(async () => {
  serve = await startServe(dbPath);
});

test.afterAll(async () => {
  await serve.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function open(page: Page, view: string): Promise<void> {
  await page.goto(`${serve.url}#${view}`);
  await expect(page.locator('main')).not.toContainText(/Loading…|Counting…/, { timeout: 30_000 });
}

test('the first screen names the stopped feed once and still shows the failing MX host with its dates', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  await open(page, '/');
  const health = page.getByTestId('overview-health');
  const feed = health.getByTestId('feed-silent');
  await expect(feed).toContainText(`No TLS report at all since ${LAST_REPORT} (6 days)`);
  await expect(feed).toContainText('mailbox');
  await expect(feed).toContainText('_smtp._tls');
  await expect(page.locator('[data-code=feed-silent]')).toHaveCount(1);
  await expect(health.getByTestId('health-headline')).toContainText(`as of ${LAST_REPORT} (UTC), the last report`);
  // The MX hosts failing until the last report, with since when; worst first by failed sessions, not by
  // name: shop.example's 560 before brokenmx.example's 240, both errors (enforce).
  const failing = health.getByTestId('attention').locator('[data-code=mx-failing]');
  await expect(failing.nth(0)).toContainText('mx2.shop.example failed 560 sessions');
  await expect(failing.nth(1)).toContainText('mx2.brokenmx.example failed 240 sessions');
  for (const index of [0, 1]) {
    await expect(failing.nth(index)).toContainText(`${date(SCENARIO_DAY - 4)} to ${LAST_REPORT}`);
    await expect(failing.nth(index)).toContainText('Error');
  }
  const rows = health.getByTestId('domains-table').locator('tbody tr');
  await expect(rows.nth(0)).toContainText('shop.example');
  await expect(rows.nth(1)).toContainText('brokenmx.example');
  await expect(rows.nth(0).getByTestId('verdict')).toHaveText('Failing');
  await screenshot(page, '60-stopped-feed-overview');
  // Not a domain-silent warning per domain: only silent.example had stopped before the feed did.
  await open(page, '/domains');
  await expect(page.locator('[data-code=feed-silent]')).toHaveCount(1);
  const silentWarnings = page.getByTestId('findings').locator('[data-code=domain-silent]');
  await expect(silentWarnings).toHaveCount(1);
  await expect(silentWarnings).toContainText('No TLS report for silent.example since');
  await open(page, '/');

  // One click: every view as of the last report.
  await feed.getByTestId('show-as-of-last-report').click();
  await expect(page).toHaveURL(new RegExp(`asOf=${LAST_REPORT}`));
  await expect(page.locator('[data-code=feed-silent]')).toHaveCount(0);
  await expect(page.getByTestId('as-of-tag').first()).toHaveText(`as of ${LAST_REPORT}`);
  await expect(page.getByRole('form', { name: 'Filter' }).getByTestId('as-of')).toHaveValue(LAST_REPORT);
  await expect(page.getByTestId('attention').locator('[data-code=mx-failing]').nth(1)).toContainText(
    'mx2.brokenmx.example',
  );
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

/** Verdicts by domain in the Domains table. */
async function verdicts(page: Page): Promise<Record<string, string>> {
  const rows = page.getByTestId('domains-table').locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  const all: Record<string, string> = {};
  for (const row of await rows.all()) {
    const name = (await row.locator('td').first().textContent()) ?? '';
    all[name] = (await row.getByTestId('verdict').textContent()) ?? '';
  }
  return all;
}

test('asOf in the URL reproduces the view of a given day: verdicts, findings, charts', async ({ page }) => {
  const problems = await watchForViolations(page);
  // Before mx2 broke (it fails on the last four days): brokenmx.example was healthy then.
  const before = date(SCENARIO_DAY - 6);
  await open(page, `/domains?asOf=${before}`);
  await expect(page.getByRole('heading', { level: 2 })).toContainText(`Domains as of ${before}`);
  await expect(page.getByTestId('domains-as-of')).toContainText(`Health as of ${before} (UTC), from the reports`);
  const then = await verdicts(page);
  expect(then['brokenmx.example']).toBe('Healthy');
  expect(then['shop.example']).toBe('Healthy');
  await expect(page.locator('[data-code=mx-failing]')).toHaveCount(0);
  await expect(page.locator('[data-code=feed-silent]')).toHaveCount(0);

  // The last report's day: the failures as they were.
  await open(page, `/domains?asOf=${LAST_REPORT}`);
  const last = await verdicts(page);
  expect(last['brokenmx.example']).toBe('Failing');
  expect(last['shop.example']).toBe('Failing');
  // Worst first, by failed sessions (shop's 240 + … against brokenmx's 240 at an enforced host both Failing).
  const findings = page.getByTestId('findings');
  await expect(findings.locator('[data-code=mx-failing]').first()).toContainText('mx2.');
  // The same figure in the finding and in the table beside it; and the failures without details, a large share.
  const shopRow = page
    .getByTestId('domains-table')
    .locator('tbody tr')
    .filter({ has: page.getByRole('link', { name: 'shop.example', exact: true }) });
  const rate = /[\d.]+%/.exec((await shopRow.locator('td').nth(3).textContent()) ?? '')?.[0] ?? 'none';
  expect(rate).toBe('12.6%');
  const shopFinding = findings.locator('[data-code=mx-failing]').filter({ hasText: 'mx2.shop.example' }).first();
  await expect(shopFinding).toContainText("(8.0% of shop.example's sessions)");
  await expect(shopFinding).toContainText(`shop.example as a whole: ${rate} of 7,000 sessions failed in these 7 days.`);
  await expect(shopFinding).toContainText(
    '320 sessions of its 880 failed came without failure details (36.4%), so at no MX host the senders named.',
  );

  // The same day reached again by reload keeps it; the domain page and its rate chart end on it.
  await page.reload();
  expect(await verdicts(page)).toEqual(last);
  await open(page, `/domains/brokenmx.example?asOf=${before}`);
  await expect(page.getByTestId('domain-as-of')).toContainText(`As of ${before}:`);
  await expect(page.getByTestId('verdict').first()).toHaveText('Healthy');
  await expect(page.getByTestId('domain-name')).toHaveText('brokenmx.example');

  // The Overview's charts and totals: the sessions up to that day only (no report after it is counted).
  const db = new Database(dbPath, { readonly: true });
  const reportsUpTo = (day: string): number =>
    db
      .prepare('SELECT COUNT(*) FROM reports WHERE start_time < ?')
      .pluck()
      .get(Date.parse(`${day}T00:00:00Z`) / 1000 + 86_400) as number;
  const expectedBefore = reportsUpTo(before);
  const all = db.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
  db.close();
  expect(expectedBefore).toBeLessThan(all);
  await open(page, `/?asOf=${before}`);
  await expect(page.getByTestId('card-reports')).toContainText(new Intl.NumberFormat('en-US').format(expectedBefore));
  await expect(page.getByTestId('overview-health').locator('[data-code=mx-failing]')).toHaveCount(0);
  // Last 7 days end on the as-of day.
  await page.getByRole('form', { name: 'Filter' }).getByLabel('Time range').selectOption('7');
  await expect(page).toHaveURL(new RegExp(`asOf=${before}`));
  await expect(page.getByTestId('card-reports')).not.toContainText(/^0\b/);
  const reportsInWeek = await page.getByTestId('card-reports').textContent();
  const dbWeek = new Database(dbPath, { readonly: true });
  const week = dbWeek
    .prepare('SELECT COUNT(*) FROM reports WHERE start_time >= ? AND start_time < ?')
    .pluck()
    .get(
      Date.parse(`${before}T00:00:00Z`) / 1000 - 6 * 86_400,
      Date.parse(`${before}T00:00:00Z`) / 1000 + 86_400,
    ) as number;
  dbWeek.close();
  expect(reportsInWeek).toContain(new Intl.NumberFormat('en-US').format(week));
  await screenshot(page, '61-as-of-a-past-day');
  expect(problems).toEqual([]);
});

test('a future or malformed as-of day is refused with a message, and the views show today', async ({ page }) => {
  const problems = await watchForViolations(page);
  await open(page, '/?asOf=2999-01-01');
  const alert = page.getByTestId('as-of-problem');
  await expect(alert).toHaveAttribute('role', 'alert');
  await expect(alert).toContainText('As of 2999-01-01 is after today');
  await expect(alert).toContainText('The views show today.');
  await expect(page.getByTestId('feed-silent')).toBeVisible();
  await expect(page.getByTestId('as-of-tag')).toHaveCount(0);

  await open(page, '/domains?asOf=2026-13-45');
  await expect(page.getByTestId('as-of-problem')).toContainText('"2026-13-45" is not a date');

  // Typed into the field: refused beside it, and the URL keeps the day before.
  await open(page, `/domains?asOf=${LAST_REPORT}`);
  await page
    .getByRole('form', { name: 'Filter' })
    .getByTestId('as-of')
    .fill(date(TODAY + 3));
  await expect(page.getByTestId('as-of-problem')).toContainText(`As of ${date(TODAY + 3)} is after today`);
  await expect(page).toHaveURL(new RegExp(`asOf=${LAST_REPORT}`));
  await page.getByRole('form', { name: 'Filter' }).getByTestId('as-of-today').click();
  await expect(page).not.toHaveURL(/asOf=/);
  await expect(page.getByTestId('feed-silent')).toBeVisible();

  // Serve mode's API refuses it too, with the reason.
  const answer = await page.request.post(`${serve.url}api/domains`, { data: { asOf: '2999-01-01' } });
  expect(answer.ok()).toBe(false);
  expect(await answer.text()).toContain('2999-01-01 is after today');
  expect(problems.filter((problem) => !problem.includes('status of 400'))).toEqual([]);
});

test("the Overview's health follows the policy domain chosen; sessions without a domain are said", async ({ page }) => {
  const problems = await watchForViolations(page);
  await open(page, `/?policyDomain=shop.example&asOf=${LAST_REPORT}`);
  const health = page.getByTestId('overview-health');
  await expect(health.getByTestId('health-headline')).toContainText('shop.example only');
  await expect(health.getByTestId('health-headline')).toHaveText(/^1 failing /);
  const rows = health.getByTestId('domains-table').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('shop.example');
  for (const finding of await health.getByTestId('attention').getByTestId('finding').all()) {
    await expect(finding).toContainText('shop.example');
  }
  // The sessions of a policy without a policy domain: in no domain's row, said under the table.
  await open(page, '/domains');
  await expect(page.getByTestId('sessions-without-domain')).toContainText(
    'Not in any row: 35 sessions (5 failed) that senders reported under a policy naming no policy domain',
  );
  await page.getByRole('form', { name: 'Filter' }).getByLabel('Time range').selectOption('7');
  await expect(page.getByTestId('sessions-without-domain')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('the Policies page never advises removing the healthy MX host that no failure detail names', async ({ page }) => {
  const problems = await watchForViolations(page);
  await open(page, '/policies?policyDomain=shop.example');
  const stored = page.getByTestId('stored-policies');
  await expect(stored).toContainText('mx: mx1.shop.example');
  await expect(stored.getByTestId('policy-version-hosts').first()).toHaveText(
    'Checked against the MX hosts of this period: mx2.shop.example.',
  );
  await expect(stored).not.toContainText('policy-mx-unused');
  await expect(stored).not.toContainText('remove it');
  await expect(stored.getByTestId('reported-mx-hosts-note')).toHaveCount(1);
  await expect(stored.getByTestId('reported-mx-hosts-note')).toContainText(
    'Reports name only the MX hosts that failed',
  );
  expect(problems).toEqual([]);
});

test('the stopped feed and a past day at 1024, 1366 and 1440 px, light and dark', async ({ page }) => {
  for (const width of [1024, 1366, 1440]) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      for (const [view, name] of [
        ['/', 'overview'],
        ['/domains', 'domains'],
        [`/domains/brokenmx.example?asOf=${LAST_REPORT}`, 'domain'],
      ] as const) {
        await open(page, view);
        const where = `${view} at ${width} px, ${scheme}`;
        await expectNoHorizontalOverflow(page);
        expect(await cutTextWithoutTitle(page), where).toEqual([]);
        await screenshot(page, `62-as-of-${name}-${width}-${scheme}`);
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
});
