import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../shared/summary/types.js';
import { corpusReports } from '../helpers/files.js';
import { parseJsonOutput, runCli } from '../helpers/cli.js';
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
 * Counts that reconcile (RFC 8460 §4.4 makes failure details optional, and
 * senders over-count in them): every breakdown on every page, read off the
 * page, plus its "(no failure details)" row, less the failure details beyond
 * the senders' totals, is the page's headline total. On a database of its
 * own: the third-party corpus (Mail.ru names 2 failed sessions against a
 * total of 1; a no-policy-found report counts 102 without details) and the
 * reports below, written here and stored by the real import (the command
 * line), in which one domain and one sender have both missing and excess
 * details:
 *
 *   Overcount Mail, reconcile.example, 3 days ago: 10 failed → 4 in details at mx1 (6 without)
 *   Overcount Mail, reconcile.example, 2 days ago: 1 failed → 3 in details at mx2 (2 beyond)
 *   Overcount Mail, reconcile.example, yesterday: 5 failed, no failure details (5 without)
 *   Exact Mail,     reconcile.example, 2 days ago: 7 failed → 5 at mx1, 2 at no named host
 *   Dual Policy,    reconcile.example, yesterday: sts and tlsa for the same 3 failed sessions (counted once)
 *   Overcount Mail, other.example,     yesterday: 4 failed → 4 at mx.other.example
 *
 * reconcile.example: 26 failed = 17 in details + 11 without − 2 beyond.
 * Overcount Mail: 20 failed = 11 in details + 11 without − 2 beyond.
 */

test.describe.configure({ mode: 'serial' });

const DOMAIN = 'reconcile.example';
const SENDER = 'Overcount Mail';
const MX1 = `mx1.${DOMAIN}`;
const MX2 = `mx2.${DOMAIN}`;
const TODAY = Math.floor(Date.now() / 86_400_000);
const day = (offset: number): string => new Date((TODAY - offset) * 86_400_000).toISOString().slice(0, 10);
const number = new Intl.NumberFormat('en-US');

function detail(resultType: string, count: number, mx: string | undefined): Record<string, unknown> {
  return {
    'result-type': resultType,
    'sending-mta-ip': '192.0.2.25',
    ...(mx === undefined ? {} : { 'receiving-mx-hostname': mx }),
    'failed-session-count': count,
  };
}

function policy(
  domain: string,
  successful: number,
  failed: number,
  details: Record<string, unknown>[] | undefined,
  type = 'sts',
): Record<string, unknown> {
  return {
    policy:
      type === 'sts'
        ? {
            'policy-type': 'sts',
            'policy-string': ['version: STSv1', 'mode: enforce', `mx: *.${domain}`, 'max_age: 604800'],
            'policy-domain': domain,
          }
        : { 'policy-type': 'tlsa', 'policy-string': ['3 1 1 0123456789abcdef'], 'policy-domain': domain },
    summary: { 'total-successful-session-count': successful, 'total-failure-session-count': failed },
    ...(details === undefined ? {} : { 'failure-details': details }),
  };
}

function report(organization: string, id: string, offset: number, policies: Record<string, unknown>[]): string {
  return JSON.stringify({
    'organization-name': organization,
    'date-range': { 'start-datetime': `${day(offset)}T00:00:00Z`, 'end-datetime': `${day(offset)}T23:59:59Z` },
    'contact-info': 'tlsrpt@sender.example',
    'report-id': `${id}-${day(offset)}`,
    policies,
  });
}

const REPORTS = [
  report(SENDER, 'missing', 3, [policy(DOMAIN, 200, 10, [detail('certificate-expired', 4, MX1)])]),
  report(SENDER, 'excess', 2, [policy(DOMAIN, 100, 1, [detail('sts-policy-fetch-error', 3, MX2)])]),
  report(SENDER, 'none', 1, [policy(DOMAIN, 90, 5, undefined)]),
  report('Exact Mail', 'exact', 2, [
    policy(DOMAIN, 300, 7, [
      detail('starttls-not-supported', 5, MX1),
      detail('certificate-host-mismatch', 2, undefined),
    ]),
  ]),
  report('Dual Policy', 'dual', 1, [
    policy(DOMAIN, 50, 3, [detail('certificate-expired', 3, MX1)]),
    policy(DOMAIN, 50, 3, [detail('tlsa-invalid', 3, MX1)], 'tlsa'),
  ]),
  report(SENDER, 'other', 1, [policy('other.example', 40, 4, [detail('validation-failure', 4, 'mx.other.example')])]),
];

