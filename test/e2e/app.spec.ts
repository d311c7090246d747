import { expect, test, type Page } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cspViolations, database, screenshot, waitForImportDone, watchForViolations } from './support.js';

/*
 * The UI end to end, in serve mode over a real database: import by drop and
 * by the file picker, then every number shown is checked against SQL run
 * directly on the database file. Screenshots of each view go to
 * test/.artifacts/screenshots for review.
 */

const CORPUS = join('test', 'fixtures', 'corpus', 'reports');
const number = new Intl.NumberFormat('en-US');

test.describe.configure({ mode: 'serial' });

/** Drops files on the window the way a browser does: a drop event carrying a DataTransfer of Files. */
async function dropFiles(page: Page, paths: string[]): Promise<void> {
  const files = paths.map((path) => ({ name: basename(path), base64: readFileSync(path).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const file of list) {
      const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name));
    }
    return transfer;
  }, files);
  await page.dispatchEvent('[data-testid=app]', 'dragover', { dataTransfer });
  await page.dispatchEvent('[data-testid=app]', 'drop', { dataTransfer });
}

test('an empty database shows how to start', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'No reports yet' })).toBeVisible();
  await screenshot(page, '01-empty');
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test('dropping files on the window imports them', async ({ page }) => {
  await page.goto('/');
  const dropped = [
    'dmarc-report-viewer__google.json',
    'dmarc-report-viewer__microsoft.json',
    'parsedmarc__mail.ru.json',
    'neztore-tls-rpt-monitor__microsoft-report.json.gz',
    'mox__example.eml',
  ].map((name) => join(CORPUS, name));
  await dropFiles(page, dropped);
  await expect(page).toHaveURL(/#\/import$/);
  const totals = await waitForImportDone(page);
  expect(totals).toContain('5 of 5 files · 5 imported · 0 duplicates · 0 rejected · 0 skipped');
  await expect(page.getByTestId('import-outcomes').locator('li')).toHaveCount(5);
  await screenshot(page, '02-import-drop');
  const db = database();
  expect(db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(5);
  expect(db.prepare("SELECT COUNT(*) FROM reports WHERE source_kind = 'upload'").pluck().get()).toBe(5);
  db.close();
});

test('the file picker imports the rest, and says what it skipped', async ({ page }) => {
  await page.goto('/#/import');
  const files = readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(CORPUS, entry.name));
  await page.getByTestId('file-input').setInputFiles(files);
  const totals = await waitForImportDone(page);
  expect(totals).toMatch(/· 0 rejected · 1 skipped$/);
  await expect(page.getByTestId('import-outcomes')).toContainText('Skipped mail-tls-rpt__report.json.gz.b64');
  await screenshot(page, '03-import-picker');
});

test('the Overview shows the database’s totals', async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto('/');
  const db = database();
  const totals = db
    .prepare(
      `SELECT COUNT(*) AS reports, SUM(successful_sessions) AS ok, SUM(failed_sessions) AS failed,
         COUNT(DISTINCT organization_name) AS senders FROM reports`,
    )
    .get() as { reports: number; ok: number; failed: number; senders: number };
  db.close();
  await expect(page.getByTestId('card-reports')).toContainText(number.format(totals.reports));
  await expect(page.getByTestId('card-successful')).toContainText(number.format(totals.ok));
  await expect(page.getByTestId('card-failed')).toContainText(number.format(totals.failed));
  await expect(page.getByTestId('card-senders')).toContainText(number.format(totals.senders));
  await expect(page.getByTestId('card-rate')).toContainText(
    `${((totals.failed / (totals.ok + totals.failed)) * 100).toFixed(1)}%`,
  );
  await expect(page.getByTestId('daily-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(page.getByTestId('result-type-chart')).toBeVisible();
  await screenshot(page, '04-overview');
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test('Senders lists each organization with the database’s numbers, and opens one', async ({ page }) => {
  await page.goto('/#/senders');
  const db = database();
  const expected = db
    .prepare(
      `SELECT organization_name AS organization, COUNT(*) AS reports, SUM(successful_sessions) AS ok,
         SUM(failed_sessions) AS failed FROM reports GROUP BY organization_name`,
    )
    .all() as { organization: string; reports: number; ok: number; failed: number }[];
  db.close();
  const table = page.getByTestId('senders-table');
  await expect(table.locator('tbody tr')).toHaveCount(expected.length);
  for (const sender of expected) {
    const row = table
      .locator('tbody tr')
      .filter({ has: page.getByRole('cell', { name: sender.organization, exact: true }) });
    await expect(row.locator('td').nth(1)).toHaveText(number.format(sender.reports));
    await expect(row.locator('td').nth(2)).toHaveText(number.format(sender.ok));
    await expect(row.locator('td').nth(3)).toHaveText(number.format(sender.failed));
  }
  await screenshot(page, '05-senders');
  await table.getByRole('cell', { name: 'Company-X', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Company-X' })).toBeVisible();
  await expect(page.getByTestId('sender-mx-table')).toContainText('mx2.mail.company-y.example');
  await screenshot(page, '06-sender-detail');
});

test('MX hosts shows failures per host as stored', async ({ page }) => {
  await page.goto('/#/mx');
  const db = database();
  // Failures listed again under a second policy of the same domain count once (counted = 0).
  const expected = db
    .prepare(
      `SELECT receiving_mx_hostname AS mx, SUM(failed_sessions) AS failed,
         date(MIN(start_time), 'unixepoch') AS first, date(MAX(start_time), 'unixepoch') AS last
       FROM failure_details WHERE counted = 1 GROUP BY 1`,
    )
    .all() as { mx: string | null; failed: number; first: string; last: string }[];
  db.close();
  const table = page.getByTestId('mx-table');
  await expect(table.locator('thead th')).toHaveText([
    'MX host',
    'Failed',
    'Result types',
    'Policy domains',
    'First failed',
    'Last failed',
    'Failure details',
  ]);
  await expect(table.locator('tbody tr')).toHaveCount(expected.length);
  for (const host of expected) {
    const row = table
      .locator('tbody tr')
      .filter({ has: page.getByRole('cell', { name: host.mx ?? '(not named)', exact: true }) });
    await expect(row.locator('td').nth(1)).toHaveText(number.format(host.failed));
    await expect(row.locator('td').nth(4)).toHaveText(host.first);
    await expect(row.locator('td').nth(5)).toHaveText(host.last);
  }
  await screenshot(page, '07-mx-hosts');
  // Each row still links to its failure details.
  const named = expected.find((host) => host.mx !== null);
  if (!named?.mx) throw new Error('the corpus names no MX host');
  await table
    .locator('tbody tr')
    .filter({ has: page.getByRole('cell', { name: named.mx, exact: true }) })
    .getByRole('link', { name: 'Failures' })
    .click();
  await expect(page).toHaveURL(`/#/failures?${new URLSearchParams({ mx: named.mx }).toString()}`);
});

test('opening an MX host shows its sending IPs, receiving IPs and senders as stored', async ({ page }) => {
  const db = database();
  // The host with the most sending IPs.
  const host = db
    .prepare(
      `SELECT receiving_mx_hostname FROM failure_details WHERE receiving_mx_hostname IS NOT NULL
       GROUP BY 1 ORDER BY COUNT(DISTINCT sending_mta_ip) DESC, SUM(failed_sessions) DESC, 1 LIMIT 1`,
    )
    .pluck()
    .get() as string;
  const listOf = (sql: string): { name: string | null; failed: number }[] =>
    db.prepare(sql).all(host) as { name: string | null; failed: number }[];
  const lists = {
    'mx-sending-ips': listOf(
      `SELECT sending_mta_ip AS name, SUM(failed_sessions) AS failed FROM failure_details
       WHERE receiving_mx_hostname = ? GROUP BY 1`,
    ),
    'mx-receiving-ips': listOf(
      `SELECT receiving_ip AS name, SUM(failed_sessions) AS failed FROM failure_details
       WHERE receiving_mx_hostname = ? GROUP BY 1`,
    ),
    'mx-senders': listOf(
      `SELECT r.organization_name AS name, SUM(f.failed_sessions) AS failed
       FROM failure_details f JOIN reports r ON r.id = f.report_rowid WHERE f.receiving_mx_hostname = ? GROUP BY 1`,
    ),
  };
  const unnamed = db.prepare('SELECT COUNT(*) FROM failure_details WHERE receiving_mx_hostname IS NULL').pluck().get();
  db.close();
  expect(lists['mx-sending-ips'].length).toBeGreaterThan(1);

  await page.goto('/#/mx');
  // The first cell of that name is the host's (a domain of the same name may follow in its row).
  await page.getByTestId('mx-table').getByRole('cell', { name: host, exact: true }).first().click();
  await expect(page).toHaveURL(`/#/mx/host/${encodeURIComponent(host)}`);
  await expect(page.getByTestId('mx-host-name')).toHaveText(host);
  for (const [testId, list] of Object.entries(lists)) {
    const table = page.getByTestId(testId);
    await expect(table.locator('tbody tr')).toHaveCount(list.length);
    for (const entry of list) {
      const row = table
        .locator('tbody tr')
        .filter({ has: page.getByRole('cell', { name: entry.name ?? '(not named)', exact: true }) });
      await expect(row.locator('td').nth(1)).toHaveText(number.format(entry.failed));
    }
  }
  await screenshot(page, '07b-mx-host');
  // A sender opens its failure details at this host.
  const sender = lists['mx-senders'][0]?.name ?? '';
  await page.getByTestId('mx-senders').getByRole('link', { name: sender, exact: true }).click();
  await expect(page).toHaveURL(`/#/failures?${new URLSearchParams({ organization: sender, mx: host }).toString()}`);

  // The failures that name no host have a page too.
  if (unnamed !== 0) {
    await page.goto('/#/mx');
    await page.getByTestId('mx-table').getByRole('cell', { name: '(not named)', exact: true }).click();
    await expect(page).toHaveURL('/#/mx/host');
    await expect(page.getByTestId('mx-host-name')).toHaveText('No MX host named');
    await expect(page.getByTestId('mx-sending-ips').locator('tbody tr').first()).toBeVisible();
  }
});

test('a report page shows summary, policies, failures, warnings and the raw JSON', async ({ page }) => {
  const db = database();
  const id = db.prepare("SELECT id FROM reports WHERE organization_name = 'Mail.ru'").pluck().get() as number;
  db.close();
  await page.goto(`/#/reports/${id}`);
  await expect(page.getByTestId('report-organization')).toHaveText('Mail.ru');
  await expect(page.getByRole('cell', { name: 'bad https response code: 404' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Warnings from import' })).toBeVisible();
  await expect(page.getByText('the failure details add up to 2 sessions, more than the total of 1')).toBeVisible();
  await page.getByText('Raw JSON as sent').click();
  await expect(page.getByTestId('raw-json')).toContainText('"b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru"');
  // The report as sent, saved from the stored gzip: the same bytes the page inflated.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Save the report as sent/ }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru.json.gz');
  const savedText = gunzipSync(readFileSync(await saved.path())).toString('utf8');
  expect(savedText).toBe(await page.getByTestId('raw-json').textContent());
  await screenshot(page, '08-report');
  await page.goto('/#/reports');
  await expect(page.getByTestId('reports-table').locator('tbody tr').first()).toBeVisible();
  await screenshot(page, '09-reports');
});

test('a report that lists one domain under two policies says which one counted, and shows both', async ({ page }) => {
  // Microsoft's report (dmarc-report-viewer): random.net under sts and tlsa, the same 2 sessions under each.
  const db = database();
  const id = db
    .prepare("SELECT id FROM reports WHERE report_id = '133925885310113267+random.net'")
    .pluck()
    .get() as number;
  const policies = db
    .prepare(
      'SELECT policy_type AS type, successful_sessions AS successful, counted FROM policies WHERE report_rowid = ? ORDER BY position',
    )
    .all(id) as { type: string; successful: number; counted: number }[];
  const total = db.prepare('SELECT successful_sessions FROM reports WHERE id = ?').pluck().get(id) as number;
  db.close();
  expect(policies).toEqual([
    { type: 'sts', successful: 2, counted: 1 },
    { type: 'tlsa', successful: 2, counted: 0 },
  ]);
  await page.goto(`/#/reports/${id}`);
  await expect(page.getByTestId('report-organization')).toHaveText('Microsoft Corporation');
  // The totals count each session once; each policy keeps its own figures.
  const sessions = page.locator('dt:has-text("Sessions") + dd');
  await expect(sessions).toContainText(`${number.format(total)} successful, 0 failed`);
  await expect(sessions.getByTestId('report-counted-once')).toContainText(
    'policy 2 lists the sessions of another policy again',
  );
  const first = page.getByRole('region', { name: 'Policy 1' });
  const second = page.getByRole('region', { name: 'Policy 2' });
  await expect(first).toContainText('2 successful, 0 failed sessions');
  await expect(second).toContainText('2 successful, 0 failed sessions');
  await expect(first.getByTestId('policy-counted')).toContainText('policy 2 lists these sessions again');
  await expect(first.getByTestId('policy-not-counted')).toHaveCount(0);
  const note = second.getByTestId('policy-not-counted');
  await expect(note).toContainText('these are the sessions of policy 1 (sts for random.net) listed again');
  await expect(note).toContainText('count them once, under policy 1');
  await expect(second.getByTestId('policy-counted')).toHaveCount(0);
  await screenshot(page, '08-report-counted-once');
  // A report whose policies all count says nothing of the kind.
  const db2 = database();
  const plain = db2
    .prepare(
      `SELECT r.id, r.organization_name AS organization FROM reports r
       WHERE (SELECT COUNT(*) FROM policies p WHERE p.report_rowid = r.id) > 1
         AND NOT EXISTS (SELECT 1 FROM policies p WHERE p.report_rowid = r.id AND p.counted = 0)
       ORDER BY r.id LIMIT 1`,
    )
    .get() as { id: number; organization: string } | undefined;
  db2.close();
  expect(plain).toBeDefined();
  await page.goto(`/#/reports/${plain?.id ?? 0}`);
  await expect(page.getByTestId('report-organization')).toHaveText(plain?.organization ?? '');
  await expect(page.getByRole('region', { name: 'Policy 2' })).toBeVisible();
  await expect(page.getByTestId('report-counted-once')).toHaveCount(0);
  await expect(page.getByTestId('policy-not-counted')).toHaveCount(0);
  await expect(page.getByTestId('policy-counted')).toHaveCount(0);
});

test('Failures filters, and exports exactly the filtered rows to CSV', async ({ page }) => {
  await page.goto('/#/failures');
  const db = database();
  const count = (where: string): { rows: number; failed: number } =>
    db
      .prepare(
        `SELECT COUNT(*) AS rows, SUM(failed_sessions) AS failed FROM failure_details WHERE counted = 1 ${where}`,
      )
      .get() as { rows: number; failed: number };
  const all = count('');
  const expired = count("AND result_type = 'certificate-expired'");
  db.close();
  const counter = (counts: { rows: number; failed: number }): string =>
    `${number.format(counts.rows)} failure detail rows, ${number.format(counts.failed)} failed sessions`;
  await expect(page.getByTestId('failures-count')).toHaveText(counter(all));
  await page.getByLabel('Result type').selectOption('certificate-expired');
  await expect(page).toHaveURL(/resultType=certificate-expired/);
  await expect(page.getByTestId('failures-count')).toHaveText(counter(expired));
  await expect(page.getByTestId('failure-row')).toHaveCount(expired.rows);
  await screenshot(page, '10-failures');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\r\n');
  expect(csv[0]).toBe(
    'report_start,organization,policy_domain,policy_type,result_type,sending_mta_ip,receiving_mx_hostname,receiving_mx_helo,receiving_ip,failed_sessions,failure_reason_code,additional_information',
  );
  expect(csv).toHaveLength(expired.rows + 1);
  expect(csv.slice(1).every((line) => line.includes(',certificate-expired,'))).toBe(true);
});

test('a report whose organization-name is HTML shows as inert text', async ({ page }) => {
  const problems = await watchForViolations(page);
  const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>Evil Corp';
  const report = JSON.stringify({
    'organization-name': payload,
    'date-range': { 'start-datetime': '2026-01-10T00:00:00Z', 'end-datetime': '2026-01-10T23:59:59Z' },
    'contact-info': '<b>x</b>',
    'report-id': '<svg onload=alert(1)>',
    policies: [
      {
        policy: {
          'policy-type': 'sts',
          'policy-domain': 'xss.example',
          'policy-string': ['<iframe src=javascript:alert(1)>'],
        },
        summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 1 },
        'failure-details': [
          {
            'result-type': '<img src=y onerror=alert(2)>',
            'receiving-mx-hostname': '<b>mx</b>',
            'failed-session-count': 1,
          },
        ],
      },
    ],
  });
  await page.goto('/#/import');
  const dataTransfer = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'evil.json', { type: 'application/json' }));
    return transfer;
  }, report);
  await page.dispatchEvent('[data-testid=app]', 'drop', { dataTransfer });
  await waitForImportDone(page);

  for (const view of ['/#/senders', '/#/failures', '/#/reports']) {
    await page.goto(view);
    await expect(page.getByText(payload, { exact: true }).filter({ visible: true }).first()).toBeVisible();
  }
  // The MX host the report names, whose name holds a slash, shows and opens as text too.
  await page.goto('/#/mx');
  await page.getByTestId('mx-table').getByRole('cell', { name: '<b>mx</b>', exact: true }).click();
  await expect(page.getByTestId('mx-host-name')).toHaveText('<b>mx</b>');
  await expect(page.getByTestId('mx-senders').getByRole('link', { name: payload, exact: true })).toBeVisible();
  const db = database();
  const id = db.prepare('SELECT id FROM reports WHERE organization_name = ?').pluck().get(payload) as number;
  db.close();
  await page.goto(`/#/reports/${id}`);
  await expect(page.getByTestId('report-organization')).toHaveText(payload);
  await screenshot(page, '11-xss-as-text');
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.locator('img[src="x"], img[src="y"], iframe, svg[onload]').count()).toBe(0);
  expect(problems).toEqual([]);
});
