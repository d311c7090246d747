import { gunzipSync } from 'node:zlib';
import type {
  FailurePage,
  FailureQuery,
  FailureRow,
  FailureSortColumn,
  FilterOptions,
  ReportDetail,
  ReportRow,
  ReportSortColumn,
  SenderBreakdown,
} from '../../../shared/api/contract.js';
import type { ReportWarning } from '../../../shared/report/types.js';
import type { ReportFilter } from '../../../shared/summary/types.js';
import type { ReadableDatabase } from './database.js';
import { failureClause, filterClause } from './filter-sql.js';
import { ALL_TIME_ROWS, rollupScope } from './rollups.js';
import { groupFailuresByMx, reconciliation, senderReconciliation } from './summary-queries.js';

/** The queries behind the UI's drill-downs: lists, pages and single reports. */

export interface Sort<Column extends string> {
  column: Column;
  direction: 'asc' | 'desc';
}

/** Values the UI offers in its filters. */
export function filterOptions(db: ReadableDatabase): FilterOptions {
  // Each query leaves NULL out itself.
  const column = (sql: string): string[] => db.prepare(sql).pluck().all() as string[];
  const range = db.prepare('SELECT MIN(start_time) AS first, MAX(start_time) AS last FROM reports').get() as {
    first: number | null;
    last: number | null;
  };
  // The all-time rollup rows name every value once.
  return {
    domains: column(
      `SELECT DISTINCT policy_domain FROM rollup_domains WHERE ${ALL_TIME_ROWS} AND policy_domain <> '' ORDER BY 1`,
    ),
    organizations: column(`SELECT organization FROM rollup_senders WHERE ${ALL_TIME_ROWS} ORDER BY 1`),
    resultTypes: column(
      `SELECT DISTINCT result_type FROM rollup_sender_results WHERE ${ALL_TIME_ROWS} AND result_type <> '' ORDER BY 1`,
    ),
    policyTypes: column(
      `SELECT DISTINCT policy_type FROM rollup_domains WHERE ${ALL_TIME_ROWS} AND policy_type <> '' ORDER BY 1`,
    ),
    firstReportTime: range.first,
    lastReportTime: range.last,
  };
}

/** One sender's failures by MX host and result type. */
export function senderBreakdown(db: ReadableDatabase, filter: ReportFilter, organization: string): SenderBreakdown {
  const scope = rollupScope(filter);
  const where = failureClause({ filter, organization });
  const rows = (
    scope
      ? db
          .prepare(
            `SELECT NULLIF(receiving_mx_hostname, '') AS mx, NULLIF(result_type, '') AS resultType,
               SUM(failed_sessions) AS failed
             FROM ${scope.rows('rollup_sender_mx')} WHERE organization = @organization
             GROUP BY receiving_mx_hostname, result_type`,
          )
          .all({ ...scope.params, organization })
      : db
          .prepare(
            `SELECT f.receiving_mx_hostname AS mx, f.result_type AS resultType, SUM(f.failed_sessions) AS failed
             FROM failure_details f JOIN reports r ON r.id = f.report_rowid ${where.sql}
             GROUP BY f.receiving_mx_hostname, f.result_type`,
          )
          .all(where.params)
  ) as { mx: string | null; resultType: string | null; failed: number }[];
  const byMx = groupFailuresByMx(rows);
  const byResultType: Record<string, number> = {};
  for (const entry of byMx) {
    for (const [type, count] of Object.entries(entry.byResultType))
      byResultType[type] = (byResultType[type] ?? 0) + count;
  }
  return { organization, byMx, byResultType, ...senderReconciliation(db, filter, organization) };
}

const FAILURE_SORT_SQL: Record<FailureSortColumn, string> = {
  startTime: 'f.start_time',
  organization: 'r.organization_name',
  policyDomain: 'f.policy_domain',
  policyType: 'p.policy_type',
  resultType: 'f.result_type',
  receivingMxHostname: 'f.receiving_mx_hostname',
  sendingMtaIp: 'f.sending_mta_ip',
  receivingIp: 'f.receiving_ip',
  failedSessions: 'f.failed_sessions',
};

const FAILURE_COLUMNS = `f.id AS id, f.report_rowid AS reportRowId, f.start_time AS startTime,
  r.organization_name AS organization, f.policy_domain AS policyDomain, p.policy_type AS policyType,
  f.result_type AS resultType, f.sending_mta_ip AS sendingMtaIp, f.receiving_mx_hostname AS receivingMxHostname,
  f.receiving_mx_helo AS receivingMxHelo, f.receiving_ip AS receivingIp, f.failed_sessions AS failedSessions,
  f.additional_information AS additionalInformation, f.failure_reason_code AS failureReasonCode`;

