import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSetup } from '../../shared/policy/generate.js';
import { lintDomainSetup, lintText } from '../../shared/policy/lint.js';
import { parseMtaStsRecord } from '../../shared/policy/mta-sts-record.js';
import { parseMtaStsPolicy } from '../../shared/policy/mta-sts-policy.js';
import { parseTlsRptRecord } from '../../shared/policy/tlsrpt-record.js';
import { policyFixtures } from './tables.js';

const codes = (text: string, context = {}): string[] =>
  lintText(text, undefined, context).findings.map((finding) => finding.code);
const policy = (lines: string[]): string => `${lines.join('\n')}\n`;

describe('lint rules beyond syntax', () => {
  it('warns about a max_age under a day, and notes one under a week', () => {
    expect(codes(policy(['version: STSv1', 'mode: enforce', 'mx: mx.example.com', 'max_age: 3600']))).toContain(
      'policy-max-age-short',
    );
    expect(codes(policy(['version: STSv1', 'mode: enforce', 'mx: mx.example.com', 'max_age: 86401']))).toEqual([
      'policy-max-age-below-week',
    ]);
    expect(codes(policy(['version: STSv1', 'mode: enforce', 'mx: mx.example.com', 'max_age: 604800']))).toEqual([]);
  });

  it('suggests enforce when testing shows no failures in the reports, and only then', () => {
    const text = policy(['version: STSv1', 'mode: testing', 'mx: mx.example.com', 'max_age: 604800']);
    expect(codes(text, { failedSessions: 0, reports: 12 })).toEqual(['policy-mode-testing-clean']);
    expect(codes(text, { failedSessions: 3, reports: 12 })).toEqual([]);
    expect(codes(text, { failedSessions: 0, reports: 0 })).toEqual([]);
  });

  it('warns about mode none', () => {
    expect(codes(policy(['version: STSv1', 'mode: none', 'max_age: 604800']))).toEqual(['policy-mode-none']);
  });

  it('finds MX hosts no pattern covers (an error when enforced) and patterns that match no MX host', () => {
    const enforce = lintText(
      policy(['version: STSv1', 'mode: enforce', 'mx: mx1.example.com', 'mx: *.old.example.com', 'max_age: 604800']),
      'policy',
      {
        mxHosts: ['mx1.example.com', 'MX2.example.com.'],
        mxHostsAreMxRecords: true,
      },
    );
    expect(enforce.valid).toBe(false);
    expect(enforce.findings.map((finding) => [finding.severity, finding.code, finding.fix])).toEqual([
      ['warning', 'policy-mx-unused', 'remove it, or correct it to the MX host it was meant for'],
      ['error', 'policy-mx-uncovered', 'add "mx: mx2.example.com"'],
    ]);
    const testing = lintText(
      policy(['version: STSv1', 'mode: testing', 'mx: mx1.example.com', 'max_age: 604800']),
      'policy',
      { mxHosts: ['mx2.example.com'] },
    );
    expect(testing.findings.find((finding) => finding.code === 'policy-mx-uncovered')?.severity).toBe('warning');
  });

  it('never calls an mx line unused against hosts read from failure details, which name only failing hosts', () => {
    // mx1 is the healthy host: no failure detail names it, so it is not among the hosts.
    const text = policy([
      'version: STSv1',
      'mode: enforce',
      'mx: mx1.shop.example',
      'mx: mx2.shop.example',
      'max_age: 604800',
    ]);
    expect(codes(text, { mxHosts: ['mx2.shop.example'] })).toEqual([]);
    expect(codes(text, { mxHosts: ['mx2.shop.example'], mxHostsAreMxRecords: false })).toEqual([]);
    // Against the real MX records (the online check), the same line is unused.
    expect(codes(text, { mxHosts: ['mx2.shop.example'], mxHostsAreMxRecords: true })).toEqual(['policy-mx-unused']);
    // A failing host no line covers is still an error: it is named, not inferred from an absence.
    expect(codes(text, { mxHosts: ['mx3.shop.example'] })).toEqual(['policy-mx-uncovered']);
  });

  it("judges mx lines against the online check's MX records (lintDomainSetup), which are authoritative", () => {
    const file = parseMtaStsPolicy(
      policy(['version: STSv1', 'mode: enforce', 'mx: mx1.shop.example', 'mx: old.shop.example', 'max_age: 604800']),
    );
    const setup = {
      domain: 'shop.example',
      stsRecord: parseMtaStsRecord('v=STSv1; id=1'),
      policy: file,
      tlsrptRecord: parseTlsRptRecord('v=TLSRPTv1; rua=mailto:tlsrpt@shop.example'),
    };
    const online = lintDomainSetup({ ...setup, mxHosts: ['mx1.shop.example'] });
    expect(online.findings.map((finding) => finding.code)).toEqual(['policy-mx-unused']);
    // Without MX records (none looked up), nothing is judged unused.
    expect(lintDomainSetup({ ...setup, mxHosts: null }).findings).toEqual([]);
  });

  it('warns when MTA-STS has no TLS-RPT record, and notes reports going to another domain', () => {
    const sts = parseMtaStsRecord('v=STSv1; id=1');
    const file = parseMtaStsPolicy(
      policy(['version: STSv1', 'mode: enforce', 'mx: mx.example.com', 'max_age: 604800']),
    );
    const without = lintDomainSetup({
      domain: 'example.com',
      stsRecord: sts,
      policy: file,
      tlsrptRecord: null,
      mxHosts: ['mx.example.com'],
    });
    expect(without.findings.map((finding) => finding.code)).toEqual(['tlsrpt-missing']);
    const external = lintDomainSetup({
      domain: 'example.com',
      stsRecord: sts,
      policy: file,
      tlsrptRecord: parseTlsRptRecord('v=TLSRPTv1; rua=mailto:reports@vendor.example'),
      mxHosts: ['mx.example.com'],
    });
    expect(external.findings.map((finding) => [finding.severity, finding.code])).toEqual([
      ['info', 'tlsrpt-rua-external'],
    ]);
  });

  it('flags an http: report address', () => {
    const result = lintText('v=TLSRPTv1; rua=http://reports.example.com/tlsrpt');
    expect(result.valid).toBe(false);
    expect(result.findings.map((finding) => [finding.code, finding.fix])).toEqual([
      ['tlsrpt-rua-not-https', 'https://reports.example.com/tlsrpt'],
    ]);
  });

  it('gives every finding a severity, code, message and RFC section', () => {
    for (const finding of lintText('version: STSv1\nmode: sometimes\n# hi\n').findings) {
      expect(finding.code).toMatch(/^[a-z-]+$/);
      expect(finding.message.length).toBeGreaterThan(10);
      expect(finding.rfc).toMatch(/^RFC 846[01] §/);
    }
  });
});

