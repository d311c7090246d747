import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonOutput, runCli } from '../helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const fixtures = join(corpusReports, '..', '..', 'policies', 'mta-sts-txt');

describe('tlsrpt lint', () => {
  it('lints a TXT record and exits 0 when it is valid', () => {
    const result = runCli(['lint', '--sts-record', 'v=STSv1; id=20240101000000', '--json']);
    expect(result.status).toBe(0);
    expect(parseJsonOutput(result)).toEqual({ valid: true, findings: [] });
  });

  it('exits 1 with the findings when there is an error', () => {
    const result = runCli(['lint', '--tlsrpt-record', 'v=TLSRPTv1; rua=http://example.com/r', '--json']);
    expect(result.status).toBe(1);
    expect(parseJsonOutput(result)).toEqual({
      valid: false,
      findings: [
        {
          severity: 'error',
          code: 'tlsrpt-rua-not-https',
          message: '"http://example.com/r" is plain HTTP: reports must be posted over HTTPS',
          rfc: 'RFC 8460 §3',
          fix: 'https://example.com/r',
        },
      ],
    });
  });

  it('lints a policy file', () => {
    const good = runCli(['lint', '--policy', join(fixtures, 'Baskerville-School_MTA-STS__2023-07-03_c24f0cf7.txt')]);
    expect(good.status).toBe(0);
    const bad = runCli([
      'lint',
      '--policy',
      join(fixtures, 'ADISA-Certification_mta-sts.adisa.org.uk__2025-03-06_3b6edfe7.txt'),
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(
      'error   policy-max-age-invalid: max_age "enforce" is not a number of seconds (RFC 8461 §3.2)',
    );
  });

  it('lints the policies quoted in stored reports, with MX coverage', () => {
    const db = join(tempDir(), 'l.sqlite');
    runCli(['import', '--db', db, corpusReports]);
    const result = runCli(['lint', 'company-y.example', '--db', db, '--json']);
    expect(result.status).toBe(0);
    expect(parseJsonOutput(result)).toMatchObject({
      valid: true,
      domain: 'company-y.example',
      versions: [{ policyType: 'sts', policy: { mode: 'testing', maxAge: 86400, mx: ['*.mail.company-y.example'] } }],
      mxCoverage: [
        { host: 'mx-backup.mail.company-y.example', covered: true },
        { host: 'mx1.mail.company-y.example', covered: true },
        { host: 'mx2.mail.company-y.example', covered: true },
      ],
    });
  });

  it('says nothing against a healthy MX host that no failure detail names (it may be the one that works)', () => {
    const dir = tempDir();
    const db = join(dir, 'shop.sqlite');
    const strings = [
      'version: STSv1',
      'mode: enforce',
      'mx: mx1.shop.example',
      'mx: mx2.shop.example',
      'max_age: 604800',
    ];
    for (const day of ['2026-11-28', '2026-11-29']) {
      const entry = policyEntry({
        domain: 'shop.example',
        successful: 900,
        failed: 40,
        details: [failureDetail('certificate-expired', 40, { 'receiving-mx-hostname': 'mx2.shop.example' })],
      });
      (entry['policy'] as Record<string, unknown>)['policy-string'] = strings;
      writeFileSync(
        join(dir, `shop-${day}.json`),
        reportJson({ reportId: `shop-${day}`, start: `${day}T00:00:00Z`, end: `${day}T23:59:59Z`, policies: [entry] }),
      );
    }
    runCli(['import', '--db', db, join(dir, 'shop-2026-11-28.json'), join(dir, 'shop-2026-11-29.json')]);
    const json = runCli(['lint', 'shop.example', '--db', db, '--json']);
    expect(json.status).toBe(0);
    const answer = parseJsonOutput<{
      findings: { code: string }[];
      versions: { mxHosts: string[] }[];
      mxHostsNote: string;
    }>(json);
    expect(answer.versions.map((version) => version.mxHosts)).toEqual([['mx2.shop.example']]);
    expect(answer.findings).toEqual([]);
    expect(answer.mxHostsNote).toContain('Reports name only the MX hosts that failed');
    const text = runCli(['lint', 'shop.example', '--db', db]);
    expect(text.stdout).not.toContain('policy-mx-unused');
    expect(text.stdout).not.toContain('remove it');
    expect(text.stdout.split('Reports name only the MX hosts that failed').length).toBe(2);
    expect(text.stdout).toContain('mx2.shop.example: 80 failed sessions, covered by the policy');
  });

  it('exits 2 without something to lint', () => {
    const result = runCli(['lint']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'name one DOMAIN, or one of --policy FILE, --sts-record TEXT, --tlsrpt-record TEXT',
    );
  });
});
