// The read side of the rollups: which rows of a rollup table answer a filter.
// The import keeps them (rollup-writer.ts); the tables: migrations 0003, 0004.
import type { ReportFilter } from '../../../shared/summary/types.js';

const DAY_SECONDS = 86_400;

/** The spans of time a rollup row sums (see migration 0003). */
export const SPAN = { allTime: 0, day: 1, week: 7 } as const;

/** First day of the week that holds a day. */
export function weekOf(day: number): number {
  return day - (((day % 7) + 7) % 7);
}

/** The rows that cover all time, as a WHERE condition. */
export const ALL_TIME_ROWS = `span = ${SPAN.allTime} AND day = 0`;

/** UTC day number of a time in seconds, rounding down also before 1970. */
export function dayOf(seconds: number): number {
  return Math.floor(seconds / DAY_SECONDS);
}

/** Which rollup rows answer a filter, and how to read only them. */
export interface RollupScope {
  /** The rows of one rollup table in the scope, as a FROM item (aliased to the table's name). */
  rows(table: string): string;
  params: Record<string, number | string>;
}

/**
 * Which rollup tables a scope reads: those keyed by span and day (the
 * default), or those keyed by span, policy domain and day
 * (`rollup_domain_senders`, `rollup_domain_mx`), which also answer for one
 * policy domain with one seek.
 */
export interface ScopeOptions {
  byDomain?: boolean;
}

/**
 * The rollup rows that hold exactly what a filter selects, or null when only
 * the detail rows can answer it: a bound falls inside a UTC day, or a policy
 * domain is chosen and the table is not keyed by domain (a domain's detail
 * rows are few, and their indexes find them). The UI's ranges are whole UTC
 * days. All time is the all-time rows; a range is its whole weeks' rows and
 * the days before and after them.
 */
export function rollupScope(filter: ReportFilter, options: ScopeOptions = {}): RollupScope | null {
  const range = dayRange(filter, options);
  if (range === null) return null;
  const where = (span: number, dayCondition: string): string =>
    `span = ${span}${range.domain === null ? '' : ' AND policy_domain = @policyDomain'} AND ${dayCondition}`;
  const domainParams: Record<string, string> = range.domain === null ? {} : { policyDomain: range.domain };
  if (range.from === null && range.to === null) {
    return {
      rows: (table) => `(SELECT * FROM ${table} WHERE ${where(SPAN.allTime, 'day = 0')}) AS ${table}`,
      params: domainParams,
    };
  }
  const from = range.from ?? MIN_DAY;
  const to = range.to ?? MAX_DAY;
  const firstWeek = weekOf(from) === from ? from : weekOf(from) + 7;
  const endOfWeeks = Math.max(firstWeek, weekOf(to));
  const params = { ...domainParams, from, to, firstWeek, endOfWeeks };
  const days = (table: string, start: string, end: string): string =>
    `SELECT * FROM ${table} WHERE ${where(SPAN.day, `day >= ${start} AND day < ${end}`)}`;
  if (firstWeek >= endOfWeeks) {
    return { rows: (table) => `(${days(table, '@from', '@to')}) AS ${table}`, params };
  }
  return {
    rows: (table) =>
      `(${days(table, '@from', '@firstWeek')}
        UNION ALL SELECT * FROM ${table} WHERE ${where(SPAN.week, 'day >= @firstWeek AND day < @endOfWeeks')}
        UNION ALL ${days(table, '@endOfWeeks', '@to')}) AS ${table}`,
    params,
  };
}

/** The day rows of a filter, for breakdowns by day; null when the detail rows must answer. */
export function dayRowsScope(filter: ReportFilter, options: ScopeOptions = {}): RollupScope | null {
  const range = dayRange(filter, options);
  if (range === null) return null;
  const domain = range.domain === null ? '' : ' AND policy_domain = @policyDomain';
  return {
    rows: (table) =>
      `(SELECT * FROM ${table} WHERE span = ${SPAN.day}${domain} AND day >= @from AND day < @to) AS ${table}`,
    params: {
      ...(range.domain === null ? {} : { policyDomain: range.domain }),
      from: range.from ?? MIN_DAY,
      to: range.to ?? MAX_DAY,
    },
  };
}

/** Far enough before and after any report (JavaScript dates span ±100,000,000 days). */
const MIN_DAY = -1e9;
const MAX_DAY = 1e9;

/**
 * A filter's bounds in whole days and its domain; null when a bound falls
 * inside a day, or a domain is chosen for tables not keyed by domain.
 */
function dayRange(
  filter: ReportFilter,
  options: ScopeOptions,
): { from: number | null; to: number | null; domain: string | null } | null {
  const domain = filter.policyDomain ?? null;
  if (domain !== null && options.byDomain !== true) return null;
  const from = filter.fromTime ?? null;
  const to = filter.toTime ?? null;
  if ((from !== null && from % DAY_SECONDS !== 0) || (to !== null && to % DAY_SECONDS !== 0)) return null;
  return { from: from === null ? null : from / DAY_SECONDS, to: to === null ? null : to / DAY_SECONDS, domain };
}

/** A pair of rollup tables that hold the same sums: over every domain, and keyed by domain too. */
export interface RollupTables {
  everyDomain: string;
  oneDomain: string;
}

/**
 * The rows of whichever of two rollup tables answers a filter: the one keyed
 * by span and day, or for one policy domain the one keyed by domain as well;
 * null when only the detail rows can answer (a bound inside a day).
 */
export function rollupRows(
  filter: ReportFilter,
  tables: RollupTables,
): { from: string; params: RollupScope['params'] } | null {
  const byDomain = filter.policyDomain != null;
  const scope = rollupScope(filter, { byDomain });
  if (!scope) return null;
  const table = byDomain ? tables.oneDomain : tables.everyDomain;
  return { from: scope.rows(table), params: scope.params };
}
