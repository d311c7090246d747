import type { Statement, Transaction } from 'better-sqlite3';
import type { ReportSourceKind, ReportWarning, TlsRptReport } from '../../../shared/report/types.js';
import type { WritableDatabase } from './database.js';
import { countReport, type ReportCounting } from '../../../shared/summary/session-counting.js';
import { assertWritable, noteDatabaseFailure } from './database-problems.js';
import { RollupWriter } from './rollup-writer.js';

/** What a report adds to the largest totals the views add up. */
function sessionsOf(counting: ReportCounting): number {
  return counting.successfulSessions + counting.failedSessions + counting.detailsBeyondTotal;
}

/** A parsed report with everything the store keeps beside it. */
export interface ReportToStore {
  report: TlsRptReport & { reportId: string };
  warnings: ReportWarning[];
  source: { kind: ReportSourceKind; ref: string };
  /** Date of the carrying e-mail, UTC seconds. */
  receivedAt: number | null;
  /** The report document as sent, gzip-compressed. */
  rawGzip: Uint8Array;
  /** SHA-256 of the normalized report: equal for the same report however it was formatted or wrapped. */
  contentSha256: string;
}

export type StoreOutcome =
  | { status: 'imported'; rowId: number }
  /** The report could not be written (its savepoint was rolled back, nothing of it is stored). */
  | { status: 'failed'; error: string }
  /** `sameContent` is false when the stored report with this id has other bytes (a re-sent, corrected report). */
  | { status: 'duplicate'; rowId: number; sameContent: boolean };

/**
 * Writes reports, each one whole or not at all, and keeps the rollups in
 * step with them. Statements are prepared once per database handle.
 */
export class ReportWriter {
  private readonly insertReport: Statement;
  private readonly insertPolicy: Statement;
  private readonly insertFailureDetail: Statement;
  private readonly findReport: Statement<[string, string], { id: number; content_sha256: string }>;
  private readonly rollups: RollupWriter;
  /** The sessions of every stored report (successful, failed, and details beyond), as of the open batch. */
  private readonly storedSessions: Statement;
  private sessionTotal = 0;
  /** Built once: better-sqlite3 wraps a function for each transaction() call, which is costly per report. */
  private readonly storeTransaction: Transaction<
    (item: ReportToStore, counting: ReportCounting, importedAt: number) => StoreOutcome
  >;
  private readonly batchTransaction: Transaction<
    (items: readonly ReportToStore[], importedAt: number) => StoreOutcome[]
  >;
  private readonly reportByReportTransaction: Transaction<
    (items: readonly ReportToStore[], importedAt: number) => StoreOutcome[]
  >;

