import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  database,
  importWithCli,
  screenshot,
  startServe,
  syntheticDatabase,
  waitForImportDone,
  watchForViolations,
  type ServeProcess,
} from './support.js';

/*
 * State in the URL (time range, domain, sort, page), the titles and not-found
 * pages, the refused custom range, data another process stores showing
 * without a reload, and the mailbox form's port: through the real UI in serve
 * mode, each checked against what the database holds.
 */

test.describe.configure({ mode: 'serial' });

const CORPUS = join('test', 'fixtures', 'corpus', 'reports');
const number = new Intl.NumberFormat('en-US');

const rangeSelect = (page: Page) => page.getByRole('form', { name: 'Filter' }).getByLabel('Time range');
const domainSelect = (page: Page) => page.getByRole('form', { name: 'Filter' }).getByLabel('Policy domain');

/** The URL's parameters inside the hash (`#/view?…`). */
function hashParams(page: Page): URLSearchParams {
  const hash = new URL(page.url()).hash;
  return new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
}

test.beforeAll(async ({ browser }) => {
  // The corpus, as the other specs import it (a duplicate changes nothing), so that this spec also runs alone.
  const page = await browser.newPage();
  await page.goto('/#/import');
  const files = readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(CORPUS, entry.name));
  await page.getByTestId('file-input').setInputFiles(files);
  await waitForImportDone(page);
  await page.close();
});

test('the time range and domain live in the URL: reload, back, forward and a shared link keep them', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  const db = database();
  const domain = db
    .prepare('SELECT policy_domain FROM policies WHERE policy_domain IS NOT NULL ORDER BY 1 LIMIT 1')
    .pluck()
    .get() as string;
  db.close();
  await page.goto('/#/senders');
  await expect(rangeSelect(page)).toHaveValue('all');
  await rangeSelect(page).selectOption('30');
  await expect.poll(() => hashParams(page).get('range')).toBe('30');
  await domainSelect(page).selectOption(domain);
  await expect.poll(() => hashParams(page).get('policyDomain')).toBe(domain);

  await page.reload();
  await expect(rangeSelect(page)).toHaveValue('30');
  await expect(domainSelect(page)).toHaveValue(domain);

  // A view reached by the navigation keeps the filter, and its URL says so.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'MX hosts' }).click();
  await expect(page.getByRole('heading', { name: 'MX hosts' })).toBeVisible();
  await expect.poll(() => hashParams(page).toString()).toContain('range=30');
  expect(hashParams(page).get('policyDomain')).toBe(domain);
  await expect(rangeSelect(page)).toHaveValue('30');

  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Senders' })).toBeVisible();
  await expect(domainSelect(page)).toHaveValue(domain);
  await page.goBack();
  await expect(domainSelect(page)).toHaveValue('');
  await expect(rangeSelect(page)).toHaveValue('30');
  await page.goBack();
  await expect(rangeSelect(page)).toHaveValue('all');
  await page.goForward();
  await page.goForward();
  await page.goForward();
  await expect(page.getByRole('heading', { name: 'MX hosts' })).toBeVisible();
  await expect(rangeSelect(page)).toHaveValue('30');
  await expect(domainSelect(page)).toHaveValue(domain);

  // A link someone shared opens with its filter.
  const shared = await page.context().newPage();
  await shared.goto(`/#/senders?range=7&policyDomain=${encodeURIComponent(domain)}`);
  await expect(rangeSelect(shared)).toHaveValue('7');
  await expect(domainSelect(shared)).toHaveValue(domain);
  await shared.close();
  expect(problems).toEqual([]);
});

