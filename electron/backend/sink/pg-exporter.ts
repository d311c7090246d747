// Writes what the SQLite database stores into PostgreSQL (the schema: pg-schema.ts), incrementally and
// idempotently: each batch of reports, their policies and failure details, and the watermark that says
// how far the export got, commit in one transaction.
import { hostname } from 'node:os';
import type { ClientBase } from 'pg';
import { statementToIterate, prepared, type ReadableDatabase } from '../db/database.js';
import { PG_SCHEMA, PG_SCHEMA_VERSION } from './pg-schema.js';

/** How much one transaction carries at most: a report is never split, so one larger report is a batch alone. */
interface BatchLimits {
  reports: number;
  failureDetails: number;
  rawBytes: number;
}

const DEFAULT_BATCH_LIMITS: BatchLimits = { reports: 1000, failureDetails: 50_000, rawBytes: 32 * 1024 * 1024 };

export interface ExportOptions {
  /** Names the SQLite database in tlsrpt.sink_state: each source has its own watermark. */
  source: string;
  limits?: Partial<BatchLimits>;
  /** Called after each committed batch. */
  onBatch?: (progress: ExportProgress) => void;
}

export interface ExportProgress {
  /** Reports read from SQLite in this run, and of those the ones PostgreSQL did not have yet. */
  reportsRead: number;
  reportsWritten: number;
  policiesWritten: number;
  failureDetailsWritten: number;
  /** The SQLite row id of the last report exported, now stored as the watermark. */
  watermark: number;
  batches: number;
}

/** The watermark names a report that this database does not have there: another database under its name. */
class SinkSourceMismatchError extends Error {
  override name = 'SinkSourceMismatchError';
}

/** PostgreSQL holds a schema of a later release than this one. */
class SinkSchemaFromFutureError extends Error {
  override name = 'SinkSchemaFromFutureError';
}

/** Any number for advisory locks, fixed: the schema is created by one exporter at a time. */
const SCHEMA_LOCK = 0x7e5e_5e01;

/** The schema's version in PostgreSQL, or null where there is none yet. */
async function storedSchemaVersion(client: ClientBase): Promise<number | null> {
  const exists = await client.query<{ present: boolean }>(
    `SELECT to_regclass('tlsrpt.sink_schema') IS NOT NULL AS present`,
  );
  if (exists.rows[0]?.present !== true) return null;
  const found = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM tlsrpt.sink_schema',
  );
  return found.rows[0]?.version ?? null;
}

/**
 * Creates (or completes) the schema; refuses one written by a later release.
 * A schema already at this version is left alone: replacing a view takes a
 * lock that would wait for (and hold up) the dashboards reading it, on every
 * batch of `--sink`.
 */
