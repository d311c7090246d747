// A report within the limits (10,000 policies, 100,000 failure details) whose
// page used to take minutes: each policy scanned all its report's details
// (issue 23, point 3). The page now reads each policy's details by an index.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import { reportDetail } from '../../electron/backend/db/report-queries.js';
import { MAX_FAILURE_DETAILS, MAX_POLICIES } from '../../shared/report/limits.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';

const tempDir = useTempDir();

describe('a report page at the limits', () => {
  it('shows 10,000 policies and 100,000 details, each policy read by the index', () => {
    const perPolicy = MAX_FAILURE_DETAILS / MAX_POLICIES;
    const policies = Array.from({ length: MAX_POLICIES }, (_, p) =>
      policyEntry({
        domain: `d${p}.example`,
        failed: perPolicy,
        details: Array.from({ length: perPolicy }, (_, n) =>
          failureDetail('certificate-expired', 1, { 'sending-mta-ip': `192.0.2.${n}` }),
        ),
      }),
    );
    const db = openDatabase(join(tempDir(), 'page.sqlite'));
    try {
      storeReportDocuments(db, [reportJson({ reportId: 'wide', policies })]);
      const id = db.prepare('SELECT id FROM reports').pluck().get() as number;
      // Before: 56 ms a policy, over 5 minutes for this page; the test's deadline would end it long before.
      const detail = reportDetail(db, id);
      expect(detail?.policies).toHaveLength(MAX_POLICIES);
      expect(detail?.policies.reduce((sum, policy) => sum + policy.failureDetails.length, 0)).toBe(MAX_FAILURE_DETAILS);
      expect(detail?.policies[9_999]?.policyDomain).toBe('d9999.example');
      expect(detail?.policies[9_999]?.failureDetails.map((row) => row.sendingMtaIp)).toEqual(
        Array.from({ length: perPolicy }, (_, n) => `192.0.2.${n}`),
      );
    } finally {
      db.close();
    }
  }, 90_000);
});
