import { closeSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import type { HealthFinding } from '../../shared/health/findings.js';
import { runCli } from '../helpers/cli.js';
import { AS_OF, storeHealthScenario } from '../helpers/health-scenario.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { storeReportDocuments } from '../helpers/store.js';

/*
 * `tlsrpt check` over the known events of test/helpers/health-scenario.ts,
 * as cron or a monitoring system runs it: the exit status is the worst
 * finding (0 ok, 1 warning, 2 error), 3 when it cannot tell.
 */
const tempDir = useTempDir();
let dbFile: string;

beforeAll(() => {
  dbFile = join(mkdtempSync(join(tmpdir(), 'tlsrpt-check-')), 'check.sqlite');
  const db = openDatabase(dbFile);
  storeHealthScenario(db);
  db.close();
});

interface CheckJson {
  status: string;
  findings: HealthFinding[];
  domains: { domain: string; verdict: string; successfulSessions: number; failedSessions: number }[];
}

function check(...args: string[]): { status: number | null; json: CheckJson | null; stdout: string; stderr: string } {
  const result = runCli(['check', '--db', dbFile, '--as-of', AS_OF, ...args]);
  return {
    ...result,
    json: args.includes('--json') && result.status !== 3 ? (JSON.parse(result.stdout) as CheckJson) : null,
  };
}

describe('tlsrpt check', () => {
  it('exits 2 when a finding is an error, and prints every finding with its fields', () => {
    const result = check('--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(2);
    expect(result.json?.status).toBe('error');
    const first = result.json?.findings[0];
    expect(first?.message).toContain('mx2.brokenmx.example failed 240 sessions');
    expect(first?.fix).toContain('Renew the certificate');
    expect({ ...first, message: null, fix: null }).toEqual({
      severity: 'error',
      code: 'mx-failing',
      domain: 'brokenmx.example',
      mx: 'mx2.brokenmx.example',
      organization: null,
      resultType: 'certificate-expired',
      firstSeen: '2026-06-26',
      lastSeen: '2026-06-29',
      failedSessions: 240,
      message: null,
      fix: null,
      policyLint: null,
    });
    expect(result.json?.findings.map((finding) => `${finding.domain} ${finding.code}`)).toEqual([
      'brokenmx.example mx-failing',
      // Worst first by failed sessions, never by name: burst's 400 before brokenmx's 240.
      'burst.example mx-failing',
      'burst.example failure-type-new',
      'burst.example failure-spike',
      'brokenmx.example failure-type-new',
      'brokenmx.example failure-spike',
      'mismatch.example mx-failing',
      'mismatch.example failure-type-new',
      'newtype.example failure-type-new',
      'sendergone.example sender-silent',
      'silent.example domain-silent',
      'retired.example domain-silent',
      'sendergone.example policy-testing-clean',
      'testing.example policy-testing-clean',
    ]);
    // Each domain's verdict and sessions of the last 7 days (06-24 to 06-29 reported), worst first.
    expect(result.json?.domains.slice(0, 2)).toMatchObject([
      { domain: 'brokenmx.example', verdict: 'failing', successfulSessions: 5760, failedSessions: 240 },
      // Its last report, 06-24, is the first day of the window.
      { domain: 'silent.example', verdict: 'silent', successfulSessions: 1000, failedSessions: 0 },
    ]);
    expect(result.json?.domains.find((domain) => domain.domain === 'healthy.example')).toMatchObject({
      verdict: 'healthy',
      successfulSessions: 6000,
      failedSessions: 0,
    });
  });

  it('carries the policy linter’s word on a host outside the quoted policy’s mx lines', () => {
    const result = check('--domain', 'mismatch.example', '--json');
    expect(result.status).toBe(1);
    const [mxFailing] = result.json?.findings ?? [];
    expect(mxFailing).toMatchObject({
      severity: 'warning',
      code: 'mx-failing',
      mx: 'mx2.mismatch.example',
      resultType: 'certificate-host-mismatch',
      firstSeen: '2026-06-25',
      lastSeen: '2026-06-29',
      failedSessions: 50,
      policyLint: {
        policyStrings: ['version: STSv1', 'mode: testing', 'mx: mx1.mismatch.example', 'max_age: 604800'],
        mxPatterns: ['mx1.mismatch.example'],
        mxCovered: false,
        lint: [{ severity: 'warning', code: 'policy-mx-uncovered', rfc: 'RFC 8461 §4.1' }],
      },
    });
    expect(mxFailing?.message).toContain('the policy is the cause');
    const text = check('--domain', 'mismatch.example');
    expect(text.stdout).toContain(
      '  Policy lint: warning policy-mx-uncovered: MX host mx2.mismatch.example is not covered by any mx pattern',
    );
    expect(text.stdout).toContain('  Fix: Add "mx: mx2.mismatch.example" to the policy file');
  });

  it('exits 1 for warnings, 0 for a healthy domain, one domain at a time', () => {
    expect(check('--domain', 'sendergone.example', '--json')).toMatchObject({ status: 1, json: { status: 'warning' } });
    const healthy = check('--domain', 'Healthy.Example.', '--json');
    expect(healthy).toMatchObject({ status: 0, json: { status: 'ok', findings: [] } });
    // Info findings alone are ok: testing mode that could be enforced.
    expect(check('--domain', 'testing.example', '--json')).toMatchObject({
      status: 0,
      json: {
        status: 'ok',
        findings: [
          {
            severity: 'info',
            code: 'policy-testing-clean',
            firstSeen: '2026-05-27',
            lastSeen: '2026-06-29',
            failedSessions: 0,
            policyLint: null,
          },
        ],
      },
    });
  });

  it('prints the findings in words without --json', () => {
    const result = check('--domain', 'brokenmx.example');
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/^ERROR: 3 findings as of 2026-06-30\n/);
    expect(result.stdout).toContain(
      'ERROR mx-failing: brokenmx.example · mx2.brokenmx.example · certificate-expired (2026-06-26 to 2026-06-29)',
    );
    expect(result.stdout).toMatch(/\n {2}Fix: Renew the certificate/);
  });

  it('exits 3 when it cannot tell: a usage error, a bad date, an unknown domain, no database', () => {
    expect(check('--as-of', '2026-02-30').status).toBe(3);
    expect(check('--as-of', 'yesterday').stderr).toMatch(/--as-of takes a UTC date like 2026-01-31/);
    expect(check('--frobnicate').status).toBe(3);
    const unknown = check('--domain', 'nowhere.example');
    expect(unknown.status).toBe(3);
    expect(unknown.stderr).toMatch(/no report names the policy domain nowhere\.example/);
    const missing = runCli(['check', '--db', join(tempDir(), 'none.sqlite')]);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/no database at/);
  });

  it('refuses a day after today with the reason (exit 3)', () => {
    const future = check('--as-of', '2999-01-01');
    expect(future.status).toBe(3);
    expect(future.stderr).toMatch(/--as-of: 2999-01-01 is after today \(\d{4}-\d{2}-\d{2}, UTC\)/);
  });

  it('on a stopped feed, prints one feed-silent finding and each domain as of its last report', () => {
    // 2026-07-20: three weeks after the scenario's last report (06-29), no report at all since.
    const result = check('--as-of', '2026-07-20', '--json');
    const json = result.json as (CheckJson & { asOf: string; judgedAsOf: string }) | null;
    expect(json).toMatchObject({ status: 'error', asOf: '2026-07-20', judgedAsOf: '2026-06-29' });
    // Exit status as always: the worst finding; the broken MX host is still an error as of the last report.
    expect(result.status).toBe(2);
    const findings = json?.findings ?? [];
    expect(findings[0]).toMatchObject({
      severity: 'warning',
      code: 'feed-silent',
      domain: null,
      lastSeen: '2026-06-29',
    });
    expect(findings.filter((finding) => finding.code === 'feed-silent')).toHaveLength(1);
    // Not one domain-silent per domain: only the two that had stopped before the feed did.
    expect(findings.filter((finding) => finding.code === 'domain-silent').map((finding) => finding.domain)).toEqual([
      'silent.example',
      'retired.example',
    ]);
    expect(findings.find((finding) => finding.code === 'mx-failing')).toMatchObject({
      domain: 'brokenmx.example',
      mx: 'mx2.brokenmx.example',
      firstSeen: '2026-06-26',
      lastSeen: '2026-06-29',
    });
    // The same findings as --as-of the last report, after the feed's one.
    const asOfLast = check('--as-of', '2026-06-29', '--json').json;
    expect(findings.slice(1)).toEqual(asOfLast?.findings);
    expect(json?.domains).toEqual(asOfLast?.domains);
    const text = check('--as-of', '2026-07-20');
    expect(text.stdout).toMatch(
      /^ERROR: \d+ findings as of 2026-07-20 \(the domains as of 2026-06-29, the last report\)/,
    );
    expect(text.stdout.match(/feed-silent/g)).toHaveLength(1);
    expect(text.stdout).toContain('WARNING feed-silent: every domain (2026-06-29)');
  });

  it('exits 3 (UNKNOWN) with the problem in words when SQLite fails during the queries', () => {
    const damaged = join(tempDir(), 'damaged.sqlite');
    const db = openDatabase(damaged);
    storeHealthScenario(db);
    db.close();
    // The failures rollup's root page overwritten: the file opens, the findings' queries fail on it.
    const reader = new Database(damaged, { readonly: true });
    const pageSize = reader.pragma('page_size', { simple: true }) as number;
    const root = reader.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'rollup_domain_mx'").pluck().get();
    reader.close();
    const handle = openSync(damaged, 'r+');
    writeSync(handle, Buffer.alloc(pageSize, 0xff), 0, pageSize, ((root as number) - 1) * pageSize);
    closeSync(handle);
    for (const args of [['--json'], []]) {
      const result = runCli(['check', '--db', damaged, '--as-of', AS_OF, ...args]);
      expect(result.status).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`tlsrpt check: ${damaged} is damaged (`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('tlsrpt check on the real Microsoft report (tlsa and sts for one domain)', () => {
  it('counts each session once in the failed sessions of a finding and of the domain', () => {
    // The corpus's Microsoft report lists random.net's 2 sessions under both its sts and its tlsa policy. The
    // days after it are that report again, with 3 of the sessions failing at mx1, listed under both policies as
    // Microsoft does.
    const text = readFileSync(join(corpusReports, 'dmarc-report-viewer__microsoft.json'), 'utf8');
    const days = ['2025-05-24', '2025-05-25', '2025-05-26'].map((day) => {
      const report = JSON.parse(text) as {
        'report-id': string;
        'date-range': Record<string, string>;
        policies: { summary: Record<string, number>; 'failure-details'?: unknown[] }[];
      };
      report['report-id'] = `${report['report-id']}-${day}`;
      report['date-range'] = { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` };
      for (const policy of report.policies) {
        policy.summary['total-failure-session-count'] = 3;
        policy['failure-details'] = [
          {
            'result-type': 'certificate-expired',
            'sending-mta-ip': '203.0.113.5',
            'receiving-mx-hostname': 'mx1.random.net',
            'failed-session-count': 3,
          },
        ];
      }
      return JSON.stringify(report);
    });
    const file = join(tempDir(), 'microsoft.sqlite');
    const db = openDatabase(file);
    storeReportDocuments(db, [text, ...days]);
    db.close();
    const result = runCli(['check', '--db', file, '--as-of', '2025-05-27', '--json']);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as CheckJson;
    // DANE and MTA-STS enforce: senders do not deliver to the host, an error.
    expect(result.status).toBe(2);
    expect(json.findings.find((finding) => finding.code === 'mx-failing')).toMatchObject({
      severity: 'error',
      domain: 'random.net',
      mx: 'mx1.random.net',
      firstSeen: '2025-05-24',
      lastSeen: '2025-05-26',
      failedSessions: 9,
    });
    expect(json.domains).toMatchObject([{ domain: 'random.net', successfulSessions: 8, failedSessions: 9 }]);
    // As of the real report's own day, only it is in the window: its 2 sessions, once.
    const real = runCli(['check', '--db', file, '--as-of', '2025-05-23', '--json']);
    expect(real.status).toBe(0);
    expect((JSON.parse(real.stdout) as CheckJson).domains).toMatchObject([
      { domain: 'random.net', verdict: 'healthy', successfulSessions: 2, failedSessions: 0 },
    ]);
  });
});
