// Rows written as a database of an older schema held them, to test the
// migrations that come after (test/backend/migrations/).
import type Database from 'better-sqlite3';

/** A report row with the columns of schema version 1 (start 0, one successful session unless told). */
export function insertVersion1Report(
  db: Database.Database,
  organization: string,
  reportId: string,
  fields: { startTime?: number; successful?: number; failed?: number } = {},
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO reports (organization_name, report_id, start_time, end_time, successful_sessions, failed_sessions,
           source_kind, source_ref, imported_at, warnings_json, raw_gzip, content_sha256)
         VALUES (@organization, @reportId, @start, @start + 86399, @successful, @failed, 'file', '/x.json', 0, '[]',
           x'1f8b', 'abc')`,
      )
      .run({
        organization,
        reportId,
        start: fields.startTime ?? 0,
        successful: fields.successful ?? 1,
        failed: fields.failed ?? 0,
      }).lastInsertRowid,
  );
}

/** A policy row of schema version 1. */
export function insertVersion1Policy(
  db: Database.Database,
  reportRowid: number,
  fields: {
    position?: number;
    startTime?: number;
    type: string | null;
    domain: string;
    successful: number;
    failed: number;
  },
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO policies (report_rowid, position, start_time, policy_type, policy_domain, mx_hosts_json,
           successful_sessions, failed_sessions)
         VALUES (?, ?, ?, ?, ?, '[]', ?, ?)`,
      )
      .run(
        reportRowid,
        fields.position ?? 0,
        fields.startTime ?? 0,
        fields.type,
        fields.domain,
        fields.successful,
        fields.failed,
      ).lastInsertRowid,
  );
}

/** A failure detail row of schema version 1. */
export function insertVersion1FailureDetail(
  db: Database.Database,
  policyRowid: number,
  reportRowid: number,
  fields: { startTime?: number; domain: string; resultType: string | null; mx: string | null; failed: number },
): void {
  db.prepare(
    `INSERT INTO failure_details (policy_rowid, report_rowid, start_time, policy_domain, result_type,
       receiving_mx_hostname, failed_sessions)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(policyRowid, reportRowid, fields.startTime ?? 0, fields.domain, fields.resultType, fields.mx, fields.failed);
}