const FAILURE_FROM = `FROM failure_details f
  JOIN reports r ON r.id = f.report_rowid
  JOIN policies p ON p.id = f.policy_rowid`;

/**
 * failure_details with just the joins a query reads. Every failure detail has
 * its report and policy (NOT NULL foreign keys, enforced), so leaving a join
 * out selects the same rows.
 */
function failureFrom(readsReport: boolean, readsPolicy: boolean): string {
  return [
    'FROM failure_details f',
    ...(readsReport ? ['JOIN reports r ON r.id = f.report_rowid'] : []),
    ...(readsPolicy ? ['JOIN policies p ON p.id = f.policy_rowid'] : []),
  ].join(' ');
}

const DEFAULT_FAILURE_SORT: Sort<FailureSortColumn> = { column: 'startTime', direction: 'desc' };

/** The order of the failure list: the sort column, then the id, both one way, so every row has one place. */
function failureOrder(sort: Sort<FailureSortColumn> | undefined): string {
  const chosen = sort ?? DEFAULT_FAILURE_SORT;
  const direction = chosen.direction === 'asc' ? 'ASC' : 'DESC';
  return `ORDER BY ${FAILURE_SORT_SQL[chosen.column]} ${direction}, f.id ${direction}`;
}

/** How many failure details a query selects, and their failed sessions. */
interface FailureCount {
  total: number;
  failedSessions: number;
}

/** How many failure details a query selects, from the rollups; null when they cannot tell. */
function countFromRollups(db: ReadableDatabase, query: FailureQuery): FailureCount | null {
  const byDomain = query.filter.policyDomain != null;
  // One domain's rollups know no senders.
  if (byDomain && query.organization !== undefined) return null;
  const scope = rollupScope(query.filter, { byDomain });
  // The rollups know no policy types and no IPs.
  if (!scope || query.policyType !== undefined || query.sendingIp !== undefined || query.receivingIp !== undefined) {
    return null;
  }
  const conditions: string[] = [];
  const params: Record<string, unknown> = { ...scope.params };
  const equal = (column: string, value: string | null | undefined): void => {
    if (value === undefined) return;
    conditions.push(`${column} = @${column}`);
    params[column] = value ?? '';
  };
  equal('organization', query.organization);
  equal('receiving_mx_hostname', query.mx);
  equal('result_type', query.resultType);
  const table = byDomain ? 'rollup_domain_mx' : query.organization === undefined ? 'rollup_mx' : 'rollup_sender_mx';
  return db
    .prepare(
      `SELECT COALESCE(SUM(failure_details), 0) AS total, COALESCE(SUM(failed_sessions), 0) AS failedSessions
       FROM ${scope.rows(table)}
       ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}`,
    )
    .get(params) as FailureCount;
}

/**
 * The ids of one page of failure details, in the start-time order, for a query
 * that filters only by time and policy domain: the index on (start_time,
 * policy_domain) covers it. Skipping `offset` rows of that index is quick,
 * but ordering the skipped rows by id within each start time is not; so the
 * start time of the page's first row is found first, and only the rows from
 * that start time on are put in order, skipping the ones before it in the
 * same start time. Selects `id`; reads @offset and @limit.
 */
function startTimePageIds(filter: ReportFilter, direction: 'ASC' | 'DESC'): string {
  const whole = filterClause(filter, 'f').sql;
  // The page's side of the bound implies the filter's bound on that side, and
  // the skipped rows' side the other; leaving those out keeps one range per scan.
  const pageSide = filterClause(
    direction === 'DESC' ? { ...filter, toTime: null } : { ...filter, fromTime: null },
    'f',
  );
  const skippedSide = filterClause(
    direction === 'DESC' ? { ...filter, fromTime: null } : { ...filter, toTime: null },
    'f',
  );
  const and = (clause: string, condition: string): string =>
    clause === '' ? `WHERE ${condition}` : `${clause} AND ${condition}`;
  const bound = '(SELECT start_time FROM page_bound)';
  const [fromBound, beforeBound] = direction === 'DESC' ? ['<=', '>'] : ['>=', '<'];
  return `WITH page_bound(start_time) AS MATERIALIZED (
      SELECT f.start_time FROM failure_details f ${whole} ORDER BY f.start_time ${direction} LIMIT 1 OFFSET @offset)
    SELECT f.id AS id FROM failure_details f ${and(pageSide.sql, `f.start_time ${fromBound} ${bound}`)}
    ORDER BY f.start_time ${direction}, f.id ${direction}
    LIMIT @limit OFFSET @offset - (SELECT COUNT(*) FROM failure_details f
      ${and(skippedSide.sql, `f.start_time ${beforeBound} ${bound}`)})`;
}