describe('the record generator', () => {
  it('writes a setup whose every part passes the linter', () => {
    const setup = generateSetup({
      domain: 'Example.COM.',
      mxHosts: ['mx1.example.com', 'MX2.example.com.', 'mx1.example.com'],
      mode: 'testing',
      maxAge: 1_209_600,
      reportAddress: 'tls,reports@example.com',
      now: new Date('2026-11-29T05:04:03Z'),
    });
    expect(setup.stsRecord).toBe('v=STSv1; id=20261129050403');
    expect(setup.policyFile).toBe(
      'version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 1209600\r\n',
    );
    expect(setup.tlsrptRecord).toBe('v=TLSRPTv1; rua=mailto:tls%2Creports@example.com');
    expect(setup.policyUrl).toBe('https://mta-sts.example.com/.well-known/mta-sts.txt');
    const whole = lintDomainSetup(
      {
        domain: 'example.com',
        stsRecord: parseMtaStsRecord(setup.stsRecord),
        policy: parseMtaStsPolicy(setup.policyFile),
        tlsrptRecord: parseTlsRptRecord(setup.tlsrptRecord),
        mxHosts: ['mx1.example.com', 'mx2.example.com'],
      },
      {},
    );
    expect(whole.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
    expect(whole.valid).toBe(true);
  });

  it('takes an https: report address as it is', () => {
    const setup = generateSetup({
      domain: 'example.org',
      mxHosts: ['mx.example.org'],
      mode: 'enforce',
      maxAge: 604800,
      reportAddress: 'https://tlsrpt.example.org/v1',
      now: new Date(0),
    });
    expect(parseTlsRptRecord(setup.tlsrptRecord).record?.rua).toEqual(['https://tlsrpt.example.org/v1']);
  });
});

/*
 * The 33 real policy files. What each should draw is read from the corpus
 * README's "observed" column (quoted in PROVENANCE.md), not from our output.
 */
describe('the real published policy files', () => {
  const provenance = readFileSync(join(policyFixtures, 'PROVENANCE.md'), 'utf8');
  const observed = new Map<string, string>();
  for (const line of provenance.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const file = /^`([^`]+\.txt)`$/.exec(cells[1] ?? '')?.[1];
    // The observed column is the last, and may itself hold "|" (mode [enforce|testing|none]).
    if (file) observed.set(file, cells.slice(8, -1).join('|'));
  }
  const files = readdirSync(join(policyFixtures, 'mta-sts-txt')).sort();

  it('are all described', () => {
    expect(files).toHaveLength(33);
    expect(files.filter((file) => !observed.has(file))).toEqual([]);
  });

  it.each(files.map((file) => [file, observed.get(file) ?? ''] as const))('%s (%s)', (file, notes) => {
    const result = lintText(readFileSync(join(policyFixtures, 'mta-sts-txt', file), 'utf8'), 'policy');
    const found = new Set(result.findings.map((finding) => finding.code));
    const broken = /comments|placeholder|not numeric|blank lines|'mx: \.'/.test(notes);
    expect(result.valid, JSON.stringify(result.findings.map((finding) => finding.message))).toBe(!broken);
    if (notes.includes("'#' comments")) {
      // Whole-line comments, or comments after a value that break it.
      const comment = result.findings.some(
        (finding) =>
          finding.severity === 'error' && (finding.code === 'policy-comment' || finding.message.includes('#')),
      );
      expect(comment).toBe(true);
    }
    if (notes.includes('blank lines')) expect(found).toContain('policy-blank-line');
    if (notes.includes('max_age not numeric')) expect(found).toContain('policy-max-age-invalid');
    if (notes.includes("'mx: .' placeholder")) expect(found).toContain('policy-mx-invalid');
    if (notes.includes('mode [')) expect(found).toContain('policy-mode-invalid');
    if (notes.includes('mode testing') && !broken)
      expect(result.findings.every((finding) => finding.severity !== 'error')).toBe(true);
  });
});