test('a table’s sort lives in the URL, and every sortable column shows that it sorts', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto('/#/senders');
  const table = page.getByTestId('senders-table');
  const header = table.getByRole('columnheader', { name: 'Reports' });
  await expect(header).toHaveAttribute('aria-sort', 'none');
  await header.getByRole('button').click();
  await expect(header).not.toHaveAttribute('aria-sort', 'none');
  const sorted = await header.getAttribute('aria-sort');
  expect(sorted === 'ascending' || sorted === 'descending').toBe(true);
  await expect
    .poll(() => hashParams(page).get('senders-table-sort'))
    .toBe(`reports:${sorted === 'ascending' ? 'asc' : 'desc'}`);
  const order = await table.locator('tbody tr td:first-child').allTextContents();
  await page.reload();
  await expect(header).toHaveAttribute('aria-sort', sorted ?? '');
  expect(await table.locator('tbody tr td:first-child').allTextContents()).toEqual(order);
  // The rows are in the order the URL names: by reports, as the database counts them.
  const db = database();
  const reports = new Map(
    (
      db.prepare('SELECT organization_name AS name, COUNT(*) AS n FROM reports GROUP BY 1').all() as {
        name: string;
        n: number;
      }[]
    ).map((row) => [row.name, row.n]),
  );
  const sender = db.prepare('SELECT organization_name FROM reports LIMIT 1').pluck().get() as string;
  const mx = db
    .prepare('SELECT receiving_mx_hostname FROM failure_details WHERE receiving_mx_hostname IS NOT NULL LIMIT 1')
    .pluck()
    .get() as string;
  const domain = db
    .prepare('SELECT policy_domain FROM policies WHERE policy_domain IS NOT NULL LIMIT 1')
    .pluck()
    .get() as string;
  db.close();
  const counts = order.map((name) => reports.get(name) ?? -1);
  const expected = [...counts].sort((a, b) => (sorted === 'ascending' ? a - b : b - a));
  expect(counts).toEqual(expected);

  for (const view of [
    '/senders',
    `/senders/${encodeURIComponent(sender)}`,
    '/mx',
    `/mx/host/${encodeURIComponent(mx)}`,
    '/domains',
    `/domains/${encodeURIComponent(domain)}`,
    '/reports',
  ]) {
    await page.goto(`/#${view}`);
    await expect(page.locator('main table').first()).toBeVisible();
    const headers = page.locator('main th:has(button.sort)');
    expect(await headers.count(), view).toBeGreaterThan(0);
    for (const th of await headers.all()) {
      await expect(th.locator('.sort-indicator'), view).toHaveCount(1);
      expect(['none', 'ascending', 'descending'], view).toContain(await th.getAttribute('aria-sort'));
    }
  }
  expect(problems).toEqual([]);
});

test('the window’s title names the view', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Overview · tlsrpt-viewer');
  const navigation = page.getByRole('navigation', { name: 'Views' });
  for (const label of ['Domains', 'Senders', 'MX hosts', 'Failures', 'Reports', 'Import', 'Policies', 'Mailboxes']) {
    await navigation.getByRole('link', { name: label, exact: true }).click();
    await expect(page).toHaveTitle(`${label} · tlsrpt-viewer`);
  }
  await page.goto('/#/senders/Company-X');
  await expect(page).toHaveTitle('Sender Company-X · tlsrpt-viewer');
  // A name with a space reads as it is written, not as its link encodes it.
  await page.goto('/#/senders/Google%20Inc.');
  await expect(page.getByRole('heading', { name: 'Google Inc.', exact: true })).toBeVisible();
  await expect(page).toHaveTitle('Sender Google Inc. · tlsrpt-viewer');
});

test('host and domain names in an address are found in any case (RFC 4343)', async ({ page }) => {
  const problems = await watchForViolations(page);
  const db = database();
  const failed = db
    .prepare(
      `SELECT SUM(failed_sessions) FROM failure_details WHERE counted = 1 AND receiving_mx_hostname = 'mail.example.com'`,
    )
    .pluck()
    .get() as number;
  db.close();
  for (const path of ['/mx/host/MAIL.EXAMPLE.COM', '/mx/host/Mail.Example.Com.']) {
    await page.goto(`/#${path}`);
    await expect(page.getByTestId('mx-host-failed'), path).toHaveText(number.format(failed));
    await expect(page.getByTestId('not-found')).toHaveCount(0);
  }
  await page.goto('/#/domains/EXAMPLE.COM');
  await expect(page.getByTestId('domain-name')).toHaveText('example.com');
  expect(problems).toEqual([]);
});