/**
 * One page of failure details, with the total for the query. A deferred join:
 * the page's ids are picked and skipped over failure_details alone (or with
 * just the joins the filter and the sort read), then only those ids are
 * joined to their report and policy for the columns.
 */
export function failurePage(
  db: ReadableDatabase,
  query: FailureQuery,
  sort: Sort<FailureSortColumn> | undefined,
  offset: number,
  limit: number,
): FailurePage {
  const where = failureClause(query);
  const { total, failedSessions } =
    countFromRollups(db, query) ??
    (db
      .prepare(
        `SELECT COUNT(*) AS total, COALESCE(SUM(f.failed_sessions), 0) AS failedSessions
         ${failureFrom(where.readsReport, where.readsPolicy)} ${where.sql}`,
      )
      .get(where.params) as FailureCount);
  const chosen = sort ?? DEFAULT_FAILURE_SORT;
  const direction = chosen.direction === 'asc' ? 'ASC' : 'DESC';
  const order = failureOrder(chosen);
  const ids =
    chosen.column === 'startTime' && where.filterOnly
      ? startTimePageIds(query.filter, direction)
      : `SELECT f.id AS id
         ${failureFrom(where.readsReport || chosen.column === 'organization', where.readsPolicy || chosen.column === 'policyType')}
         ${where.sql} ${order} LIMIT @limit OFFSET @offset`;
  // CROSS JOIN keeps the page's ids the outer loop: the order is then put on those rows alone.
  const rows = db
    .prepare(
      `SELECT ${FAILURE_COLUMNS}
       FROM (${ids}) AS page
       CROSS JOIN failure_details f ON f.id = page.id
       JOIN reports r ON r.id = f.report_rowid
       JOIN policies p ON p.id = f.policy_rowid
       ${order}`,
    )
    .all({ ...where.params, limit, offset }) as FailureRow[];
  return { total, failedSessions, rows, ...failureReconciliation(db, query) };
}

/**
 * What the senders' summaries say beside a failure query: the failed sessions
 * no detail explains, for a query that narrows only by what a summary knows
 * (time, domain, sender); null for one that names an MX host, a result type
 * or a policy type, which summaries cannot be split by.
 */
function failureReconciliation(
  db: ReadableDatabase,
  query: FailureQuery,
): Pick<FailurePage, 'failedWithoutDetails' | 'detailsBeyondTotal'> {
  if (
    query.mx !== undefined ||
    query.resultType !== undefined ||
    query.policyType !== undefined ||
    query.sendingIp !== undefined ||
    query.receivingIp !== undefined
  ) {
    return { failedWithoutDetails: null, detailsBeyondTotal: null };
  }
  const counts =
    query.organization === undefined
      ? reconciliation(db, query.filter)
      : senderReconciliation(db, query.filter, query.organization);
  return { failedWithoutDetails: counts.failedWithoutDetails, detailsBeyondTotal: counts.detailsBeyondTotal };
}

/** Every failure detail of a query, in order, one at a time (for CSV export). */
export function* iterateFailures(
  db: ReadableDatabase,
  query: FailureQuery,
  sort: Sort<FailureSortColumn> | undefined,
): Generator<FailureRow> {
  const where = failureClause(query);
  yield* db
    .prepare(`SELECT ${FAILURE_COLUMNS} ${FAILURE_FROM} ${where.sql} ${failureOrder(sort)}`)
    .iterate(where.params) as IterableIterator<FailureRow>;
}

const REPORT_SORT_SQL: Record<ReportSortColumn, string> = {
  startTime: 'r.start_time',
  organization: 'r.organization_name',
  failedSessions: 'r.failed_sessions',
  successfulSessions: 'r.successful_sessions',
};

/** A ReportRow as SQLite returns it: the policy domains still a JSON array. */
type ReportRowSql = Omit<ReportRow, 'policyDomains'> & { policyDomains: string };

const REPORT_COLUMNS = `r.id AS id, r.organization_name AS organization, r.report_id AS reportId,
  r.start_time AS startTime, r.end_time AS endTime, r.successful_sessions AS successfulSessions,
  r.failed_sessions AS failedSessions, json_array_length(r.warnings_json) AS warnings,
  (SELECT json_group_array(DISTINCT p.policy_domain) FROM policies p
     WHERE p.report_rowid = r.id AND p.policy_domain IS NOT NULL) AS policyDomains`;

