import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainResultType } from '../../shared/glossary/result-types.js';
import { healthScenarioDocuments } from '../helpers/health-scenario.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { cspViolations, database, screenshot, waitForImportDone, watchForViolations } from './support.js';

/*
 * The Monday-morning test: the known events of test/helpers/health-scenario.ts,
 * dated so that today is the scenario's "as of" day, are imported through the
 * UI next to the corpus the other specs imported; then the Overview, the
 * Domains view and a domain's page must say which domain fails, which MX host,
 * since when and what to do, with the evidence one click away. Numbers are
 * checked against SQL on the database file.
 */

test.describe.configure({ mode: 'serial' });

const number = new Intl.NumberFormat('en-US');
const TODAY = Math.floor(Date.now() / 86_400_000);
const day = (offset: number): string => new Date((TODAY - offset) * 86_400_000).toISOString().slice(0, 10);

test.beforeAll(async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-health-'));
  const files = healthScenarioDocuments(TODAY).map((text, index) => {
    const file = join(dir, `scenario-${index}.json`);
    writeFileSync(file, text);
    return file;
  });
  const page = await browser.newPage();
  await page.goto('/#/import');
  await page.getByTestId('file-input').setInputFiles(files);
  expect(await waitForImportDone(page)).toMatch(/· 0 rejected/);
  await page.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Nothing is wider than the window, once the charts have followed a change of its size. */
async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth))
    .toBeLessThanOrEqual(0);
}

/** Numbers as the page prints them. */
function parseCount(text: string | null): number {
  return Number((text ?? '').replace(/[^0-9]/g, ''));
}

test('the Overview opens with the failing domain, its broken MX host, since when and the fix', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto('/');
  const health = page.getByTestId('overview-health');
  await expect(health.getByTestId('health-headline')).toContainText('1 failing');
  const first = health.getByTestId('attention').getByTestId('finding').first();
  await expect(first).toHaveAttribute('data-code', 'mx-failing');
  await expect(first).toContainText('Error');
  await expect(first).toContainText('brokenmx.example');
  await expect(first).toContainText(`${day(4)} to ${day(1)}`);
  await expect(first).toContainText('mx2.brokenmx.example failed 240 sessions on 4 of the last 7 days');
  await expect(first).toContainText('What to do: Renew the certificate');
  // The worst domain leads the table, with its verdict in words.
  const firstRow = health.getByTestId('domains-table').locator('tbody tr').first();
  await expect(firstRow.getByTestId('verdict')).toHaveText('Failing');
  await expect(firstRow).toContainText('mx2.brokenmx.example');
  // The advice of note is on the first screen too, not only in a fold of the Domains view.
  await expect(
    health
      .getByTestId('overview-ready')
      .locator('[data-code=policy-testing-clean]')
      .filter({ hasText: 'testing.example has published MTA-STS in testing mode' }),
  ).toHaveCount(1);
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test('a finding links to its evidence: the failure details and the MX host behind it', async ({ page }) => {
  await page.goto('/');
  const finding = page.getByTestId('attention').getByTestId('finding').first();
  await finding.getByRole('link', { name: 'The failure details' }).click();
  await expect(page).toHaveURL(
    /#\/failures\?domain=brokenmx\.example&mx=mx2\.brokenmx\.example&resultType=certificate-expired/,
  );
  const db = database();
  const expected = db
    .prepare(
      `SELECT COUNT(*) AS rows, SUM(failed_sessions) AS failed FROM failure_details
       WHERE counted = 1 AND policy_domain = 'brokenmx.example' AND receiving_mx_hostname = 'mx2.brokenmx.example'
         AND result_type = 'certificate-expired'`,
    )
    .get() as { rows: number; failed: number };
  db.close();
  await expect(page.getByTestId('failures-count')).toHaveText(
    `${number.format(expected.rows)} failure detail rows, ${number.format(expected.failed)} failed sessions`,
  );
  await expect(page.getByRole('form', { name: 'Failure filters' }).getByLabel('Domain')).toHaveValue(
    'brokenmx.example',
  );
  await page.goBack();
  await page
    .getByTestId('attention')
    .getByTestId('finding')
    .first()
    .getByRole('link', { name: 'mx2.brokenmx.example' })
    .click();
  await expect(page.getByTestId('mx-host-name')).toHaveText('mx2.brokenmx.example');
  await expect(page.getByTestId('mx-host-daily')).toBeVisible();
});

test('the Domains view gives every domain its verdict, worst first', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto('/#/domains');
  const rows = page.getByTestId('domains-table').locator('tbody tr');
  const verdictOf = async (domain: string): Promise<string | null> =>
    rows
      .filter({ has: page.getByRole('link', { name: domain, exact: true }) })
      .getByTestId('verdict')
      .textContent();
  expect(await verdictOf('brokenmx.example')).toBe('Failing');
  expect(await verdictOf('silent.example')).toBe('Silent');
  expect(await verdictOf('sendergone.example')).toBe('Degraded');
  expect(await verdictOf('healthy.example')).toBe('Healthy');
  expect(await verdictOf('testing.example')).toBe('Healthy');
  await expect(rows.first().getByTestId('verdict')).toHaveText('Failing');
  // The corpus's domains, last reported years ago, come after every active one.
  await expect(rows.last().getByTestId('verdict')).toHaveText('Silent');
  const findings = page.getByTestId('findings');
  await expect(findings.locator('[data-code=sender-silent]')).toContainText(
    `Microsoft Corporation reported sendergone.example on 25 of 28 days, but not since ${day(10)}.`,
  );
  await expect(findings.locator('[data-code=domain-silent]').first()).toContainText(`since ${day(6)} (6 days)`);
  // Findings of note are folded under the ones that need doing; the one that is advice (a clean testing mode:
  // ready for enforce) is not, and its `mode: enforce` is code, not text between backticks.
  await expect(findings.locator('[data-code=policy-testing-clean]')).toHaveCount(0);
  const fold = page.getByTestId('findings-of-note');
  await expect(fold).not.toHaveAttribute('open');
  const ready = page
    .getByTestId('findings-ready')
    .locator('[data-code=policy-testing-clean]')
    .filter({ hasText: 'testing.example has published MTA-STS in testing mode' });
  await expect(ready).toHaveCount(1);
  await expect(ready).toBeVisible();
  await expect(ready.locator('code', { hasText: 'mode: enforce' })).toBeVisible();
  await expect(ready.locator('code', { hasText: 'id=' })).toBeVisible();
  await expect(ready).not.toContainText('`');
  await fold.locator('summary').click();
  await expect(page.getByTestId('findings-info').locator('[data-code=policy-testing-clean]')).toHaveCount(0);
  await expect(page.getByTestId('findings-info').getByTestId('finding').first()).toBeVisible();
  await screenshot(page, '20-domains');
  expect(problems).toEqual([]);
});

