import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import { ReportWriter } from '../../electron/backend/db/store-report.js';
import { summarize } from '../../electron/backend/db/summary-queries.js';
import { useTempDir } from '../helpers/files.js';
import { policyEntry, reportJson } from '../helpers/reports.js';
import { reportToStore } from '../helpers/store.js';

const tempDir = useTempDir();

function item(reportId: string, successful: number) {
  return reportToStore(reportJson({ reportId, policies: [policyEntry({ successful, failed: 0 })] }), {
    kind: 'file',
    ref: reportId,
  });
}

describe('totals that must stay exact', () => {
  it('refuses a report that would take the stored totals past 2^53 − 1, and keeps the others', () => {
    const db = openDatabase(join(tempDir(), 'totals.sqlite'));
    // What two million reports of four billion sessions each leave behind: an all-time row near the limit.
    db.prepare(
      `INSERT INTO rollup_senders (span, day, organization, reports, policies, successful_sessions, failed_sessions,
         last_start_time, failed_without_details, details_beyond_total)
       VALUES (0, 0, 'Earlier Sender', 2097152, 2097152, ?, 0, 0, 0, 0)`,
    ).run(Number.MAX_SAFE_INTEGER - 1_000);
    const writer = new ReportWriter(db);
    const outcomes = writer.storeMany([item('too-many', 4_294_967_295), item('small', 10), item('small-2', 990)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'imported', 'imported']);
    expect(outcomes[0]).toMatchObject({ error: expect.stringMatching(/past 2\^53 − 1/) as unknown });
    // Exactly at the limit, one more session is refused in a later batch too.
    expect(writer.storeMany([item('one-more', 1)])[0]?.status).toBe('failed');
    const summary = summarize(db, {});
    expect(summary.successfulSessions).toBe(Number.MAX_SAFE_INTEGER);
    expect(summary.reports).toBe(2097152 + 2);
    db.close();
  });
});
