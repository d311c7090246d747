import type {
  MxBreakdown,
  MxHostFailures,
  OverviewSummary,
  Reconciliation,
  ReportFilter,
  Summary,
} from '../../../shared/summary/types.js';
import { MISSING_RESULT_TYPE, failureRate } from '../../../shared/summary/types.js';
import { dateOfDay } from '../../../shared/report/datetime.js';
import { prepared, type ReadableDatabase } from './database.js';
import { filterClause } from './filter-sql.js';
import { dayRowsScope, rollupRows, rollupScope, type RollupTables } from './rollups.js';

export interface Totals {
  reports: number;
  senders: number;
  successful: number;
  failed: number;
  failedWithoutDetails: number;
  detailsBeyondTotal: number;
}

const RECONCILIATION_SUMS = `COALESCE(SUM(failed_without_details), 0) AS failedWithoutDetails,
  COALESCE(SUM(details_beyond_total), 0) AS detailsBeyondTotal`;

/** The same sums over counted policies (alias `p`), from their summaries and detail sums. */
const POLICY_RECONCILIATION_SUMS = `COALESCE(SUM(max(p.failed_sessions - p.detailed_failed_sessions, 0)), 0)
    AS failedWithoutDetails,
  COALESCE(SUM(max(p.detailed_failed_sessions - p.failed_sessions, 0)), 0) AS detailsBeyondTotal`;

/** Sums per sender: over every domain, or for one domain. */
const SENDER_TABLES: RollupTables = { everyDomain: 'rollup_senders', oneDomain: 'rollup_domain_senders' };
/** Failures per MX host and result type. */
const MX_TABLES: RollupTables = { everyDomain: 'rollup_mx', oneDomain: 'rollup_domain_mx' };
/** Failures per result type (per sender over every domain; per MX host for one). */
const RESULT_TYPE_TABLES: RollupTables = { everyDomain: 'rollup_sender_results', oneDomain: 'rollup_domain_mx' };

/** Reports, senders and sessions: the Overview's totals. */
export function summaryTotals(db: ReadableDatabase, filter: ReportFilter): Totals {
  const rollup = rollupRows(filter, SENDER_TABLES);
  if (rollup) {
    return prepared(
      db,
      `SELECT COALESCE(SUM(reports), 0) AS reports, COUNT(DISTINCT organization) AS senders,
           COALESCE(SUM(successful_sessions), 0) AS successful, COALESCE(SUM(failed_sessions), 0) AS failed,
           ${RECONCILIATION_SUMS}
         FROM ${rollup.from}`,
    ).get(rollup.params) as Totals;
  }
  const policies = filterClause(filter, 'p');
  if (filter.policyDomain == null) {
    // Every report counts, even one with an empty policies array.
    const where = filterClause(filter, 'r');
    const totals = prepared(
      db,
      `SELECT COUNT(*) AS reports, COUNT(DISTINCT r.organization_name) AS senders,
           COALESCE(SUM(r.successful_sessions), 0) AS successful, COALESCE(SUM(r.failed_sessions), 0) AS failed
         FROM reports r ${where.sql}`,
    ).get(where.params) as Omit<Totals, 'failedWithoutDetails' | 'detailsBeyondTotal'>;
    const reconciliation = prepared(db, `SELECT ${POLICY_RECONCILIATION_SUMS} FROM policies p ${policies.sql}`).get(
      policies.params,
    ) as Pick<Totals, 'failedWithoutDetails' | 'detailsBeyondTotal'>;
    return { ...totals, ...reconciliation };
  }
  return prepared(
    db,
    `SELECT COUNT(DISTINCT p.report_rowid) AS reports, COUNT(DISTINCT r.organization_name) AS senders,
         COALESCE(SUM(p.successful_sessions), 0) AS successful, COALESCE(SUM(p.failed_sessions), 0) AS failed,
         ${POLICY_RECONCILIATION_SUMS}
       FROM policies p JOIN reports r ON r.id = p.report_rowid ${policies.sql}`,
  ).get(policies.params) as Totals;
}

