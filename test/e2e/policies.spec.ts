import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { importDocuments, importWithCli, screenshot, startServe, watchForViolations } from './support.js';

/* The Policies page over the database the earlier specs filled with the corpus. */
test('lints pasted text, shows the policies senders saw, and writes a setup that passes', async ({ page }) => {
  // A report that quotes company-y.example's policy (already there when the other specs ran first).
  await page.goto('/#/import');
  await page
    .getByTestId('file-input')
    .setInputFiles(join('test', 'fixtures', 'corpus', 'reports', 'dmarc-report-viewer__rfc-example.json'));
  await expect(page.getByTestId('import-totals')).toHaveText(/^Done: /);
  await page.goto('/#/policies');
  await page.getByTestId('lint-input').fill('version: STSv1\nmode: enforce\nmx: mx1.example.com.\nmax_age: 3600\n');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  const result = page.getByTestId('lint-result');
  await expect(result).toContainText('Read as an MTA-STS policy file: not valid');
  await expect(result).toContainText('policy-mx-invalid');
  await expect(result).toContainText('Fix: write it without the final dot: mx1.example.com');

  await page
    .getByRole('region', { name: 'Policies seen in reports' })
    .getByRole('combobox')
    .selectOption('company-y.example');
  const stored = page.getByTestId('stored-policies');
  await expect(stored).toContainText('mode: testing');
  await expect(stored.getByRole('table', { name: 'MX hosts in failure details' })).toContainText(
    'mx2.mail.company-y.example',
  );

  const generator = page.getByRole('region', { name: 'Write a new MTA-STS and TLS-RPT setup' });
  await generator.getByLabel('Domain', { exact: true }).fill('example.net');
  await generator.getByLabel('MX hosts', { exact: true }).fill('mx1.example.net mx2.example.net');
  await generator.getByLabel('Reports to', { exact: true }).fill('tlsrpt@example.net');
  await generator.getByRole('button', { name: 'Write the setup' }).click();
  const generated = page.getByTestId('generated');
  await expect(generated).toContainText('v=TLSRPTv1; rua=mailto:tlsrpt@example.net');
  await expect(generated).toContainText('mx: mx2.example.net');
  mkdirSync(join('test', '.artifacts', 'screenshots'), { recursive: true });
  await page.screenshot({ path: join('test', '.artifacts', 'screenshots', '13-policies.png'), fullPage: true });

  // What the generator wrote passes the linter through the same page.
  const policyFile = (await generated.locator('pre').nth(1).textContent()) ?? '';
  await page.getByTestId('lint-input').fill(policyFile);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(result).toContainText('Read as an MTA-STS policy file: valid');
});

/* A domain that moved its mail and changed its policy, and a domain with an internationalized name. */
const oldPolicy = ['version: STSv1', 'mode: testing', 'mx: mx1.old.example', 'max_age: 604800'];
const newPolicy = ['version: STSv1', 'mode: enforce', 'mx: *.new.example', 'max_age: 604800'];