async function ensureSchema(client: ClientBase): Promise<void> {
  if ((await storedSchemaVersion(client)) === PG_SCHEMA_VERSION) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    const version = await storedSchemaVersion(client);
    if (version !== null && version > PG_SCHEMA_VERSION) {
      throw new SinkSchemaFromFutureError(
        `the PostgreSQL schema tlsrpt is version ${version}, written by a later release (this one writes ` +
          `version ${PG_SCHEMA_VERSION}); export with that release or a later one`,
      );
    }
    await client.query(PG_SCHEMA);
    await client.query(
      `INSERT INTO tlsrpt.sink_schema (version) SELECT $1::integer
         WHERE NOT EXISTS (SELECT 1 FROM tlsrpt.sink_schema WHERE version >= $1::integer)`,
      [PG_SCHEMA_VERSION],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

interface ReportRow {
  id: number;
  organization_name: string;
  report_id: string;
  start_time: number;
  end_time: number;
  contact_info: string | null;
  successful_sessions: number;
  failed_sessions: number;
  source_kind: string;
  source_ref: string;
  received_at: number | null;
  imported_at: number;
  warnings_json: string;
  raw_gzip: Buffer;
  content_sha256: string;
  details: number;
}

type PolicyRow = [
  reportRowid: number,
  position: number,
  startTime: number,
  policyType: string | null,
  policyDomain: string | null,
  policyStringsJson: string | null,
  mxHostsJson: string,
  successful: number,
  failed: number,
  counted: number,
  detailed: number,
];

type DetailRow = [
  reportRowid: number,
  policyRowid: number,
  position: number,
  startTime: number,
  policyDomain: string | null,
  resultType: string | null,
  sendingMtaIp: string | null,
  receivingMxHostname: string | null,
  receivingMxHelo: string | null,
  receivingIp: string | null,
  failed: number,
  additionalInformation: string | null,
  failureReasonCode: string | null,
  counted: number,
];

/** The next reports after the watermark, each with its failure details' number (to bound the batch). */
const NEXT_REPORTS = `
  SELECT r.id, r.organization_name, r.report_id, r.start_time, r.end_time, r.contact_info, r.successful_sessions,
    r.failed_sessions, r.source_kind, r.source_ref, r.received_at, r.imported_at, r.warnings_json, r.raw_gzip,
    r.content_sha256, (SELECT COUNT(*) FROM failure_details f WHERE f.report_rowid = r.id) AS details
  FROM reports r WHERE r.id > ? ORDER BY r.id`;

const POLICIES_OF = `
  SELECT report_rowid, position, start_time, policy_type, policy_domain, policy_strings_json, mx_hosts_json,
    successful_sessions, failed_sessions, counted, detailed_failed_sessions
  FROM policies WHERE report_rowid BETWEEN ? AND ? ORDER BY report_rowid, position`;

/** In row id order, which is the order of the details within each policy (the writer inserts them so). */
const DETAILS_OF = `
  SELECT f.report_rowid, f.policy_rowid, p.position, f.start_time, f.policy_domain, f.result_type, f.sending_mta_ip,
    f.receiving_mx_hostname, f.receiving_mx_helo, f.receiving_ip, f.failed_sessions, f.additional_information,
    f.failure_reason_code, f.counted
  FROM failure_details f JOIN policies p ON p.id = f.policy_rowid
  WHERE f.report_rowid BETWEEN ? AND ? ORDER BY f.id`;

const INSERT_REPORTS = `
  INSERT INTO tlsrpt.reports (organization_name, report_id, start_time, end_time, contact_info, successful_sessions,
    failed_sessions, policy_count, failed_without_details, details_beyond_total, source_kind, source_ref,
    received_at, imported_at, warnings, raw_gzip, content_sha256, sink_source, sqlite_rowid)
  SELECT o, r, st, et, ci, ss, fs, pc, fwd, dbt, sk, sr, ra, ia, w::jsonb, g, sha, $18, rid
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[],
    $8::integer[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::bigint[], $15::text[],
    $16::bytea[], $17::text[], $19::bigint[])
    AS t (o, r, st, et, ci, ss, fs, pc, fwd, dbt, sk, sr, ra, ia, w, g, sha, rid)
  ON CONFLICT DO NOTHING
  RETURNING sqlite_rowid`;

const INSERT_POLICIES = `
  INSERT INTO tlsrpt.policies (policy_domain, organization_name, report_id, position, start_time, policy_type,
    policy_strings, mx_hosts, successful_sessions, failed_sessions, counted, detailed_failed_sessions)
  SELECT d, o, r, pos, st, pt, ps::jsonb, mx::jsonb, ss, fs, c, dfs
  FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::bigint[], $6::text[], $7::text[], $8::text[],
    $9::bigint[], $10::bigint[], $11::boolean[], $12::bigint[])
    AS t (d, o, r, pos, st, pt, ps, mx, ss, fs, c, dfs)
  ON CONFLICT DO NOTHING`;

const INSERT_DETAILS = `
  INSERT INTO tlsrpt.failure_details (policy_domain, organization_name, report_id, position, detail_position,
    start_time, result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip, failed_sessions,
    additional_information, failure_reason_code, counted)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::integer[], $6::bigint[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::boolean[])
  ON CONFLICT DO NOTHING`;

interface Watermark {
  rowid: number;
  organization: string | null;
  reportId: string | null;
}

/**
 * Exports every report stored after this source's watermark, batch by
 * batch, until none is left. Each batch is one PostgreSQL transaction: its
 * rows and the watermark past them commit together or not at all, so a run
 * killed at any point resumes where the last commit left off. The rows are
 * keyed by the report's identity and inserted ON CONFLICT DO NOTHING, so a
 * report already in PostgreSQL (from another source, or a copy of this
 * database) is left as it is, with its policies and details: each report is
 * there once. Stored reports are never changed or deleted in SQLite, so the
 * row id is a complete watermark.
 */
export async function exportToPostgres(
  db: ReadableDatabase,
  client: ClientBase,
  options: ExportOptions,
): Promise<ExportProgress> {
  const limits = { ...DEFAULT_BATCH_LIMITS, ...options.limits };
  await ensureSchema(client);
  const progress: ExportProgress = {
    reportsRead: 0,
    reportsWritten: 0,
    policiesWritten: 0,
    failureDetailsWritten: 0,
    watermark: 0,
    batches: 0,
  };
  for (;;) {
    await client.query('BEGIN');
    try {
      // Row-locked: two exporters of one source take turns, each starting from where the other committed.
      await client.query(
        'INSERT INTO tlsrpt.sink_state (source, last_report_rowid) VALUES ($1, 0) ON CONFLICT DO NOTHING',
        [options.source],
      );
      const state = await client.query<{ rowid: string; organization: string | null; report_id: string | null }>(
        `SELECT last_report_rowid AS rowid, identity_organization AS organization, identity_report_id AS report_id
           FROM tlsrpt.sink_state WHERE source = $1 FOR UPDATE`,
        [options.source],
      );
      const row = state.rows[0];
      const watermark: Watermark = {
        rowid: Number(row?.rowid ?? 0),
        organization: row?.organization ?? null,
        reportId: row?.report_id ?? null,
      };
      checkSource(db, options.source, watermark);
      progress.watermark = watermark.rowid;
      const reports = nextReports(db, watermark.rowid, limits);
      const last = reports.at(-1);
      if (!last) {
        await client.query('ROLLBACK');
        return progress;
      }
      const written = await writeBatch(db, client, options.source, reports);
      await client.query(
        `UPDATE tlsrpt.sink_state SET last_report_rowid = $2, identity_organization = $3, identity_report_id = $4,
           updated_at = now() WHERE source = $1`,
        [options.source, last.id, last.organization_name, last.report_id],
      );
      await client.query('COMMIT');
      progress.reportsRead += reports.length;
      progress.reportsWritten += written.reports;
      progress.policiesWritten += written.policies;
      progress.failureDetailsWritten += written.details;
      progress.watermark = last.id;
      progress.batches += 1;
      options.onBatch?.({ ...progress });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}

/** The watermark's report must be this database's report at that row id, or the row ids mean other reports. */
function checkSource(db: ReadableDatabase, source: string, watermark: Watermark): void {
  if (watermark.rowid === 0 || watermark.organization === null) return;
  const here = prepared(db, 'SELECT organization_name, report_id FROM reports WHERE id = ?').get(watermark.rowid) as
    { organization_name: string; report_id: string } | undefined;
  if (here?.organization_name === watermark.organization && here.report_id === watermark.reportId) return;
  throw new SinkSourceMismatchError(
    `PostgreSQL's watermark for source "${source}" is report row ${watermark.rowid}, which was ` +
      `"${watermark.reportId ?? ''}" from ${watermark.organization}; this database has ` +
      (here ? `"${here.report_id}" from ${here.organization_name} there` : 'no report there') +
      ': it is another database. Export it under a source name of its own (--source NAME)',
  );
}

/** Reports after a row id, up to the batch's limits, always at least one when there is one. */
function nextReports(db: ReadableDatabase, after: number, limits: BatchLimits): ReportRow[] {
  const reports: ReportRow[] = [];
  let details = 0;
  let bytes = 0;
  for (const report of statementToIterate(db, NEXT_REPORTS).iterate(after) as IterableIterator<ReportRow>) {
    const full =
      reports.length >= limits.reports ||
      (reports.length > 0 &&
        (details + report.details > limits.failureDetails || bytes + report.raw_gzip.length > limits.rawBytes));
    if (full) break;
    reports.push(report);
    details += report.details;
    bytes += report.raw_gzip.length;
  }
  return reports;
}

/** Writes a batch's reports, then the policies and details of those PostgreSQL did not have. */
async function writeBatch(
  db: ReadableDatabase,
  client: ClientBase,
  source: string,
  reports: readonly ReportRow[],
): Promise<{ reports: number; policies: number; details: number }> {
  const first = reports[0]?.id ?? 0;
  const last = reports.at(-1)?.id ?? 0;
  const policies = prepared(db, POLICIES_OF).raw().all(first, last) as PolicyRow[];
  const details = prepared(db, DETAILS_OF).raw().all(first, last) as DetailRow[];

  // What each report's policies add up to, from the counting the writer stored (session-counting.ts).
  const sums = new Map<number, { count: number; without: number; beyond: number }>();
  for (const [reportRowid, , , , , , , , failed, counted, detailed] of policies) {
    const sum = sums.get(reportRowid) ?? { count: 0, without: 0, beyond: 0 };
    sum.count += 1;
    if (counted === 1) {
      sum.without += Math.max(failed - detailed, 0);
      sum.beyond += Math.max(detailed - failed, 0);
    }
    sums.set(reportRowid, sum);
  }
  const inserted = await client.query<{ sqlite_rowid: string }>(INSERT_REPORTS, [
    reports.map((r) => r.organization_name),
    reports.map((r) => r.report_id),
    reports.map((r) => r.start_time),
    reports.map((r) => r.end_time),
    reports.map((r) => r.contact_info),
    reports.map((r) => r.successful_sessions),
    reports.map((r) => r.failed_sessions),
    reports.map((r) => sums.get(r.id)?.count ?? 0),
    reports.map((r) => sums.get(r.id)?.without ?? 0),
    reports.map((r) => sums.get(r.id)?.beyond ?? 0),
    reports.map((r) => r.source_kind),
    reports.map((r) => r.source_ref),
    reports.map((r) => r.received_at),
    reports.map((r) => r.imported_at),
    reports.map((r) => r.warnings_json),
    reports.map((r) => r.raw_gzip),
    reports.map((r) => r.content_sha256),
    source,
    reports.map((r) => r.id),
  ]);
  const fresh = new Set(inserted.rows.map((row) => Number(row.sqlite_rowid)));
  const identity = new Map(reports.map((r) => [r.id, r]));
  const identityOf = (rowid: number): ReportRow => {
    const report = identity.get(rowid);
    if (!report) throw new Error(`report row ${rowid} is not in the batch`);
    return report;
  };

  const newPolicies = policies.filter(([reportRowid]) => fresh.has(reportRowid));
  if (newPolicies.length > 0) {
    await client.query(INSERT_POLICIES, [
      newPolicies.map((p) => p[4] ?? ''),
      newPolicies.map((p) => identityOf(p[0]).organization_name),
      newPolicies.map((p) => identityOf(p[0]).report_id),
      newPolicies.map((p) => p[1]),
      newPolicies.map((p) => p[2]),
      newPolicies.map((p) => p[3]),
      newPolicies.map((p) => p[5]),
      newPolicies.map((p) => p[6]),
      newPolicies.map((p) => p[7]),
      newPolicies.map((p) => p[8]),
      newPolicies.map((p) => p[9] === 1),
      newPolicies.map((p) => p[10]),
    ]);
  }

  const newDetails = details.filter(([reportRowid]) => fresh.has(reportRowid));
  // A detail's position in its policy: the details come in row id order, which is the report's order.
  const positions: number[] = [];
  let policyRowid = -1;
  let position = 0;
  for (const detail of newDetails) {
    position = detail[1] === policyRowid ? position + 1 : 0;
    policyRowid = detail[1];
    positions.push(position);
  }
  if (newDetails.length > 0) {
    await client.query(INSERT_DETAILS, [
      newDetails.map((d) => d[4] ?? ''),
      newDetails.map((d) => identityOf(d[0]).organization_name),
      newDetails.map((d) => identityOf(d[0]).report_id),
      newDetails.map((d) => d[2]),
      positions,
      newDetails.map((d) => d[3]),
      newDetails.map((d) => d[5]),
      newDetails.map((d) => d[6]),
      newDetails.map((d) => d[7]),
      newDetails.map((d) => d[8]),
      newDetails.map((d) => d[9]),
      newDetails.map((d) => d[10]),
      newDetails.map((d) => d[11]),
      newDetails.map((d) => d[12]),
      newDetails.map((d) => d[13] === 1),
    ]);
  }
  return { reports: fresh.size, policies: newPolicies.length, details: newDetails.length };
}

/** A database's source name unless one is given: this machine and the database's path on it. */
export function defaultSinkSource(databasePath: string): string {
  return `${hostname()}:${databasePath}`;
}