test('unknown addresses, senders, MX hosts, domains and reports are "not found"', async ({ page }) => {
  const problems = await watchForViolations(page);
  const cases: [string, RegExp][] = [
    ['/no/such/view', /no such page/],
    ['/senders/No%20Such%20Sender', /No stored report is from a sender named “No Such Sender”/],
    ['/mx/host/mx.nowhere.example', /No failure detail names an MX host “mx.nowhere.example”/],
    ['/domains/nowhere.example', /No stored report names the policy domain “nowhere.example”/],
    ['/reports/999999', /^Not foundThere is no report 999999\.Go to the Overview$/],
    ['/reports/abc', /"abc" is not a report number: reports are numbered from 1\.Go/],
  ];
  for (const [path, message] of cases) {
    await page.goto(`/#${path}`);
    const notFound = page.getByTestId('not-found');
    await expect(notFound.getByRole('heading', { name: 'Not found' }), path).toBeVisible();
    await expect(notFound, path).toContainText(message);
    // Not an empty page, and not a sender "with no failures".
    await expect(page.getByText(/reported no failures|No failure details name/)).toHaveCount(0);
  }
  await expect(page.getByTestId('not-found').getByRole('link', { name: 'Go to the Overview' })).toBeVisible();
  await screenshot(page, 'not-found');
  // The backend answers an unknown thing in its answer, not with an HTTP error that Chromium would log.
  expect(problems).toEqual([]);
});

test('a custom range with From after To is refused with a message, and the views keep the range before', async ({
  page,
}) => {
  await page.goto('/#/reports');
  await rangeSelect(page).selectOption('custom');
  const filter = page.getByRole('form', { name: 'Filter' });
  await filter.getByLabel('From', { exact: true }).fill('2025-08-04');
  await expect.poll(() => hashParams(page).get('from')).toBe('2025-08-04');
  await filter.getByLabel('To', { exact: true }).fill('2025-08-01');
  await expect(page.getByTestId('range-problem')).toContainText(
    'From (2025-08-04) is after To (2025-08-01): choose a From on or before To.',
  );
  expect(hashParams(page).get('to')).toBeNull();
  await filter.getByLabel('To', { exact: true }).fill('2025-08-04');
  await expect(page.getByTestId('range-problem')).toHaveCount(0);
  await expect.poll(() => hashParams(page).get('to')).toBe('2025-08-04');
  const db = database();
  const expected = db
    .prepare(
      `SELECT COUNT(*) FROM reports WHERE start_time >= unixepoch('2025-08-04') AND start_time < unixepoch('2025-08-05')`,
    )
    .pluck()
    .get() as number;
  db.close();
  expect(expected).toBeGreaterThan(0);
  await expect(page.locator('.toolbar')).toContainText(`of ${number.format(expected)}`);
});

test('the mailbox form keeps a port the user typed when Security changes', async ({ page }) => {
  await page.goto('/#/mailboxes');
  await page.getByRole('button', { name: 'Add a mailbox…' }).click();
  const form = page.getByRole('form', { name: 'New mailbox' });
  const port = form.getByRole('spinbutton', { name: 'Port', exact: true });
  const security = form.getByRole('combobox', { name: /^Security/ });
  await expect(port).toHaveValue('993');
  // A default port follows the security chosen…
  await security.selectOption('starttls');
  await expect(port).toHaveValue('143');
  // …a typed one stays.
  await port.fill('10143');
  await security.selectOption('tls');
  await expect(port).toHaveValue('10143');
  await security.selectOption('plain');
  await expect(port).toHaveValue('10143');
  // The poll interval's hint stays beside its field, not under the label column.
  const field = form.getByRole('spinbutton', { name: /Check every/ });
  const hint = form.getByText('seconds (new mail shows at once');
  const [fieldBox, hintBox] = [await field.boundingBox(), await hint.boundingBox()];
  expect(hintBox?.x ?? 0).toBeGreaterThanOrEqual(fieldBox?.x ?? Infinity);
});