function movedReport(id: string, day: string, domain: string, strings: string[], host: string): string {
  return JSON.stringify({
    'organization-name': 'History Sender',
    'date-range': { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` },
    'contact-info': 'tlsrpt@sender.example',
    'report-id': `history-${id}`,
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-string': strings, 'policy-domain': domain },
        summary: { 'total-successful-session-count': 50, 'total-failure-session-count': 2 },
        'failure-details': [
          {
            'result-type': 'certificate-host-mismatch',
            'sending-mta-ip': '192.0.2.9',
            'receiving-mx-hostname': host,
            'receiving-ip': '198.51.100.9',
            'failed-session-count': 2,
          },
        ],
      },
    ],
  });
}

test('each policy version is checked against the hosts of its own period, newest first', async ({ page }) => {
  const problems = await watchForViolations(page);
  await importDocuments(page, [
    movedReport('a', '2024-03-10', 'moved.example', oldPolicy, 'mx1.old.example'),
    movedReport('b', '2024-06-30', 'moved.example', oldPolicy, 'mx1.old.example'),
    movedReport('c', '2025-02-01', 'moved.example', newPolicy, 'mx2.new.example'),
    movedReport('d', '2025-03-31', 'moved.example', newPolicy, 'mx3.new.example'),
    movedReport(
      'e',
      '2025-03-31',
      'xn--mnchen-3ya.example',
      newPolicy.map((line) => line.replace('new.example', 'xn--mnchen-3ya.example')),
      'mx.xn--mnchen-3ya.example',
    ),
  ]);
  // A finding's link sets the domain for every view.
  await page.goto('/#/policies?domain=moved.example');
  await expect(page.getByRole('form', { name: 'Filter' }).getByLabel('Policy domain')).toHaveValue('moved.example');
  const versions = page.getByTestId('policy-version');
  await expect(versions).toHaveCount(2);
  await expect(versions.nth(0).getByRole('heading')).toHaveText(/^In force: 2025-02-01 – 2025-03-31 · 2 reports/);
  await expect(versions.nth(0).getByTestId('policy-version-hosts')).toHaveText(
    'Checked against the MX hosts of this period: mx2.new.example, mx3.new.example.',
  );
  await expect(versions.nth(1).getByRole('heading')).toHaveText(/^2024-03-10 – 2024-06-30 · 2 reports/);
  await expect(versions.nth(1).getByTestId('policy-version-hosts')).toHaveText(
    'Checked against the MX hosts of this period: mx1.old.example.',
  );
  // The old rule gave the enforcing new policy an error for mx1.old.example, seen only the year before.
  await expect(versions.nth(0)).not.toContainText('policy-mx-uncovered');
  await expect(versions.nth(1)).not.toContainText('policy-mx-uncovered');
  const coverage = page.getByRole('table', { name: 'MX hosts in failure details' });
  await expect(coverage.getByRole('row', { name: /mx1\.old\.example/ })).toContainText(
    'yes (the policy first seen 2024-03-10)',
  );
  await expect(coverage.getByRole('row', { name: /mx3\.new\.example/ })).toContainText(
    'yes (the policy first seen 2025-02-01)',
  );

  await screenshot(page, '31-policies-history');

  // The picker follows the global domain filter, and back.
  const global = page.getByRole('form', { name: 'Filter' }).getByLabel('Policy domain');
  await global.selectOption('company-y.example');
  await expect(page.getByTestId('policy-domain')).toHaveValue('company-y.example');
  await expect(page.getByTestId('stored-policies')).toContainText('mode: testing');
  await page.getByTestId('policy-domain').selectOption('moved.example');
  await expect(global).toHaveValue('moved.example');

  // An IDN domain in Unicode with its A-label beside.
  await expect(page.getByTestId('policy-domain').locator('option', { hasText: 'münchen.example' })).toHaveText(
    /^münchen\.example \(xn--mnchen-3ya\.example\) \(1 reports\)$/,
  );
  await page.getByTestId('policy-domain').selectOption('xn--mnchen-3ya.example');
  await expect(page.getByTestId('policy-domain-name')).toContainText(
    'The MTA-STS policies of münchen.example (xn--mnchen-3ya.example) as senders quoted them',
  );
  await expect(page.getByRole('table', { name: 'MX hosts in failure details' })).toContainText(
    'mx.münchen.example (mx.xn--mnchen-3ya.example)',
  );
  expect(problems).toEqual([]);
});

test('the record box reads dig output and tells other text apart; the generator says what is wrong', async ({
  page,
}) => {
  const problems = await watchForViolations(page);
  await page.goto('/#/policies');
  const input = page.getByTestId('lint-input');
  const check = page.getByRole('button', { name: 'Check', exact: true });
  const result = page.getByTestId('lint-result');
  await input.fill(
    [';; ANSWER SECTION:', '_smtp._tls.example.com. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tls" "rpt@example.com"'].join(
      '\n',
    ),
  );
  await check.click();
  await expect(result).toContainText('Read as an _smtp._tls TXT record: valid');
  await input.fill('v=spf1 -all');
  await check.click();
  await expect(result).toContainText('Not a TLS-RPT or MTA-STS record.');
  await expect(result.getByRole('listitem')).toHaveCount(1);
  await expect(result).toContainText('not a TLS-RPT or MTA-STS record ("v=spf1 -all")');

  const generator = page.getByRole('region', { name: 'Write a new MTA-STS and TLS-RPT setup' });
  await generator.getByLabel('Domain', { exact: true }).fill('tlsrpt@example.net');
  await generator.getByLabel('Reports to', { exact: true }).fill('reports');
  await generator.getByRole('button', { name: 'Write the setup' }).click();
  await expect(generator.getByTestId('generator-domain-problem')).toHaveText(
    '"tlsrpt@example.net" is an e-mail address, not a domain name.',
  );
  await expect(generator.getByTestId('generator-mxHosts-problem')).toHaveText(
    "Enter at least one MX host (as in the domain's MX records), such as mx1.example.com.",
  );
  await expect(generator.getByTestId('generator-reportAddress-problem')).toHaveText(
    '"reports" is neither an e-mail address (tlsrpt@example.com) nor an https: URL.',
  );
  await expect(generator.getByLabel('Domain', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(generator).not.toContainText('Too small');
  await expect(page.getByTestId('generated')).toHaveCount(0);
  await screenshot(page, '31-policies-generator-problems');
  // Fixed by keyboard: Enter in a field writes the setup.
  await generator.getByLabel('Domain', { exact: true }).fill('example.net');
  await generator.getByLabel('MX hosts', { exact: true }).fill('mx1.example.net');
  await generator.getByLabel('Reports to', { exact: true }).fill('tlsrpt@example.net');
  await generator.getByLabel('Reports to', { exact: true }).press('Enter');
  await expect(page.getByTestId('generated')).toContainText('v=TLSRPTv1; rua=mailto:tlsrpt@example.net');
  await expect(generator.getByTestId('generator-domain-problem')).toHaveCount(0);

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1024, 1366, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
      await screenshot(page, `31-policies-${scheme}-${width}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  expect(problems).toEqual([]);
});

test('the online check says when DNS itself cannot be reached', async ({ page }) => {
  const problems = await watchForViolations(page);
  // A loopback UDP port nothing listens on: bound, then closed, so the query is refused at once.
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const closedPort = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  const db = join(mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-dns-')), 'dns.sqlite');
  importWithCli(db, [join('test', 'fixtures', 'corpus', 'reports', 'dmarc-report-viewer__rfc-example.json')]);
  const serve = await startServe(db, 0, ['--dns-server', `127.0.0.1:${closedPort}`]);
  try {
    await page.goto(`${serve.url}#/policies?policyDomain=company-y.example`);
    await page.getByRole('button', { name: 'Check company-y.example online' }).click();
    await expect(page.getByTestId('dns-unreachable')).toContainText('DNS could not be reached');
    await expect(page.getByTestId('dns-unreachable')).toContainText(`127.0.0.1:${closedPort}`);
    await screenshot(page, 'policies-dns-unreachable');
    expect(problems).toEqual([]);
  } finally {
    await serve.kill();
  }
});