  constructor(private readonly db: WritableDatabase) {
    // Positional parameters: binding by name costs about twice as much per row.
    this.insertReport = db.prepare(`
      INSERT INTO reports (organization_name, report_id, start_time, end_time, contact_info,
        successful_sessions, failed_sessions, source_kind, source_ref, received_at, imported_at,
        warnings_json, raw_gzip, content_sha256)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (organization_name, report_id) DO NOTHING`);
    this.insertPolicy = db.prepare(`
      INSERT INTO policies (report_rowid, position, start_time, policy_type, policy_domain,
        policy_strings_json, mx_hosts_json, successful_sessions, failed_sessions, counted, detailed_failed_sessions)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertFailureDetail = db.prepare(`
      INSERT INTO failure_details (policy_rowid, report_rowid, start_time, policy_domain, result_type,
        sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip, failed_sessions,
        additional_information, failure_reason_code, counted)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.findReport = db.prepare(
      'SELECT id, content_sha256 FROM reports WHERE organization_name = ? AND report_id = ?',
    );
    this.rollups = new RollupWriter(db);
    this.storedSessions = db.prepare(
      `SELECT ifnull(SUM(successful_sessions + failed_sessions + details_beyond_total), 0) FROM rollup_senders
       WHERE span = 0 AND day = 0`,
    );
    // The usual case: every report of the batch written in one transaction, nothing else.
    this.batchTransaction = db.transaction((items: readonly ReportToStore[], importedAt: number) => {
      this.sessionTotal = this.storedSessions.pluck().get() as number;
      const start = this.rollups.batchStart();
      const outcomes = items.map((item) => this.storeAndCount(item, importedAt));
      this.rollups.addBatch(start);
      return outcomes;
    });
    // When a write fails, the batch is rolled back and written again with each report in a
    // savepoint (its own transaction inside the batch's): a report that fails is rolled back
    // whole, with its share of the rollups, and the others are kept.
    this.storeTransaction = db.transaction((item: ReportToStore, counting: ReportCounting, importedAt: number) =>
      this.storeInOpenTransaction(item, counting, importedAt),
    );
    this.reportByReportTransaction = db.transaction((items: readonly ReportToStore[], importedAt: number) => {
      this.sessionTotal = this.storedSessions.pluck().get() as number;
      const start = this.rollups.batchStart();
      const outcomes = items.map((item): StoreOutcome => {
        try {
          const counting = countReport(item.report.policies);
          const outcome = this.storeTransaction(item, counting, importedAt);
          if (outcome.status === 'imported') this.counted(counting);
          return outcome;
        } catch (error) {
          return { status: 'failed', error: error instanceof Error ? error.message : String(error) };
        }
      });
      this.rollups.addBatch(start);
      return outcomes;
    });
  }

  /** Stores one report in one transaction; a report already stored is left as it is. */
  store(item: ReportToStore, importedAt = Math.floor(Date.now() / 1000)): StoreOutcome {
    return this.storeMany([item], importedAt)[0] ?? { status: 'failed', error: 'nothing stored' };
  }

  /**
   * Stores reports in one transaction, each whole or not at all: one commit
   * for many small reports is what makes a large import fast, and a crash
   * still leaves only whole reports. A report that cannot be written costs
   * its batch a second, slower try; it never costs the other reports.
   */
  storeMany(items: readonly ReportToStore[], importedAt = Math.floor(Date.now() / 1000)): StoreOutcome[] {
    if (items.length === 0) return [];
    // A damaged file is never written to: checked once per handle, and again whenever SQLite says so.
    assertWritable(this.db);
    try {
      return this.batchTransaction.immediate(items, importedAt);
    } catch (error) {
      const problem = noteDatabaseFailure(this.db, error);
      if (problem?.kind === 'damaged' || problem?.kind === 'not-a-database') throw problem;
    }
    try {
      return this.reportByReportTransaction.immediate(items, importedAt);
    } catch (error) {
      // The whole batch was rolled back (the disk is full, the file went read-only…).
      const message = error instanceof Error ? error.message : String(error);
      return items.map(() => ({ status: 'failed', error: message }));
    }
  }

  /**
   * Stores a report; the rollups add up its rows with the batch's. Its
   * counting (which policies count, what their details add up to) is worked
   * out here, once, and stored on its rows.
   */
  private storeAndCount(item: ReportToStore, importedAt: number): StoreOutcome {
    const counting = countReport(item.report.policies);
    const outcome = this.storeInOpenTransaction(item, counting, importedAt);
    if (outcome.status === 'imported') this.counted(counting);
    return outcome;
  }

  private counted(counting: ReportCounting): void {
    this.sessionTotal += sessionsOf(counting);
  }

  private storeInOpenTransaction(item: ReportToStore, counting: ReportCounting, importedAt: number): StoreOutcome {
    const { report } = item;
    // Totals are added up in SQLite's 64-bit integers but read as JavaScript numbers, exact only up
    // to 2^53 − 1: a report that would take them past it is refused rather than summed wrongly.
    if (this.sessionTotal + sessionsOf(counting) > Number.MAX_SAFE_INTEGER) {
      return {
        status: 'failed',
        error:
          `its ${sessionsOf(counting).toLocaleString('en-US')} sessions would take the stored totals past ` +
          '2^53 − 1, beyond which they cannot be added up exactly',
      };
    }
    const inserted = this.insertReport.run(
      report.organizationName,
      report.reportId,
      report.startTime,
      report.endTime,
      report.contactInfo,
      counting.successfulSessions,
      counting.failedSessions,
      item.source.kind,
      item.source.ref,
      item.receivedAt,
      importedAt,
      JSON.stringify(item.warnings),
      Buffer.from(item.rawGzip.buffer, item.rawGzip.byteOffset, item.rawGzip.byteLength),
      item.contentSha256,
    );
    if (inserted.changes === 0) {
      const existing = this.findReport.get(report.organizationName, report.reportId);
      if (!existing) throw new Error('report conflicted on insert but cannot be found');
      return { status: 'duplicate', rowId: existing.id, sameContent: existing.content_sha256 === item.contentSha256 };
    }
    const reportRowId = Number(inserted.lastInsertRowid);
    report.policies.forEach((policy, position) => {
      const counted = counting.counted[position] === true ? 1 : 0;
      const policyRowId = Number(
        this.insertPolicy.run(
          reportRowId,
          position,
          report.startTime,
          policy.policyType,
          policy.policyDomain,
          policy.policyStrings === null ? null : JSON.stringify(policy.policyStrings),
          JSON.stringify(policy.mxHosts),
          policy.successfulSessions,
          policy.failedSessions,
          counted,
          counting.detailed[position] ?? 0,
        ).lastInsertRowid,
      );
      for (const detail of policy.failureDetails) {
        this.insertFailureDetail.run(
          policyRowId,
          reportRowId,
          report.startTime,
          policy.policyDomain,
          detail.resultType,
          detail.sendingMtaIp,
          detail.receivingMxHostname,
          detail.receivingMxHelo,
          detail.receivingIp,
          detail.failedSessions,
          detail.additionalInformation,
          detail.failureReasonCode,
          counted,
        );
      }
    });
    return { status: 'imported', rowId: reportRowId };
  }
}