function reportRow(row: ReportRowSql): ReportRow {
  return { ...row, policyDomains: JSON.parse(row.policyDomains) as string[] };
}

/** One page of the report list. With a policy domain, the reports that have a policy for it. */
export function reportPage(
  db: ReadableDatabase,
  filter: ReportFilter,
  organization: string | undefined,
  sort: Sort<ReportSortColumn> | undefined,
  offset: number,
  limit: number,
): { total: number; rows: ReportRow[] } {
  const where = filterClause({ fromTime: filter.fromTime ?? null, toTime: filter.toTime ?? null }, 'r');
  const conditions = where.sql === '' ? [] : [where.sql.slice('WHERE '.length)];
  const params: Record<string, unknown> = { ...where.params };
  if (filter.policyDomain != null) {
    conditions.push(
      'EXISTS (SELECT 1 FROM policies p WHERE p.report_rowid = r.id AND p.policy_domain = @policyDomain)',
    );
    params['policyDomain'] = filter.policyDomain;
  }
  if (organization !== undefined) {
    conditions.push('r.organization_name = @organization');
    params['organization'] = organization;
  }
  const whereSql = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const chosen = sort ?? { column: 'startTime', direction: 'desc' };
  const direction = chosen.direction === 'asc' ? 'ASC' : 'DESC';
  const total = db.prepare(`SELECT COUNT(*) FROM reports r ${whereSql}`).pluck().get(params) as number;
  const rows = db
    .prepare(
      `SELECT ${REPORT_COLUMNS} FROM reports r ${whereSql}
       ORDER BY ${REPORT_SORT_SQL[chosen.column]} ${direction}, r.id ${direction} LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit, offset }) as ReportRowSql[];
  return { total, rows: rows.map(reportRow) };
}

/** Everything stored about one report; null when there is no such report. */
export function reportDetail(db: ReadableDatabase, id: number): ReportDetail | null {
  const row = db
    .prepare(
      `SELECT ${REPORT_COLUMNS}, r.contact_info AS contactInfo, r.source_kind AS sourceKind, r.source_ref AS sourceRef,
         r.received_at AS receivedAt, r.imported_at AS importedAt, r.warnings_json AS warningsJson, r.raw_gzip AS rawGzip
       FROM reports r WHERE r.id = ?`,
    )
    .get(id) as
    | (ReportRowSql &
        Pick<ReportDetail, 'contactInfo' | 'sourceKind' | 'sourceRef' | 'receivedAt' | 'importedAt'> & {
          warningsJson: string;
          rawGzip: Buffer;
        })
    | undefined;
  if (!row) return null;
  const policies = db
    .prepare(
      `SELECT id, policy_type AS policyType, policy_domain AS policyDomain, policy_strings_json AS policyStrings,
         mx_hosts_json AS mxHosts, successful_sessions AS successfulSessions, failed_sessions AS failedSessions
       FROM policies WHERE report_rowid = ? ORDER BY position`,
    )
    .all(id) as {
    id: number;
    policyType: string | null;
    policyDomain: string | null;
    policyStrings: string | null;
    mxHosts: string;
    successfulSessions: number;
    failedSessions: number;
  }[];
  const details = db.prepare(
    `SELECT id, result_type AS resultType, sending_mta_ip AS sendingMtaIp, receiving_mx_hostname AS receivingMxHostname,
       receiving_mx_helo AS receivingMxHelo, receiving_ip AS receivingIp, failed_sessions AS failedSessions,
       additional_information AS additionalInformation, failure_reason_code AS failureReasonCode
     FROM failure_details WHERE report_rowid = ? AND policy_rowid = ? ORDER BY id`,
  );
  const { warningsJson, rawGzip, ...rest } = row;
  return {
    ...reportRow(rest),
    contactInfo: rest.contactInfo,
    sourceKind: rest.sourceKind,
    sourceRef: rest.sourceRef,
    receivedAt: rest.receivedAt,
    importedAt: rest.importedAt,
    warningList: JSON.parse(warningsJson) as ReportWarning[],
    policies: policies.map((policy) => ({
      policyType: policy.policyType,
      policyDomain: policy.policyDomain,
      policyStrings: policy.policyStrings === null ? null : (JSON.parse(policy.policyStrings) as string[]),
      mxHosts: JSON.parse(policy.mxHosts) as string[],
      successfulSessions: policy.successfulSessions,
      failedSessions: policy.failedSessions,
      failureDetails: details.all(id, policy.id) as ReportDetail['policies'][number]['failureDetails'],
    })),
    rawJson: gunzipSync(rawGzip).toString('utf8'),
  };
}
