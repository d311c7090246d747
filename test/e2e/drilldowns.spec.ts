import { expect, test, type Page } from '@playwright/test';
import { domainForms, domainLabel } from '../../shared/policy/idn.js';
import { database, screenshot, watchForViolations } from './support.js';

/*
 * Every breakdown opens the failure details behind it, over the database the
 * earlier specs filled: the Overview's cards and result-type bars and rows,
 * the MX hosts' bars (one segment per result type), a sender's MX rows, an
 * MX host's result types and IPs (that IP's failures, not all the host's).
 * Each landing is checked against SQL on the database file.
 */
const number = new Intl.NumberFormat('en-US');

function counted(where: string, params: unknown[] = []): string {
  const db = database();
  try {
    const value = db
      .prepare(
        `SELECT COUNT(*) AS rows, COALESCE(SUM(f.failed_sessions), 0) AS failed
         FROM failure_details f JOIN reports r ON r.id = f.report_rowid WHERE f.counted = 1 ${where}`,
      )
      .get(...params) as { rows: number; failed: number };
    return `${number.format(value.rows)} failure detail rows, ${number.format(value.failed)} failed sessions`;
  } finally {
    db.close();
  }
}

async function expectFailures(page: Page, where: string, params: unknown[] = []): Promise<void> {
  await expect(page).toHaveURL(/#\/failures/);
  await expect(page.getByTestId('failures-count')).toHaveText(counted(where, params));
}

test('the Overview’s cards and result types open the views behind them', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto('/');
  await page.getByTestId('card-failed').click();
  await expectFailures(page, '');
  await page.goBack();
  await page.getByTestId('card-reports').click();
  await expect(page).toHaveURL(/#\/reports$/);
  await page.goBack();
  await page.getByTestId('card-senders').click();
  await expect(page).toHaveURL(/#\/senders$/);
  await page.goBack();
  // By keyboard: a card is a link.
  await page.getByTestId('card-rate').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/domains$/);
  await page.goBack();

  // A result type's row, then its bar.
  const table = page.getByTestId('result-type-table');
  await table.getByRole('link', { name: 'certificate-expired', exact: true }).click();
  await expectFailures(page, "AND f.result_type = 'certificate-expired'");
  await page.goBack();
  const bars = page.getByTestId('result-type-chart').locator('.recharts-bar-rectangle path');
  await expect(bars.first()).toBeVisible();
  // The largest bar is the first row of the table.
  const first = (await table.locator('tbody tr').first().locator('th').textContent()) ?? '';
  const firstType = first.replace(/\?$/, '').trim();
  await bars.first().click();
  await expectFailures(page, 'AND f.result_type = ?', [firstType]);
  expect(problems).toEqual([]);
});

test('MX hosts: a stacked bar per host whose segments open that host’s failures of each type', async ({ page }) => {
  const problems = await watchForViolations(page);
  const db = database();
  const host = db
    .prepare(
      `SELECT receiving_mx_hostname FROM failure_details WHERE counted = 1 AND receiving_mx_hostname IS NOT NULL
       GROUP BY 1 ORDER BY COUNT(DISTINCT result_type) DESC, SUM(failed_sessions) DESC, 1 LIMIT 1`,
    )
    .pluck()
    .get() as string;
  const types = db
    .prepare(
      `SELECT result_type AS type, SUM(failed_sessions) AS failed FROM failure_details
       WHERE counted = 1 AND receiving_mx_hostname = ? GROUP BY 1 ORDER BY 2 DESC, 1`,
    )
    .all(host) as { type: string; failed: number }[];
  const domains = db
    .prepare(
      `SELECT DISTINCT policy_domain FROM failure_details WHERE counted = 1 AND receiving_mx_hostname = ?
       AND policy_domain IS NOT NULL ORDER BY 1`,
    )
    .pluck()
    .all(host) as string[];
  db.close();
  for (const width of [1024, 1366, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/#/mx');
    await expect(page.getByTestId('mx-table').getByTestId('result-type-bar').first()).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
    await screenshot(page, `33-mx-hosts-${width}`);
  }
  const row = page
    .getByTestId('mx-table')
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: host, exact: true }) });
  const segments = row.getByTestId('result-type-bar').getByRole('link');
  await expect(segments).toHaveCount(types.length);
  for (const [index, type] of types.entries()) {
    await expect(segments.nth(index)).toHaveAccessibleName(
      `${type.type}: ${number.format(type.failed)} failed sessions`,
    );
  }
  // The domains column: the first three in Unicode (an IDN's A-label in the title), and how many more.
  const domainsCell = row.locator('td').nth(3);
  await expect(domainsCell).toContainText(
    domains
      .slice(0, 3)
      .map((domain) => domainForms(domain).unicode)
      .join(', '),
  );
  await expect(domainsCell.locator('[title]')).toHaveAttribute('title', domains.map(domainLabel).join(', '));
  const last = types[types.length - 1];
  if (!last) throw new Error('no result type');
  await segments.nth(types.length - 1).click();
  await expectFailures(page, 'AND f.receiving_mx_hostname = ? AND f.result_type = ?', [host, last.type]);
  expect(problems).toEqual([]);
});

test('a sender’s MX rows and result types, and an MX host’s IPs, open their failures', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto(`/#/senders/${encodeURIComponent('Company-X')}`);
  const mxTable = page.getByTestId('sender-mx-table');
  await mxTable.getByRole('cell', { name: 'mx2.mail.company-y.example', exact: true }).click();
  await expectFailures(page, "AND r.organization_name = 'Company-X' AND f.receiving_mx_hostname = ?", [
    'mx2.mail.company-y.example',
  ]);
  await page.goBack();
  await page.getByTestId('result-type-table').getByRole('link', { name: 'validation-failure', exact: true }).click();
  await expectFailures(page, "AND r.organization_name = 'Company-X' AND f.result_type = 'validation-failure'");

  const db = database();
  const [host, ip] = db
    .prepare(
      `SELECT receiving_mx_hostname, sending_mta_ip FROM failure_details
       WHERE counted = 1 AND receiving_mx_hostname IS NOT NULL AND sending_mta_ip IS NOT NULL
       GROUP BY 1 ORDER BY COUNT(DISTINCT sending_mta_ip) DESC, 1 LIMIT 1`,
    )
    .raw()
    .get() as [string, string];
  db.close();
  await page.goto(`/#/mx/host/${encodeURIComponent(host)}`);
  await page.getByTestId('mx-sending-ips').getByRole('link', { name: ip, exact: true }).click();
  // That IP's failures at the host, not all the host's.
  await expectFailures(page, 'AND f.receiving_mx_hostname = ? AND f.sending_mta_ip = ?', [host, ip]);
  expect(counted('AND f.receiving_mx_hostname = ? AND f.sending_mta_ip = ?', [host, ip])).not.toBe(
    counted('AND f.receiving_mx_hostname = ?', [host]),
  );
  await page.goBack();
  await page.getByTestId('result-type-table').getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`mx=${encodeURIComponent(host).replace(/\./g, '\\.')}`));
  expect(problems).toEqual([]);
});