const DIR = join('test', '.artifacts', 'e2e', 'reconciliation');
const DB = join(DIR, 'reports.sqlite');
let server: ServeProcess;

test.beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  const files = join(DIR, 'files');
  mkdirSync(files, { recursive: true });
  REPORTS.forEach((text, index) => {
    writeFileSync(join(files, `report-${index}.json`), text);
  });
  importWithCli(DB, [corpusReports, files]);
  server = await startServe(DB);
});

test.afterAll(async () => {
  await server.kill();
});

async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${server.url}#${path}`);
}

/** A number as the page prints it. */
function parseCount(text: string | null): number {
  const digits = (text ?? '').replace(/[^0-9]/g, '');
  expect(digits, `a number in “${text ?? ''}”`).not.toBe('');
  return Number(digits);
}

async function countOf(locator: Locator): Promise<number> {
  await expect(locator).toBeVisible();
  return parseCount(await locator.textContent());
}

/** The numbers of one column of a table's rows (its body: the rows of the data). */
async function bodyColumn(table: Locator, column: number): Promise<number[]> {
  await expect(table.locator('tbody tr').first()).toBeVisible();
  const cells = await table.locator(`tbody tr > :nth-child(${column})`).allTextContents();
  return cells.map(parseCount);
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** The excess a breakdown notes under it (0 when it notes none). */
async function noteBeyond(scope: Locator): Promise<number> {
  const note = scope.getByTestId('details-beyond-total');
  if ((await note.count()) === 0) return 0;
  const match = /name (?:up to )?([\d,]+) failed/.exec((await note.textContent()) ?? '');
  expect(match, 'the note names how many').not.toBeNull();
  return parseCount(match?.[1] ?? null);
}

/** The "(no failure details)" row at the end of a table (0 when it has none). */
async function noDetailsRow(table: Locator, testId: string): Promise<number> {
  const row = table.getByTestId(testId);
  if ((await row.count()) === 0) return 0;
  await expect(row.locator('th')).toContainText('(no failure details)');
  return parseCount(await row.locator('td.numeric').textContent());
}

/** What the command line says about the same database: the JSON of `tlsrpt summary`. */
function summaryJson(extra: string[] = []): Summary {
  const result = runCli(['summary', '--db', DB, '--json', ...extra]);
  expect(result.status).toBe(0);
  return parseJsonOutput<Summary>(result);
}

test('every breakdown on every page adds up to its headline total, with the rows no detail explains', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  const all = summaryJson();
  // The database holds what this test is about: failures without details and details beyond the totals.
  expect(all.failedWithoutDetails).toBeGreaterThan(0);
  expect(all.detailsBeyondTotal).toBeGreaterThan(0);

  // The Overview: the failed sessions, and by result type.
  await open(page, '/');
  const total = await countOf(page.getByTestId('card-failed').locator('.card-value'));
  expect(total).toBe(all.failedSessions);
  const types = page.getByTestId('result-type-table');
  const typeRows = await types.locator('tr').allTextContents();
  expect(typeRows.some((row) => row.startsWith('(no failure details)'))).toBe(true);
  const without = await countOf(types.locator('tr', { hasText: '(no failure details)' }).locator('td.numeric'));
  const overviewChart = page.locator('figure.chart', { has: types });
  const beyond = await noteBeyond(overviewChart);
  expect([without, beyond]).toEqual([all.failedWithoutDetails, all.detailsBeyondTotal]);
  expect(sum((await types.locator('tr td.numeric').allTextContents()).map(parseCount)) - beyond).toBe(total);
  // The JSON's own breakdowns reconcile the same way.
  expect(sum(Object.values(all.byResultType)) + without - beyond).toBe(total);
  expect(sum(all.byMx.map((entry) => entry.failedSessions)) + without - beyond).toBe(total);
  expect(sum(all.bySender.map((entry) => entry.failedSessions))).toBe(total);

  // MX hosts: the hosts, the row at no known host, the note.
  await open(page, '/mx');
  const mxTable = page.getByTestId('mx-table');
  const hosts = await bodyColumn(mxTable, 2);
  expect(await noDetailsRow(mxTable, 'mx-without-details')).toBe(without);
  expect(await noteBeyond(page.locator('main'))).toBe(beyond);
  expect(sum(hosts) + without - beyond).toBe(total);

  // Senders: their summaries add up without either.
  await open(page, '/senders');
  expect(sum(await bodyColumn(page.getByTestId('senders-table'), 4))).toBe(total);

  // A sender's page: its total, its MX hosts and its result types.
  await open(page, `/senders/${encodeURIComponent(SENDER)}`);
  const senderTotal = await countOf(page.getByTestId('sender-failed-total'));
  expect(senderTotal).toBe(20);
  const senderMx = page.getByTestId('sender-mx-table');
  const senderMxSection = page.locator('section', { has: senderMx });
  const senderWithout = await noDetailsRow(senderMx, 'sender-mx-without-details');
  const senderBeyond = await noteBeyond(senderMxSection);
  expect([senderWithout, senderBeyond]).toEqual([11, 2]);
  expect(sum(await bodyColumn(senderMx, 2)) + senderWithout - senderBeyond).toBe(senderTotal);
  const senderChart = page.locator('figure.chart', { has: page.getByTestId('result-type-table') });
  const senderTypes = await senderChart.locator('tr td.numeric').allTextContents();
  expect(sum(senderTypes.map(parseCount)) - (await noteBeyond(senderChart))).toBe(senderTotal);
  await expect(senderChart.getByTestId('result-type-table')).toContainText('(no failure details)');

  // A domain's page: its total, its MX hosts table and its result types table.
  await open(page, `/domains/${DOMAIN}`);
  const domainTotal = await countOf(page.getByTestId('domain-failed'));
  expect(domainTotal).toBe(26);
  expect(domainTotal).toBe(summaryJson(['--domain', DOMAIN]).failedSessions);
  for (const [testId, rowId] of [
    ['domain-mx-table', 'domain-mx-without-details'],
    ['domain-result-types', 'domain-types-without-details'],
  ] as const) {
    const table = page.getByTestId(testId);
    const section = page.locator('section', { has: table });
    const rows = await bodyColumn(table, 2);
    const rowWithout = await noDetailsRow(table, rowId);
    const rowBeyond = await noteBeyond(section);
    expect([rowWithout, rowBeyond], testId).toEqual([11, 2]);
    expect(sum(rows) + rowWithout - rowBeyond, testId).toBe(domainTotal);
  }
  // Only the counted one of the two policies that describe the same sessions.
  await expect(page.getByTestId('domain-result-types')).not.toContainText('tlsa-invalid');
  // Its failure rate of the last 7 days: the same sessions (they are all from the last 3 days).
  const totals = (await page.getByTestId('domain-totals').textContent()) ?? '';
  const successful = parseCount(/^([\d,]+) successful/.exec(totals)?.[1] ?? null);
  const rate = `${((domainTotal / (successful + domainTotal)) * 100).toFixed(1)}%`;
  await expect(page.locator('main')).toContainText(
    `${rate} of ${number.format(successful + domainTotal)} sessions failed in the last 7 days`,
  );
  // The Domains view: the same rate in the domain's row.
  await open(page, '/domains');
  const domainRow = page
    .getByTestId('domains-table')
    .locator('tbody tr', { has: page.getByRole('link', { name: DOMAIN, exact: true }) });
  await expect(domainRow.locator('td').nth(3)).toContainText(rate);

  // An MX host's page: its failures are its details; the failures without details belong to no host.
  await open(page, '/mx');
  const mx2Listed = await countOf(mxTable.locator('tbody tr', { hasText: MX2 }).locator('td').nth(1));
  await open(page, `/mx/host/${MX2}`);
  const hostTotal = await countOf(page.getByTestId('mx-host-failed'));
  expect(hostTotal).toBe(mx2Listed);
  const hostChart = page.locator('figure.chart', { has: page.getByTestId('result-type-table') });
  await expect(hostChart.getByTestId('result-type-table')).not.toContainText('(no failure details)');
  expect(sum((await hostChart.locator('tr td.numeric').allTextContents()).map(parseCount))).toBe(hostTotal);
  // Mail.ru-like: 3 named at mx2 against a total of 1.
  expect(await noteBeyond(hostChart)).toBe(2);
  expect(await countOf(page.getByTestId('mx-host-without-details-count'))).toBe(without);
  await expect(page.getByTestId('mx-host-no-rate')).toContainText('not a failure rate');

  // The Failures list: the counter, every row, the row without details and the senders' total.
  for (const [query, expected] of [
    ['', total],
    [`?domain=${DOMAIN}`, domainTotal],
    [`?organization=${encodeURIComponent(SENDER)}`, senderTotal],
  ] as const) {
    await open(page, `/failures${query}`);
    const counter = page.getByTestId('failures-count');
    await expect(counter).toHaveText(/failed sessions$/);
    const named = parseCount(/, ([\d,]+) failed sessions$/.exec((await counter.textContent()) ?? '')?.[1] ?? null);
    const listWithout = await countOf(page.getByTestId('failures-without-details-count'));
    const listBeyond = await noteBeyond(page.locator('main'));
    const listTotal = await countOf(page.getByTestId('failures-senders-total-count'));
    expect(named + listWithout - listBeyond, query).toBe(listTotal);
    expect(listTotal, query).toBe(expected);
    if (query !== '') {
      // Few enough rows to be drawn at once: every row's failed sessions add up to the counter.
      const rows = page.getByTestId('failure-row');
      await expect(rows.first().locator('[role=cell]').last()).not.toHaveText('…');
      const failed = await rows.locator('[role=cell]:nth-child(9)').allTextContents();
      expect(sum(failed.map(parseCount)), query).toBe(named);
    }
  }
  // The rows are part of the table for a screen reader, and the glossary of their name is reached by Tab.
  const withoutRow = page.getByTestId('failures-without-details');
  await expect(page.getByRole('table', { name: 'Failure details' }).getByRole('row').last()).toContainText(
    /senders. totals/,
  );
  await expect(withoutRow.getByRole('rowheader')).toContainText('(no failure details)');
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test('the glossary is a key press away from every result type in the Failures list', async ({ page }) => {
  const problems = await watchForViolations(page);
  await open(page, `/failures?domain=${DOMAIN}&sort=resultType&order=asc`);
  const rows = page.getByTestId('failure-row');
  await expect(rows.first().locator('[role=cell]').last()).not.toHaveText('…');
  const drawn = await rows.count();
  // One button per row's result type.
  await expect(rows.getByTestId('explain-result-type')).toHaveCount(drawn);
  const button = rows.first().getByRole('button', { name: /^What .+ means$/ });
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const explanation = rows.first().getByTestId('result-type-explanation');
  await expect(explanation).toBeVisible();
  await expect(explanation).toContainText('Fix:');
  // It is drawn over the rows below, not cut to its row: what is seen near its bottom is the entry itself.
  const box = await explanation.boundingBox();
  expect(box?.height ?? 0).toBeGreaterThan(60);
  const seen = await page.evaluate(
    ([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid=result-type-explanation]') != null,
    [(box?.x ?? 0) + 20, (box?.y ?? 0) + (box?.height ?? 0) - 8] as const,
  );
  expect(seen).toBe(true);
  await screenshot(page, '60-failures-glossary');
  await page.keyboard.press('Escape');
  await expect(explanation).toHaveCount(0);
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  // Opening it, or reading it, is not a click on the row (which opens its report).
  await button.click();
  await explanation.click();
  await expect(page).toHaveURL(/#\/failures/);
  await expect(explanation).toBeVisible();
  // The click left the focus behind the entry; Escape still closes it.
  await page.keyboard.press('Escape');
  await expect(explanation).toHaveCount(0);
  await button.click();
  await expect(explanation).toBeVisible();
  await button.click();
  await expect(explanation).toHaveCount(0);
  // And the row without details, at the end of the table, has its entry too.
  const last = page.getByTestId('failures-without-details').getByRole('button', {
    name: 'What (no failure details) means',
  });
  await last.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('failures-without-details').getByTestId('result-type-explanation')).toContainText(
    'no failure details',
  );
  expect(problems).toEqual([]);
});

test('the new rows read well at every width, light and dark', async ({ page }) => {
  const problems = await watchForViolations(page);
  const pages: [string, string, string][] = [
    ['domain', `/domains/${DOMAIN}`, 'domain-types-without-details'],
    ['sender', `/senders/${encodeURIComponent(SENDER)}`, 'sender-mx-without-details'],
    ['mx-host', `/mx/host/${MX2}`, 'mx-host-without-details'],
    ['failures', `/failures?domain=${DOMAIN}`, 'failures-without-details'],
  ];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1024, 1366, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path, testId] of pages) {
        await open(page, path);
        await expect(page.getByTestId(testId)).toBeVisible();
        await expectNoHorizontalOverflow(page);
        expect(await cutTextWithoutTitle(page), `${name} at ${width}`).toEqual([]);
        await screenshot(page, `61-reconciliation-${name}-${scheme}-${width}`);
      }
    }
  }
  expect(problems).toEqual([]);
});