test('a domain’s page shows its MX hosts and result types since when, senders, policies and the rate per day', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  await page.goto('/#/domains');
  await page.getByRole('link', { name: 'brokenmx.example', exact: true }).first().click();
  await expect(page.getByTestId('domain-name')).toHaveText('brokenmx.example');
  await expect(page.getByTestId('verdict').first()).toHaveText('Failing');
  const db = database();
  const totals = db
    .prepare(
      `SELECT SUM(successful_sessions) AS ok, SUM(failed_sessions) AS failed FROM policies
       WHERE counted = 1 AND policy_domain = 'brokenmx.example'`,
    )
    .get() as { ok: number; failed: number };
  db.close();
  await expect(page.getByTestId('domain-totals')).toContainText(
    `${number.format(totals.ok)} successful and ${number.format(totals.failed)} failed sessions`,
  );
  const mx = page.getByTestId('domain-mx-table').locator('tbody tr');
  await expect(mx).toHaveCount(1);
  await expect(mx.first()).toContainText('mx2.brokenmx.example');
  await expect(mx.first()).toContainText(day(4));
  await expect(mx.first()).toContainText(day(1));
  const types = page.getByTestId('domain-result-types').locator('tbody tr');
  await expect(types.first()).toContainText('certificate-expired');
  await expect(types.first()).toContainText(number.format(totals.failed));
  await expect(page.getByTestId('domain-senders').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('domain-policies')).toContainText('mode: enforce');
  await expect(page.getByTestId('failure-rate-chart').locator('.recharts-line')).toHaveCount(1);
  for (const width of [1024, 1366, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await expectNoHorizontalOverflow(page);
    await screenshot(page, `21-domain-page-${width}`);
  }
  expect(problems).toEqual([]);
});

test('a finding whose cause is the policy says so, with the linter’s words on the policy senders quoted', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  await page.goto('/#/domains/mismatch.example');
  await expect(page.getByTestId('domain-name')).toHaveText('mismatch.example');
  const finding = page.getByTestId('findings').locator('[data-code=mx-failing]');
  await expect(finding).toContainText(`${day(5)} to ${day(1)}`);
  await expect(finding).toContainText(
    'mx2.mismatch.example does not match the mx lines of the MTA-STS policy senders quoted (mx: mx1.mismatch.example',
  );
  await expect(finding).toContainText('What to do: Add "mx: mx2.mismatch.example" to the policy file');
  const lint = finding.getByTestId('finding-policy-lint');
  await expect(lint).toContainText(
    `Policy check: mx2.mismatch.example does not match the mx lines of the MTA-STS policy senders quoted (${day(6)} to ${day(1)}): mx: mx1.mismatch.example.`,
  );
  await expect(lint.locator('[data-lint-code=policy-mx-uncovered]')).toContainText(
    'MX host mx2.mismatch.example is not covered by any mx pattern: once enforced, senders would not deliver to it (RFC 8461 §4.1) — add "mx: mx2.mismatch.example"',
  );
  await finding.scrollIntoViewIfNeeded();
  await screenshot(page, '25-finding-policy-check');
  // A finding the policy does not cause has no policy check.
  await page.goto('/#/domains/brokenmx.example');
  await expect(page.getByTestId('findings').locator('[data-code=mx-failing]')).toContainText('Renew the certificate');
  await expect(page.getByTestId('finding-policy-lint')).toHaveCount(0);
  await page.goto('/#/domains/mismatch.example');
  await page
    .getByTestId('findings')
    .locator('[data-code=mx-failing]')
    .getByRole('link', { name: 'Check the MTA-STS policy' })
    .click();
  await expect(page).toHaveURL(/#\/policies/);
  expect(problems).toEqual([]);
});