/** One sender's failed sessions and what its failure details leave unexplained. */
export function senderReconciliation(db: ReadableDatabase, filter: ReportFilter, organization: string): Reconciliation {
  const rollup = rollupRows(filter, SENDER_TABLES);
  if (rollup) {
    return prepared(
      db,
      `SELECT COALESCE(SUM(failed_sessions), 0) AS failedSessions, ${RECONCILIATION_SUMS}
         FROM ${rollup.from} WHERE organization = @organization`,
    ).get({ ...rollup.params, organization }) as Reconciliation;
  }
  const where = filterClause(filter, 'p');
  return prepared(
    db,
    `SELECT COALESCE(SUM(p.failed_sessions), 0) AS failedSessions, ${POLICY_RECONCILIATION_SUMS}
       FROM policies p JOIN reports r ON r.id = p.report_rowid
       ${where.sql === '' ? 'WHERE' : `${where.sql} AND`} r.organization_name = @organization`,
  ).get({ ...where.params, organization }) as Reconciliation;
}

/** The failed sessions of a filter and what the failure details leave unexplained. */
export function reconciliation(db: ReadableDatabase, filter: ReportFilter): Reconciliation {
  const totals = summaryTotals(db, filter);
  return {
    failedSessions: totals.failed,
    failedWithoutDetails: totals.failedWithoutDetails,
    detailsBeyondTotal: totals.detailsBeyondTotal,
  };
}

/** Per reporting organization. Reports without policies still count as reports. */
export function senderTotals(db: ReadableDatabase, filter: ReportFilter): Summary['bySender'] {
  type Row = Omit<Summary['bySender'][number], 'mainResultType' | 'failureRate'>;
  let rows: Row[];
  const rollup = rollupRows(filter, SENDER_TABLES);
  if (rollup) {
    rows = prepared(
      db,
      `SELECT organization, SUM(reports) AS reports, SUM(successful_sessions) AS successfulSessions,
           SUM(failed_sessions) AS failedSessions, MAX(last_start_time) AS lastReportTime
         FROM ${rollup.from}
         GROUP BY organization ORDER BY failedSessions DESC, organization`,
    ).all(rollup.params) as Row[];
  } else if (filter.policyDomain == null) {
    const where = filterClause(filter, 'r');
    rows = prepared(
      db,
      `SELECT r.organization_name AS organization, COUNT(*) AS reports,
           SUM(r.successful_sessions) AS successfulSessions, SUM(r.failed_sessions) AS failedSessions,
           MAX(r.start_time) AS lastReportTime
         FROM reports r ${where.sql}
         GROUP BY r.organization_name ORDER BY failedSessions DESC, organization`,
    ).all(where.params) as Row[];
  } else {
    const where = filterClause(filter, 'p');
    rows = prepared(
      db,
      `SELECT r.organization_name AS organization, COUNT(DISTINCT r.id) AS reports,
           SUM(p.successful_sessions) AS successfulSessions, SUM(p.failed_sessions) AS failedSessions,
           MAX(r.start_time) AS lastReportTime
         FROM policies p JOIN reports r ON r.id = p.report_rowid ${where.sql}
         GROUP BY r.organization_name ORDER BY failedSessions DESC, organization`,
    ).all(where.params) as Row[];
  }
  const main = mainResultTypeBySender(db, filter);
  return rows.map((row) => ({
    ...row,
    failureRate: failureRate(row.successfulSessions, row.failedSessions),
    mainResultType: main.get(row.organization) ?? null,
  }));
}

/** For each organization, the result type that failed most sessions (ties: alphabetical). */
function mainResultTypeBySender(db: ReadableDatabase, filter: ReportFilter): Map<string, string> {
  const scope = rollupScope(filter);
  let rows: { organization: string; resultType: string | null; failed: number }[];
  if (scope) {
    rows = prepared(
      db,
      `SELECT organization, NULLIF(result_type, '') AS resultType, SUM(failed_sessions) AS failed
         FROM ${scope.rows('rollup_sender_results')}
         GROUP BY organization, result_type
         ORDER BY failed DESC, resultType`,
    ).all(scope.params) as typeof rows;
  } else {
    const where = filterClause(filter, 'f');
    rows = prepared(
      db,
      `SELECT r.organization_name AS organization, f.result_type AS resultType, SUM(f.failed_sessions) AS failed
         FROM failure_details f JOIN reports r ON r.id = f.report_rowid ${where.sql}
         GROUP BY r.organization_name, f.result_type
         ORDER BY failed DESC, resultType`,
    ).all(where.params) as typeof rows;
  }
  const main = new Map<string, string>();
  for (const row of rows) {
    if (!main.has(row.organization) && row.failed > 0)
      main.set(row.organization, row.resultType ?? MISSING_RESULT_TYPE);
  }
  return main;
}

/** A row of failed sessions per MX host and result type, with the first and last day (UTC day numbers). */
export interface MxResultRow {
  mx: string | null;
  resultType: string | null;
  failed: number;
  firstDay: number;
  lastDay: number;
}

