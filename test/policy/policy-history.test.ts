import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { mxHostsInFailures, reportedPolicyVersions } from '../../electron/backend/db/policy-queries.js';
import { lintStoredPolicies } from '../../shared/policy/report-lint.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportDocument } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';

/*
 * One domain that moved its mail, worked out by hand:
 *
 *   2024-03-10  old policy (testing, mx: mx1.old.example), failure at mx1.old.example
 *   2024-06-30  old policy, failure at mx1.old.example
 *   2024-09-01  a report without a policy string (tlsa): failure at mx9.gap.example, seen under no STS version
 *   2025-02-01  new policy (enforce, mx: *.new.example), failure at mx2.new.example
 *   2025-03-31  new policy, no failure
 *
 * Checked against every host of every year, the new policy would get errors
 * for mx1.old.example and mx9.gap.example, which it never saw; the old one
 * warnings for mx2.new.example.
 */
const tempDir = useTempDir();
let db: WritableDatabase;
const day = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;

const oldPolicy = ['version: STSv1', 'mode: testing', 'mx: mx1.old.example', 'max_age: 604800'];
const newPolicy = ['version: STSv1', 'mode: enforce', 'mx: *.new.example', 'max_age: 604800'];

function report(id: string, date: string, strings: string[] | null, host: string | null, type = 'sts') {
  const entry = policyEntry({
    type,
    domain: 'moved.example',
    successful: 100,
    failed: host === null ? 0 : 2,
    details: host === null ? [] : [failureDetail('certificate-host-mismatch', 2, { 'receiving-mx-hostname': host })],
  });
  const policy = entry['policy'] as Record<string, unknown>;
  if (strings === null) delete policy['policy-string'];
  else policy['policy-string'] = strings;
  return JSON.stringify(
    reportDocument({ reportId: id, start: `${date}T00:00:00Z`, end: `${date}T23:59:59Z`, policies: [entry] }),
  );
}

beforeAll(() => {
  db = openDatabase(join(tempDir(), 'history.sqlite'));
  storeReportDocuments(db, [
    report('a', '2024-03-10', oldPolicy, 'mx1.old.example'),
    report('b', '2024-06-30', oldPolicy, 'mx1.old.example'),
    report('c', '2024-09-01', null, 'mx9.gap.example', 'tlsa'),
    report('d', '2025-02-01', newPolicy, 'mx2.new.example'),
    report('e', '2025-03-31', newPolicy, null),
  ]);
});

describe('each stored policy version against the MX hosts seen while it was in force', () => {
  it('lists versions newest first, each with the hosts of its own period', () => {
    const stored = lintStoredPolicies(
      'moved.example',
      reportedPolicyVersions(db, 'moved.example'),
      mxHostsInFailures(db, 'moved.example'),
    );
    expect(stored.versions.map((version) => [version.firstSeen, version.lastSeen, version.mxHosts])).toEqual([
      [day('2025-02-01'), day('2025-03-31'), ['mx2.new.example']],
      [day('2024-03-10'), day('2024-06-30'), ['mx1.old.example']],
    ]);
    // Neither version has a host it does not cover in its own period.
    for (const version of stored.versions) {
      expect(version.result.findings.map((finding) => finding.code)).not.toContain('policy-mx-uncovered');
      expect(version.result.findings.map((finding) => finding.code)).not.toContain('policy-mx-unused');
    }
    expect(stored.current?.valid).toBe(true);
  });

  it('judges each host by the version in force when it was last seen, and none for a host seen between them', () => {
    const stored = lintStoredPolicies(
      'moved.example',
      reportedPolicyVersions(db, 'moved.example'),
      mxHostsInFailures(db, 'moved.example'),
    );
    expect(stored.mxCoverage).toEqual([
      {
        host: 'mx1.old.example',
        failedSessions: 4,
        firstSeen: day('2024-03-10'),
        lastSeen: day('2024-06-30'),
        covered: true,
        policyFirstSeen: day('2024-03-10'),
      },
      {
        host: 'mx2.new.example',
        failedSessions: 2,
        firstSeen: day('2025-02-01'),
        lastSeen: day('2025-02-01'),
        covered: true,
        policyFirstSeen: day('2025-02-01'),
      },
      {
        host: 'mx9.gap.example',
        failedSessions: 2,
        firstSeen: day('2024-09-01'),
        lastSeen: day('2024-09-01'),
        covered: null,
        policyFirstSeen: null,
      },
    ]);
  });

  it('still finds a host the version in force does not cover', () => {
    storeReportDocuments(db, [report('f', '2025-03-15', newPolicy, 'mx3.elsewhere.example')]);
    const stored = lintStoredPolicies(
      'moved.example',
      reportedPolicyVersions(db, 'moved.example'),
      mxHostsInFailures(db, 'moved.example'),
    );
    const newest = stored.versions[0];
    expect(newest?.mxHosts).toEqual(['mx2.new.example', 'mx3.elsewhere.example']);
    expect(newest?.result.findings).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'policy-mx-uncovered' }),
    );
    expect(stored.versions[1]?.result.findings.map((finding) => finding.code)).not.toContain('policy-mx-uncovered');
    expect(stored.mxCoverage.find((entry) => entry.host === 'mx3.elsewhere.example')?.covered).toBe(false);
  });
});
