import { expect, test, type Page } from '@playwright/test';
import { database, importDocuments, screenshot, watchForViolations } from './support.js';

/*
 * The Failures list over the database the earlier specs filled: its filters
 * (part of an MX host's name in any case, IPs, a domain, one report), its
 * counter, the optional columns, sort and filters in the URL, a row opening
 * its report, and its columns at three widths in light and dark.
 */
const number = new Intl.NumberFormat('en-US');

function counts(where: string, params: unknown[] = []): { rows: number; failed: number } {
  const db = database();
  try {
    return db
      .prepare(
        `SELECT COUNT(*) AS rows, COALESCE(SUM(failed_sessions), 0) AS failed FROM failure_details
         WHERE counted = 1 ${where}`,
      )
      .get(...params) as { rows: number; failed: number };
  } finally {
    db.close();
  }
}

const counter = (value: { rows: number; failed: number }): string =>
  `${number.format(value.rows)} failure detail rows, ${number.format(value.failed)} failed sessions`;

/** Cells cut by their column (text wider than the cell) whose title does not give their whole text. */
async function cutCellsWithoutTitle(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid=failure-row] [role=cell], [role=columnheader]')]
      .filter((cell) => cell.scrollWidth > cell.clientWidth)
      // A header's sort arrow is decoration (aria-hidden); a result type's title goes on to say what it means.
      .filter((cell) => !cell.title.startsWith(cell.textContent.replace(/ [▲▼]$/, '')))
      .map((cell) => cell.textContent),
  );
}

/** Date cells narrower than their text. */
async function cutDates(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid=failure-row] [role=cell]:first-child')]
      .filter((cell) => cell.scrollWidth > cell.clientWidth)
      .map((cell) => cell.textContent),
  );
}

test('the MX filter matches part of a name in any case, with suggestions; IPs, a domain and one report filter', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  await page.goto('/#/failures');
  const count = page.getByTestId('failures-count');
  await expect(count).toHaveText(counter(counts('')));

  const filters = page.getByRole('form', { name: 'Failure filters' });
  const mxBox = filters.getByLabel('MX host');
  await mxBox.fill('MAIL.COMPANY-Y');
  // Suggested as typed: the hosts whose names contain it.
  const suggestions = page.getByTestId('mx-suggestions').locator('option');
  await expect(suggestions).toHaveCount(3);
  await expect(suggestions.first()).toHaveAttribute('value', /mail\.company-y\.example$/);
  await mxBox.press('Enter');
  await expect(page).toHaveURL(/mxSearch=MAIL.COMPANY-Y/);
  const company = counts("AND receiving_mx_hostname LIKE '%mail.company-y%'");
  expect(company.rows).toBeGreaterThan(2);
  await expect(count).toHaveText(counter(company));
  for (const cell of await page.locator('[data-testid=failure-row] [role=cell]:nth-child(6)').allTextContents()) {
    expect(cell.toLowerCase()).toContain('mail.company-y');
  }
  // Survives a reload.
  await page.reload();
  await expect(count).toHaveText(counter(company));
  await expect(filters.getByLabel('MX host')).toHaveValue('MAIL.COMPANY-Y');
  await filters.getByLabel('MX host').fill('');
  await filters.getByLabel('MX host').press('Enter');
  await expect(count).toHaveText(counter(counts('')));

  const db = database();
  const ip = db
    .prepare(
      'SELECT sending_mta_ip FROM failure_details WHERE counted = 1 AND sending_mta_ip IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
    )
    .pluck()
    .get() as string;
  const receiving = db
    .prepare(
      'SELECT receiving_ip FROM failure_details WHERE counted = 1 AND receiving_ip IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
    )
    .pluck()
    .get() as string;
  const report = db
    .prepare('SELECT report_rowid FROM failure_details WHERE counted = 1 GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1')
    .pluck()
    .get() as number;
  db.close();
  await filters.getByLabel('Sending IP').fill(ip);
  await filters.getByLabel('Sending IP').press('Enter');
  await expect(count).toHaveText(counter(counts('AND sending_mta_ip = ?', [ip])));
  await filters.getByLabel('Receiving IP').fill(receiving);
  await filters.getByLabel('Receiving IP').press('Tab');
  await expect(count).toHaveText(counter(counts('AND sending_mta_ip = ? AND receiving_ip = ?', [ip, receiving])));
  await expect(page).toHaveURL(new RegExp(`receivingIp=${receiving.replace(/[.:]/g, (char) => `\\${char}`)}`));
  // Back undoes one filter at a time.
  await page.goBack();
  await expect(count).toHaveText(counter(counts('AND sending_mta_ip = ?', [ip])));
  await expect(filters.getByLabel('Receiving IP')).toHaveValue('');

  await page.goto('/#/failures');
  await filters.getByLabel('Domain').selectOption('company-y.example');
  await expect(count).toHaveText(counter(counts("AND policy_domain = 'company-y.example'")));

  // One report: from its page's link, and the rows are that report's.
  await page.goto(`/#/reports/${report}`);
  await page.getByRole('link', { name: 'its failure details in the Failures list' }).click();
  await expect(page).toHaveURL(new RegExp(`#/failures\\?report=${report}$`));
  await expect(count).toHaveText(counter(counts('AND report_rowid = ?', [report])));
  await expect(page.getByTestId('failures-report')).toContainText(`Report #${report}`);
  await page.getByRole('button', { name: 'Remove the report filter' }).click();
  await expect(count).toHaveText(counter(counts('')));
  expect(problems).toEqual([]);
});

