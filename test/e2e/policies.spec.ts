import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

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
  await generator.getByLabel('Domain').fill('example.net');
  await generator.getByLabel('MX hosts').fill('mx1.example.net mx2.example.net');
  await generator.getByLabel('Reports to').fill('tlsrpt@example.net');
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