/** Failed sessions per receiving MX host and result type, from the failure details, and since when. */
export function mxHostFailures(db: ReadableDatabase, filter: ReportFilter): MxHostFailures[] {
  return groupFailuresByMxWithDays(mxResultRows(db, filter));
}

/** The rows behind {@link mxHostFailures}: one per MX host and result type. */
export function mxResultRows(db: ReadableDatabase, filter: ReportFilter): MxResultRow[] {
  const rollup = rollupRows(filter, MX_TABLES);
  if (rollup) {
    // Rows as arrays, made objects here: better-sqlite3 builds an object a row through V8's slow path, 10 of
    // the 45 ms for the 10,000 rows of the last 30 days at a million reports.
    const rows = prepared(
      db,
      `SELECT NULLIF(receiving_mx_hostname, ''), NULLIF(result_type, ''), SUM(failed_sessions), MIN(first_day),
           MAX(last_day)
         FROM ${rollup.from}
         GROUP BY receiving_mx_hostname, result_type`,
    )
      .raw()
      .all(rollup.params) as [string | null, string | null, number, number, number][];
    return rows.map(([mx, resultType, failed, firstDay, lastDay]) => ({ mx, resultType, failed, firstDay, lastDay }));
  }
  const where = filterClause(filter, 'f');
  return prepared(
    db,
    `SELECT f.receiving_mx_hostname AS mx, f.result_type AS resultType, SUM(f.failed_sessions) AS failed,
         ${DAY_OF('MIN(f.start_time)')} AS firstDay, ${DAY_OF('MAX(f.start_time)')} AS lastDay
       FROM failure_details f ${where.sql}
       GROUP BY f.receiving_mx_hostname, f.result_type`,
  ).all(where.params) as MxResultRow[];
}

/** The UTC day number of a time in seconds, in SQL, rounding down also before 1970. */
export const DAY_OF = (seconds: string): string => `((${seconds} - (((${seconds}) % 86400) + 86400) % 86400) / 86400)`;

/** Folds (MX host, result type) rows into the MX hosts list: per host, its result types and since when. */
export function groupFailuresByMxWithDays(rows: readonly MxResultRow[]): MxHostFailures[] {
  const byMx = new Map<string | null, { host: MxBreakdown; first: number; last: number }>();
  for (const row of rows) {
    const entry = byMx.get(row.mx);
    if (entry) {
      addToHost(entry.host, row);
      entry.first = Math.min(entry.first, row.firstDay);
      entry.last = Math.max(entry.last, row.lastDay);
    } else {
      const host = { mx: row.mx, failedSessions: 0, byResultType: {} };
      addToHost(host, row);
      byMx.set(row.mx, { host, first: row.firstDay, last: row.lastDay });
    }
  }
  return [...byMx.values()]
    .map(({ host, first, last }) => ({ ...host, firstSeen: dateOfDay(first), lastSeen: dateOfDay(last) }))
    .sort(mostFailedHostFirst);
}

/** Folds (MX host, result type, failed) rows into one entry per host, most failures first. */
export function groupFailuresByMx(
  rows: readonly { mx: string | null; resultType: string | null; failed: number }[],
): MxBreakdown[] {
  const byMx = new Map<string | null, MxBreakdown>();
  for (const row of rows) {
    let host = byMx.get(row.mx);
    if (!host) {
      host = { mx: row.mx, failedSessions: 0, byResultType: {} };
      byMx.set(row.mx, host);
    }
    addToHost(host, row);
  }
  return [...byMx.values()].sort(mostFailedHostFirst);
}

function addToHost(host: MxBreakdown, row: { resultType: string | null; failed: number }): void {
  host.failedSessions += row.failed;
  const type = row.resultType ?? MISSING_RESULT_TYPE;
  host.byResultType[type] = (host.byResultType[type] ?? 0) + row.failed;
}

/** Most failed sessions first; ties by host name, the failures that named no host last. */
function mostFailedHostFirst(a: MxBreakdown, b: MxBreakdown): number {
  return b.failedSessions - a.failedSessions || (a.mx ?? '\uffff').localeCompare(b.mx ?? '\uffff');
}

