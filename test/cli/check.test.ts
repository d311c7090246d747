import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import type { HealthFinding } from '../../shared/health/findings.js';
import { runCli } from '../helpers/cli.js';
import { AS_OF, storeHealthScenario } from '../helpers/health-scenario.js';
import { useTempDir } from '../helpers/files.js';

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
    });
    expect(result.json?.findings.map((finding) => finding.code)).toEqual([
      'mx-failing',
      'failure-type-new',
      'failure-spike',
      'sender-silent',
      'domain-silent',
      'policy-testing-clean',
      'policy-testing-clean',
    ]);
  });

  it('exits 1 for warnings, 0 for a healthy domain, one domain at a time', () => {
    expect(check('--domain', 'sendergone.example', '--json')).toMatchObject({ status: 1, json: { status: 'warning' } });
    const healthy = check('--domain', 'Healthy.Example.', '--json');
    expect(healthy).toMatchObject({ status: 0, json: { status: 'ok', findings: [] } });
    // Info findings alone are ok: testing mode that could be enforced.
    expect(check('--domain', 'testing.example', '--json')).toMatchObject({
      status: 0,
      json: { status: 'ok', findings: [{ severity: 'info', code: 'policy-testing-clean' }] },
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
});