test('the glossary is one key press away from every result type', async ({ page }) => {
  await page.goto('/#/domains/brokenmx.example');
  const button = page
    .getByTestId('domain-result-types')
    .getByRole('button', { name: 'What certificate-expired means' });
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const explanation = page.getByTestId('result-type-explanation');
  await expect(explanation).toContainText("The MX host's certificate has expired");
  await expect(explanation).toContainText('Fix: Renew the certificate');
  // The commands to run are code, not text between backticks.
  await expect(explanation.locator('code').first()).toContainText('openssl s_client -starttls smtp');
  await expect(explanation).not.toContainText('`');
  await expect(explanation).toContainText('RFC 8460 §4.3.1');
  await screenshot(page, '22-glossary');
  await page.keyboard.press('Escape');
  await expect(explanation).toHaveCount(0);
  await expect(button).toHaveAttribute('aria-expanded', 'false');
});

/**
 * A domain reported daily for 12 days, clean but for one day 10 days ago when
 * its MX host failed with three result types, one RFC 8460 does not define:
 * a bar of three segments, and a domain that stays healthy (the failures are
 * older than the 7 days judged), so the other tests' verdicts stay as they are.
 */
function manyTypesDomain(): string[] {
  const mx = { 'receiving-mx-hostname': 'mx1.glossary.example' };
  return Array.from({ length: 12 }, (_, index) => {
    const offset = index + 1;
    const details =
      offset === 10
        ? [
            failureDetail('certificate-expired', 3, mx),
            failureDetail('starttls-not-supported', 2, mx),
            failureDetail('tls-handshake-timeout', 1, mx),
          ]
        : [];
    return reportJson({
      organization: 'Glossary Sender',
      reportId: `glossary-${day(offset)}`,
      start: `${day(offset)}T00:00:00Z`,
      end: `${day(offset)}T23:59:59Z`,
      policies: [policyEntry({ domain: 'glossary.example', successful: 100, failed: offset === 10 ? 6 : 0, details })],
    });
  });
}

/**
 * The "?" of a result type in `scope` has the focus: Enter opens the type's
 * explanation, Escape closes it and leaves the focus on the button.
 */
async function explainFocused(page: Page, scope: Locator, type: string): Promise<void> {
  const button = scope.getByRole('button', { name: `What ${type} means`, exact: true });
  await expect(button).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const explanation = page.getByTestId('result-type-explanation');
  await expect(explanation).toHaveCount(1);
  await expect(explanation).toContainText(explainResultType(type).meaning);
  await page.keyboard.press('Escape');
  await expect(explanation).toHaveCount(0);
  await expect(button).toBeFocused();
}