test('sort, filters and extra columns live in the URL; a row opens its report', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto('/#/failures');
  const header = page.getByRole('columnheader', { name: /^Failed/ });
  await header.getByRole('button').click();
  await expect(page).toHaveURL(/sort=failedSessions&order=desc/);
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  const db = database();
  const most = db.prepare('SELECT MAX(failed_sessions) FROM failure_details WHERE counted = 1').pluck().get() as number;
  // One report's, so that every one of its rows is drawn.
  const reasonReport = db
    .prepare('SELECT report_rowid FROM failure_details WHERE counted = 1 AND failure_reason_code IS NOT NULL LIMIT 1')
    .pluck()
    .get() as number;
  const reasons = db
    .prepare('SELECT failure_reason_code FROM failure_details WHERE counted = 1 AND report_rowid = ?')
    .pluck()
    .all(reasonReport) as (string | null)[];
  db.close();
  const firstFailed = page.locator('[data-testid=failure-row]').first().locator('[role=cell]').nth(8);
  await expect(firstFailed).toHaveText(number.format(most));
  await header.getByRole('button').click();
  await expect(page).toHaveURL(/sort=failedSessions&order=asc/);
  await page.reload();
  await expect(page.getByRole('columnheader', { name: /^Failed/ })).toHaveAttribute('aria-sort', 'ascending');
  await page.goBack();
  await expect(page.getByRole('columnheader', { name: /^Failed/ })).toHaveAttribute('aria-sort', 'descending');

  // The reason code and additional information, hidden until asked for.
  await expect(page.getByRole('columnheader', { name: 'Reason code' })).toHaveCount(0);
  await page.getByLabel('Show the reason code and additional information').check();
  await expect(page).toHaveURL(/columns=all/);
  await expect(page.getByRole('columnheader', { name: 'Reason code' })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Additional information' })).toBeVisible();
  await page.goto(`/#/failures?report=${reasonReport}&columns=all`);
  await expect(page.getByTestId('failure-row')).toHaveCount(reasons.length);
  const shownReasons = await page.locator('[data-testid=failure-row] [role=cell]:nth-child(10)').allTextContents();
  expect(shownReasons.sort()).toEqual(reasons.map((reason) => reason ?? '').sort());
  expect(shownReasons.some((text) => text !== '')).toBe(true);

  // A click anywhere on a row opens its report, as a click on its sender link does.
  const row = page.getByTestId('failure-row').first();
  const reportId = await row.locator('a[data-report]').getAttribute('data-report');
  await row.locator('[role=cell]').first().click();
  await expect(page).toHaveURL(new RegExp(`#/reports/${reportId ?? 'none'}$`));
  await page.goBack();
  await expect(page.getByRole('columnheader', { name: 'Reason code' })).toBeVisible();
  await expect(page.getByTestId('failures-report')).toContainText(`Report #${reasonReport}`);
  expect(problems).toEqual([]);
});

