// The Failures list: one page of failure details in any order, its counts, and
// every row of a query for the CSV export.
import type { FailurePage, FailureQuery, FailureRow, FailureSortColumn, Sort } from '../../../shared/api/contract.js';
import type { ReportFilter } from '../../../shared/summary/types.js';
import { prepared, statementToIterate, type ReadableDatabase } from './database.js';
import { failureClause, filterClause } from './filter-sql.js';
import { rollupScope } from './rollups.js';
import { reconciliation, senderReconciliation } from './summary-queries.js';

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
  // The rollups know no policy types, no IPs, no single reports, and hosts only by their whole name.
  if (
    !scope ||
    query.policyType !== undefined ||
    query.sendingIp !== undefined ||
    query.receivingIp !== undefined ||
    query.mxSearch !== undefined ||
    query.report !== undefined
  ) {
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
  return prepared(
    db,
    `SELECT COALESCE(SUM(failure_details), 0) AS total, COALESCE(SUM(failed_sessions), 0) AS failedSessions
       FROM ${scope.rows(table)}
       ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}`,
  ).get(params) as FailureCount;
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
    (prepared(
      db,
      `SELECT COUNT(*) AS total, COALESCE(SUM(f.failed_sessions), 0) AS failedSessions
         ${failureFrom(where.readsReport, where.readsPolicy)} ${where.sql}`,
    ).get(where.params) as FailureCount);
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
  const rows = prepared(
    db,
    `SELECT ${FAILURE_COLUMNS}
       FROM (${ids}) AS page
       CROSS JOIN failure_details f ON f.id = page.id
       JOIN reports r ON r.id = f.report_rowid
       JOIN policies p ON p.id = f.policy_rowid
       ${order}`,
  ).all({ ...where.params, limit, offset }) as FailureRow[];
  return { total, failedSessions, rows, ...failureReconciliation(db, query) };
}

/**
 * What the senders' summaries say beside a failure query: the failed sessions
 * no detail explains, for a query that narrows only by what a summary knows
 * (time, domain, sender); null for one that names an MX host, a result type,
 * a policy type, an IP or one report, which these sums are not split by.
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
    query.receivingIp !== undefined ||
    query.mxSearch !== undefined ||
    query.report !== undefined
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
  yield* statementToIterate(db, `SELECT ${FAILURE_COLUMNS} ${FAILURE_FROM} ${where.sql} ${failureOrder(sort)}`).iterate(
    where.params,
  ) as IterableIterator<FailureRow>;
}