test('every result type of an MX bar, the Senders list and a domain’s verdict reaches its explanation by keyboard', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  await page.goto('/');
  await importDocuments(page, manyTypesDomain());
  // MX hosts: the largest type beside the bar, the other two unfolded by the +2 button, each explained.
  await page.goto('/#/mx');
  const row = page.getByTestId('mx-table').getByRole('row').filter({ hasText: 'mx1.glossary.example' });
  await expect(row.getByTestId('result-type-bar').locator('.type-segment')).toHaveCount(3);
  await row.getByRole('button', { name: 'What certificate-expired means' }).focus();
  await explainFocused(page, row, 'certificate-expired');
  await page.keyboard.press('Tab');
  const more = row.getByTestId('more-result-types');
  await expect(more).toBeFocused();
  await expect(more).toHaveAccessibleName('+2 more result types: starttls-not-supported, tls-handshake-timeout');
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('Enter');
  await expect(more).toHaveAttribute('aria-expanded', 'true');
  const others = row.getByTestId('other-result-types');
  for (const [type, count] of [
    ['starttls-not-supported', '2'],
    ['tls-handshake-timeout', '1'],
  ] as const) {
    // Each unfolded type: its link to the failures, its count, then its explanation's button.
    await page.keyboard.press('Tab');
    await expect(others.getByRole('link', { name: type, exact: true })).toBeFocused();
    await expect(others.getByRole('listitem').filter({ hasText: type })).toContainText(count);
    await page.keyboard.press('Tab');
    await explainFocused(page, others, type);
  }
  // The row was never opened; Escape folds the list and gives the focus back.
  await expect(page).toHaveURL(/#\/mx$/);
  await more.focus();
  await page.keyboard.press('Enter');
  await expect(others).toHaveCount(0);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Escape');
  await expect(others).toHaveCount(0);
  await expect(more).toBeFocused();
  // Unfolded, the table still fits the narrowest window.
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.keyboard.press('Enter');
  await expect(others).toBeVisible();
  await expectNoHorizontalOverflow(page);
  await screenshot(page, '22-glossary-mx-bar-1024');
  // Senders: the main result type's "?" in an openable row explains, and does not open the sender.
  await page.goto('/#/senders');
  const sender = page.getByTestId('senders-table').getByRole('row').filter({ hasText: 'Glossary Sender' });
  await sender.focus();
  await page.keyboard.press('Tab');
  await explainFocused(page, sender, 'certificate-expired');
  await expect(page).toHaveURL(/#\/senders$/);
  // Domains: the reason a domain fails names a result type, and explains it from the row.
  await page.goto('/#/domains');
  const broken = page.getByTestId('domains-table').getByRole('row').filter({ hasText: 'brokenmx.example' });
  await expect(broken).toContainText('fails with certificate-expired');
  // The row's link is its one Tab stop (the row opens the same page by a click).
  await broken.getByRole('link', { name: 'brokenmx.example', exact: true }).focus();
  await page.keyboard.press('Tab');
  await explainFocused(page, broken, 'certificate-expired');
  await expect(page).toHaveURL(/#\/domains$/);
  expect(problems).toEqual([]);
});

/** Sums the numbers of a table's rows in one column. */
async function columnSum(page: Page, testId: string, column: number): Promise<number> {
  // The table is drawn once its answer has come.
  await expect(page.getByTestId(testId).locator('tbody tr').first()).toBeVisible();
  const cells = await page.getByTestId(testId).locator(`tbody tr td:nth-child(${column})`).allTextContents();
  return cells.reduce((sum, text) => sum + parseCount(text), 0);
}

test('every breakdown adds up to the failed sessions, with the rows that no failure detail explains', async ({
  page,
}) => {
  await page.goto('/');
  const failed = parseCount(await page.getByTestId('card-failed').locator('.card-value').textContent());
  const db = database();
  const beyond = db
    .prepare(`SELECT SUM(max(detailed_failed_sessions - failed_sessions, 0)) FROM policies WHERE counted = 1`)
    .pluck()
    .get() as number;
  db.close();
  expect(beyond).toBeGreaterThan(0);
  // By result type: the table's rows, the row without details among them, less the details beyond the totals.
  const byType = page.getByTestId('result-type-table');
  await expect(byType).toContainText('(no failure details)');
  const typeRows = await byType.locator('tr td.numeric').allTextContents();
  expect(typeRows.reduce((sum, text) => sum + parseCount(text), 0) - beyond).toBe(failed);
  await expect(page.getByTestId('details-beyond-total')).toContainText(
    new RegExp(`name ${number.format(beyond)} failed sessions? more`),
  );
  // By MX host: the hosts, and the row of sessions at no known host.
  await page.goto('/#/mx');
  const hosts = await columnSum(page, 'mx-table', 2);
  const withoutDetails = parseCount(await page.getByTestId('mx-without-details').locator('td.numeric').textContent());
  expect(hosts + withoutDetails - beyond).toBe(failed);
  // By sender: the summaries add up directly, and a sender's page says how many of its own have no details.
  await page.goto('/#/senders');
  expect(await columnSum(page, 'senders-table', 4)).toBe(failed);
  await page.getByRole('cell', { name: 'Company-X', exact: true }).click();
  await expect(page.getByTestId('sender-failed')).toContainText('failed sessions in its reports');
});

test('the Overview and Domains work in dark mode and at every width', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  for (const width of [1024, 1366, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/');
    await expect(page.getByTestId('attention')).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, `23-overview-dark-${width}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  for (const width of [1024, 1366, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/');
    await expect(page.getByTestId('attention')).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, `24-overview-${width}`);
  }
  expect(problems).toEqual([]);
});

async function importDocuments(page: Page, documents: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-new-'));
  const files = documents.map((text, index) => {
    const file = join(dir, `new-${index}.json`);
    writeFileSync(file, text);
    return file;
  });
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await page.getByTestId('file-input').setInputFiles(files);
  await waitForImportDone(page);
  rmSync(dir, { recursive: true, force: true });
}