test.describe('over 20,000 reports', () => {
  test.describe.configure({ timeout: 300_000 });
  let serve: ServeProcess | undefined;
  test.beforeAll(async () => {
    test.setTimeout(300_000);
    serve = await startServe(syntheticDatabase());
  });
  test.afterAll(async () => {
    await serve?.kill();
  });

  test('Reports keeps its page in the URL, Back from a report returns to it, a new filter starts at page 1', async ({
    page,
  }) => {
    if (!serve) throw new Error('no server');
    const problems = await watchForViolations(page);
    await page.goto(`${serve.url}#/reports`);
    const counter = page.locator('.toolbar span').first();
    await expect(counter).toHaveText('1–100 of 20,000');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(counter).toHaveText('201–300 of 20,000');
    expect(hashParams(page).get('page')).toBe('3');
    const firstOfPage = await page
      .getByTestId('reports-table')
      .locator('tbody tr td:nth-child(3)')
      .first()
      .textContent();

    await page.getByTestId('reports-table').locator('tbody tr').first().click();
    await expect(page.getByTestId('report-organization')).toBeVisible();
    await page.goBack();
    await expect(counter).toHaveText('201–300 of 20,000');
    await expect(page.getByTestId('reports-table').locator('tbody tr td:nth-child(3)').first()).toHaveText(
      firstOfPage ?? '',
    );
    // The page's own way back, too.
    await page.getByTestId('reports-table').locator('tbody tr').first().click();
    await page.getByRole('link', { name: '← Reports' }).click();
    await expect(counter).toHaveText('201–300 of 20,000');
    await page.reload();
    await expect(counter).toHaveText('201–300 of 20,000');

    // A narrower filter: the list starts again at its first page (not "301–300 of 100").
    const db = new Database(syntheticDatabase(), { readonly: true, fileMustExist: true });
    const { domain, reports } = db
      .prepare(
        `SELECT p.policy_domain AS domain, COUNT(DISTINCT p.report_rowid) AS reports FROM policies p
         WHERE p.policy_domain IS NOT NULL GROUP BY 1 ORDER BY 2 LIMIT 1`,
      )
      .get() as { domain: string; reports: number };
    db.close();
    await domainSelect(page).selectOption(domain);
    await expect(counter).toHaveText(`1–${Math.min(100, reports)} of ${number.format(reports)}`);
    expect(hashParams(page).get('page')).toBeNull();
    await expect(page.getByRole('button', { name: 'Next' })).toBeEnabled({ enabled: reports > 100 });
    await expect(page.getByRole('button', { name: 'Previous' })).toBeDisabled();
    expect(problems).toEqual([]);
  });
});

test('reports another process stores show without a reload, in the lists of senders and domains too', async ({
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-fresh-'));
  const db = join(dir, 'reports.sqlite');
  importWithCli(db, [join(CORPUS, 'dmarc-report-viewer__google.json')]);
  const serve = await startServe(db);
  try {
    const problems = await watchForViolations(page);
    await page.goto(`${serve.url}#/senders`);
    const table = page.getByTestId('senders-table');
    await expect(table.locator('tbody tr')).toHaveCount(1);
    await expect(domainSelect(page).locator('option', { hasText: 'xn--gpher-jua.test' })).toHaveCount(0);
    await page.evaluate(() => {
      (window as unknown as { __sameDocument?: boolean }).__sameDocument = true;
    });
    // `tlsrpt import` while the window is open, as a cron job or a second terminal would.
    expect(importWithCli(db, [join(CORPUS, 'tlsrpt-be__testing.json')])).toContain('1 imported');
    await expect(table.getByRole('cell', { name: 'Company-X', exact: true })).toBeVisible({ timeout: 15_000 });
    await expect(table.locator('tbody tr')).toHaveCount(2);
    await expect(domainSelect(page).locator('option', { hasText: 'xn--gpher-jua.test' })).toHaveCount(1);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await serve.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a domain without a report in the last days says so in words', async ({ page }) => {
  // example.com's last report in the corpus is from 2026-05-13, long before today.
  await page.goto('/#/domains/example.com');
  const recent = page.getByTestId('domain-as-of');
  await expect(recent).toContainText('no report covered a session in the last 7 days');
  await expect(recent).not.toContainText('–');
  await expect(recent).not.toContainText('of 0 sessions');
});