/** Failed sessions per result type, from the failure details. */
export function resultTypeFailures(db: ReadableDatabase, filter: ReportFilter): Summary['byResultType'] {
  const rollup = rollupRows(filter, RESULT_TYPE_TABLES);
  const where = filterClause(filter, 'f');
  const rows = (
    rollup
      ? prepared(
          db,
          `SELECT NULLIF(result_type, '') AS resultType, SUM(failed_sessions) AS failed
             FROM ${rollup.from}
             GROUP BY result_type ORDER BY failed DESC, resultType`,
        ).all(rollup.params)
      : prepared(
          db,
          `SELECT f.result_type AS resultType, SUM(f.failed_sessions) AS failed
             FROM failure_details f ${where.sql}
             GROUP BY f.result_type ORDER BY failed DESC, resultType`,
        ).all(where.params)
  ) as { resultType: string | null; failed: number }[];
  const result: Record<string, number> = {};
  for (const row of rows) {
    const type = row.resultType ?? MISSING_RESULT_TYPE;
    result[type] = (result[type] ?? 0) + row.failed;
  }
  return result;
}

/** Sessions per policy domain, from the policy summaries. */
export function sessionsByPolicyDomain(db: ReadableDatabase, filter: ReportFilter): Summary['byDomain'] {
  type Row = Omit<Summary['byDomain'][number], 'failureRate'>;
  const withRate = (rows: Row[]): Summary['byDomain'] =>
    rows.map((row) => ({ ...row, failureRate: failureRate(row.successfulSessions, row.failedSessions) }));
  const scope = rollupScope(filter);
  if (scope) {
    return withRate(
      prepared(
        db,
        `SELECT NULLIF(policy_domain, '') AS domain, SUM(successful_sessions) AS successfulSessions,
           SUM(failed_sessions) AS failedSessions
         FROM ${scope.rows('rollup_domains')}
         GROUP BY policy_domain ORDER BY failedSessions DESC, domain`,
      ).all(scope.params) as Row[],
    );
  }
  const where = filterClause(filter, 'p');
  return withRate(
    prepared(
      db,
      `SELECT p.policy_domain AS domain, SUM(p.successful_sessions) AS successfulSessions,
         SUM(p.failed_sessions) AS failedSessions
       FROM policies p ${where.sql}
       GROUP BY p.policy_domain ORDER BY failedSessions DESC, domain`,
    ).all(where.params) as Row[],
  );
}

/** Sessions per UTC day of the reports' start. */
export function sessionsByDay(db: ReadableDatabase, filter: ReportFilter): Summary['byDay'] {
  const domainScope = dayRowsScope(filter, { byDomain: true });
  if (filter.policyDomain != null && domainScope) {
    return prepared(
      db,
      `SELECT date(day * 86400, 'unixepoch') AS day, SUM(successful_sessions) AS successfulSessions,
           SUM(failed_sessions) AS failedSessions
         FROM ${domainScope.rows('rollup_domain_senders')}
         GROUP BY rollup_domain_senders.day ORDER BY rollup_domain_senders.day`,
    ).all(domainScope.params) as Summary['byDay'];
  }
  const scope = dayRowsScope(filter);
  if (scope) {
    return prepared(
      db,
      `SELECT date(day * 86400, 'unixepoch') AS day, SUM(successful_sessions) AS successfulSessions,
           SUM(failed_sessions) AS failedSessions
         FROM ${scope.rows('rollup_senders')}
         GROUP BY rollup_senders.day HAVING SUM(policies) > 0 ORDER BY rollup_senders.day`,
    ).all(scope.params) as Summary['byDay'];
  }
  const where = filterClause(filter, 'p');
  return prepared(
    db,
    `SELECT date(p.start_time, 'unixepoch') AS day, SUM(p.successful_sessions) AS successfulSessions,
         SUM(p.failed_sessions) AS failedSessions
       FROM policies p ${where.sql}
       GROUP BY day ORDER BY day`,
  ).all(where.params) as Summary['byDay'];
}

/** The Overview: totals, sessions per day, failures per result type. */
export function overview(db: ReadableDatabase, filter: ReportFilter = {}): OverviewSummary {
  const total = summaryTotals(db, filter);
  return {
    reports: total.reports,
    successfulSessions: total.successful,
    failedSessions: total.failed,
    failedWithoutDetails: total.failedWithoutDetails,
    detailsBeyondTotal: total.detailsBeyondTotal,
    failureRate: failureRate(total.successful, total.failed),
    senders: total.senders,
    byResultType: resultTypeFailures(db, filter),
    byDay: sessionsByDay(db, filter),
  };
}

export function summarize(db: ReadableDatabase, filter: ReportFilter = {}): Summary {
  return {
    ...overview(db, filter),
    bySender: senderTotals(db, filter),
    byMx: mxHostFailures(db, filter),
    byDomain: sessionsByPolicyDomain(db, filter),
  };
}