test('no date is cut and every cut cell has a title, at 1024, 1366 and 1440 px, light and dark', async ({ page }) => {
  const problems = await watchForViolations(page);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1024, 1366, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      for (const columns of ['', '&columns=all']) {
        await page.goto(`/#/failures?sort=receivingMxHostname&order=desc${columns}`);
        await expect(page.getByTestId('failure-row').first().locator('[role=cell]').first()).toHaveText(
          /^\d{4}-\d{2}-\d{2}$/,
        );
        expect(await cutDates(page), `dates cut at ${width} px`).toEqual([]);
        expect(await cutCellsWithoutTitle(page), `cut cells without a title at ${width} px`).toEqual([]);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
      }
      await screenshot(page, `32-failures-${scheme}-${width}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  expect(problems).toEqual([]);
});

test('the list keeps its place in the URL: Back from a report and a reload return to it', async ({ page }) => {
  const problems = await watchForViolations(page);
  // A report of its own domain with 120 failure details, so that the list scrolls (the other rows are few).
  const details = Array.from({ length: 120 }, (_, index) => ({
    'result-type': 'starttls-not-supported',
    'sending-mta-ip': `192.0.2.${index + 1}`,
    'receiving-mx-hostname': 'mx.scroll.example',
    'failed-session-count': 1,
  }));
  await importDocuments(page, [
    JSON.stringify({
      'organization-name': 'Scroll Sender',
      'date-range': { 'start-datetime': '2026-03-01T00:00:00Z', 'end-datetime': '2026-03-01T23:59:59Z' },
      'contact-info': 'tlsrpt@sender.example',
      'report-id': 'scroll-1',
      policies: [
        {
          policy: { 'policy-type': 'sts', 'policy-domain': 'scroll.example' },
          summary: { 'total-successful-session-count': 0, 'total-failure-session-count': 120 },
          'failure-details': details,
        },
      ],
    }),
  ]);
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto('/#/failures?domain=scroll.example');
  await expect(page.getByTestId('failure-row').first()).toBeVisible();
  // Row 40 at the top: rows are 34 px high.
  await page.getByTestId('failures-scroll').evaluate((element) => {
    element.scrollTop = 40 * 34;
  });
  await expect(page).toHaveURL(/[?&]row=40(&|$)/);
  const row = page.locator('[data-testid=failure-row][aria-rowindex="42"]');
  await expect(row.locator('a[data-report]')).toBeVisible();
  await row.locator('[role=cell]').nth(1).click();
  await expect(page).toHaveURL(/#\/reports\/\d+$/);
  await page.goBack();
  await expect(page).toHaveURL(/[?&]row=40(&|$)/);
  await expect.poll(() => page.getByTestId('failures-scroll').evaluate((element) => element.scrollTop)).toBe(40 * 34);
  await page.reload();
  await expect.poll(() => page.getByTestId('failures-scroll').evaluate((element) => element.scrollTop)).toBe(40 * 34);
  // Another filter starts at the top.
  await page
    .getByRole('form', { name: 'Failure filters' })
    .getByLabel('Result type')
    .selectOption('certificate-expired');
  await expect(page).not.toHaveURL(/[?&]row=/);
  expect(problems).toEqual([]);
});
