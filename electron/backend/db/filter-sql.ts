import type { FailureQuery } from '../../../shared/api/contract.js';
import type { ReportFilter } from '../../../shared/summary/types.js';

export interface SqlWhere {
  /** Empty, or `WHERE …` built only from fixed fragments. */
  sql: string;
  /** Named parameters for the fragments. */
  params: Record<string, unknown>;
}

function where(conditions: string[], params: Record<string, unknown>): SqlWhere {
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
}

function filterConditions(filter: ReportFilter, alias: string, params: Record<string, unknown>): string[] {
  const conditions: string[] = [];
  if (filter.fromTime != null) {
    conditions.push(`${alias}.start_time >= @fromTime`);
    params['fromTime'] = filter.fromTime;
  }
  if (filter.toTime != null) {
    conditions.push(`${alias}.start_time < @toTime`);
    params['toTime'] = filter.toTime;
  }
  if (filter.policyDomain != null) {
    conditions.push(`${alias}.policy_domain = @policyDomain`);
    params['policyDomain'] = filter.policyDomain;
  }
  // Policies and failure details that list again another policy's sessions count once
  // (migration 0004, shared/summary/session-counting.ts); reports carry counted totals.
  if (alias !== 'r') conditions.push(`${alias}.counted = 1`);
  return conditions;
}

/**
 * The WHERE clause for a filter over a table that carries `start_time` and
 * `policy_domain` (policies, failure_details; reports when no domain is set).
 * Over policies and failure details it keeps only the counted rows.
 */
export function filterClause(filter: ReportFilter, alias: string): SqlWhere {
  const params: Record<string, unknown> = {};
  return where(filterConditions(filter, alias, params), params);
}

/** A failure query's WHERE clause, and what it reads besides failure_details. */
export interface FailureWhere extends SqlWhere {
  /** The clause reads the report (`r.`), so the query must join reports. */
  readsReport: boolean;
  /** The clause reads the policy (`p.`), so the query must join policies. */
  readsPolicy: boolean;
  /**
   * Every condition is on `f.start_time`, `f.policy_domain` or `f.counted`, which the index
   * failure_details_by_start_time covers: the clause is `filterClause(query.filter, 'f')`.
   */
  filterOnly: boolean;
}

/**
 * The WHERE clause for failure details (alias `f`), joined to their report
 * (`r`) and policy (`p`) where it reads them. A null `mx` or `resultType`
 * selects the rows where the sender named none.
 */
export function failureClause(query: FailureQuery): FailureWhere {
  const params: Record<string, unknown> = {};
  const conditions = filterConditions(query.filter, 'f', params);
  if (query.organization !== undefined) {
    conditions.push('r.organization_name = @organization');
    params['organization'] = query.organization;
  }
  const nullable = (column: string, name: string, value: string | null | undefined): void => {
    if (value === undefined) return;
    if (value === null) {
      conditions.push(`${column} IS NULL`);
    } else {
      conditions.push(`${column} = @${name}`);
      params[name] = value;
    }
  };
  nullable('f.receiving_mx_hostname', 'mx', query.mx);
  if (query.mxSearch !== undefined) {
    // LIKE is case-insensitive for ASCII, as host names are (RFC 4343); the typed text's own % and _ are literal.
    conditions.push("f.receiving_mx_hostname LIKE @mxSearch ESCAPE '\\'");
    params['mxSearch'] = `%${query.mxSearch
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
  }
  if (query.report !== undefined) {
    conditions.push('f.report_rowid = @report');
    params['report'] = query.report;
  }
  nullable('f.result_type', 'resultType', query.resultType);
  nullable('p.policy_type', 'policyType', query.policyType);
  nullable('f.sending_mta_ip', 'sendingIp', query.sendingIp);
  nullable('f.receiving_ip', 'receivingIp', query.receivingIp);
  return {
    ...where(conditions, params),
    readsReport: query.organization !== undefined,
    readsPolicy: query.policyType !== undefined,
    filterOnly:
      query.organization === undefined &&
      query.mx === undefined &&
      query.resultType === undefined &&
      query.policyType === undefined &&
      query.sendingIp === undefined &&
      query.receivingIp === undefined &&
      query.mxSearch === undefined &&
      query.report === undefined,
  };
}
