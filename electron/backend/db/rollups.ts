import type { Statement } from 'better-sqlite3';
import type { TlsRptReport } from '../../../shared/report/types.js';
import type { ReportFilter } from '../../../shared/summary/types.js';
import type { WritableDatabase } from './database.js';

const DAY_SECONDS = 86_400;

/** The spans of time a rollup row sums (see migration 0003). */
export const SPAN = { allTime: 0, day: 1, week: 7 } as const;

/** First day of the week that holds a day. */
function weekOf(day: number): number {
  return day - (((day % 7) + 7) % 7);
}

/** The rows that cover all time, as a WHERE condition. */
export const ALL_TIME_ROWS = `span = ${SPAN.allTime} AND day = 0`;

/** UTC day number of a time in seconds, rounding down also before 1970. */
function dayOf(seconds: number): number {
  return Math.floor(seconds / DAY_SECONDS);
}

interface RollupTable {
  name: string;
  keys: readonly string[];
  /** Columns added up on conflict. */
  sums: readonly string[];
  /** Columns that keep their maximum on conflict. */
  maxima: readonly string[];
}

const TABLES = {
  senders: {
    name: 'rollup_senders',
    keys: ['organization'],
    sums: ['reports', 'policies', 'successful_sessions', 'failed_sessions'],
    maxima: ['last_start_time'],
  },
  domains: {
    name: 'rollup_domains',
    keys: ['policy_domain', 'policy_type'],
    sums: ['policies', 'successful_sessions', 'failed_sessions'],
    maxima: [],
  },
  mx: {
    name: 'rollup_mx',
    keys: ['receiving_mx_hostname', 'result_type'],
    sums: ['failure_details', 'failed_sessions'],
    maxima: [],
  },
  senderResults: {
    name: 'rollup_sender_results',
    keys: ['organization', 'result_type'],
    sums: ['failure_details', 'failed_sessions'],
    maxima: [],
  },
  senderMx: {
    name: 'rollup_sender_mx',
    keys: ['organization', 'receiving_mx_hostname', 'result_type'],
    sums: ['failure_details', 'failed_sessions'],
    maxima: [],
  },
} as const satisfies Record<string, RollupTable>;

type TableId = keyof typeof TABLES;
type Key = (string | number)[];

/** A key field as stored: '' for a field the sender left out. */
function keyText(value: string | null): string {
  return value ?? '';
}

/**
 * Sums stored reports into the rollup tables. Reports are added in memory
 * as they are written and the sums go to the database once per batch, in the
 * batch's transaction: far fewer writes than one per report, since the
 * reports of a batch share days, senders and hosts.
 */
export class RollupAccumulator {
  private readonly pending: Record<TableId, Map<string, { key: Key; values: number[] }>> = {
    senders: new Map(),
    domains: new Map(),
    mx: new Map(),
    senderResults: new Map(),
    senderMx: new Map(),
  };
  private readonly upserts: Record<TableId, Statement>;

  constructor(db: WritableDatabase) {
    const upsert = (table: RollupTable): Statement => {
      const keys = ['span', 'day', ...table.keys];
      const columns = [...keys, ...table.sums, ...table.maxima];
      const updates = [
        ...table.sums.map((column) => `${column} = ${column} + excluded.${column}`),
        ...table.maxima.map((column) => `${column} = max(${column}, excluded.${column})`),
      ];
      return db.prepare(
        `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
         ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
      );
    };
    this.upserts = {
      senders: upsert(TABLES.senders),
      domains: upsert(TABLES.domains),
      mx: upsert(TABLES.mx),
      senderResults: upsert(TABLES.senderResults),
      senderMx: upsert(TABLES.senderMx),
    };
  }

  /** Counts one stored report in its day, its week and all time. */
  add(report: TlsRptReport): void {
    const organization = report.organizationName;
    const day = dayOf(report.startTime);
    let successful = 0;
    let failed = 0;
    for (const policy of report.policies) {
      successful += policy.successfulSessions;
      failed += policy.failedSessions;
      this.count(
        'domains',
        day,
        [keyText(policy.policyDomain), keyText(policy.policyType)],
        [1, policy.successfulSessions, policy.failedSessions],
      );
      for (const detail of policy.failureDetails) {
        const mx = keyText(detail.receivingMxHostname);
        const resultType = keyText(detail.resultType);
        const values = [1, detail.failedSessions];
        this.count('mx', day, [mx, resultType], values);
        this.count('senderResults', day, [organization, resultType], values);
        this.count('senderMx', day, [organization, mx, resultType], values);
      }
    }
    this.count('senders', day, [organization], [1, report.policies.length, successful, failed, report.startTime]);
  }

  /** Writes the sums so far; call inside the transaction that stored the reports. */
  flush(): void {
    for (const id of Object.keys(TABLES) as TableId[]) {
      const sums = this.pending[id];
      const statement = this.upserts[id];
      for (const { key, values } of sums.values()) statement.run(...key, ...values);
      sums.clear();
    }
  }

  /** Forgets sums not yet written (their transaction was rolled back). */
  discard(): void {
    for (const sums of Object.values(this.pending)) sums.clear();
  }

  private count(id: TableId, day: number, key: (string | number)[], values: readonly number[]): void {
    const table = TABLES[id];
    const sums = this.pending[id];
    for (const [span, first] of [
      [SPAN.day, day],
      [SPAN.week, weekOf(day)],
      [SPAN.allTime, 0],
    ] as const) {
      const fullKey = [span, first, ...key];
      const mapKey = mapKeyOf(fullKey);
      const entry = sums.get(mapKey);
      if (!entry) {
        sums.set(mapKey, { key: fullKey, values: [...values] });
        continue;
      }
      values.forEach((value, index) => {
        entry.values[index] =
          index < table.sums.length
            ? (entry.values[index] ?? 0) + value
            : Math.max(entry.values[index] ?? value, value);
      });
    }
  }
}

/** A Map key for a row key: each part prefixed with its length, so no two keys can run together. */
function mapKeyOf(key: readonly (string | number)[]): string {
  let text = '';
  for (const part of key) {
    const value = String(part);
    text += `${value.length}:${value}`;
  }
  return text;
}

/** Which rollup rows answer a filter, and how to read only them. */
export interface RollupScope {
  /** The rows of one rollup table in the scope, as a FROM item (aliased to the table's name). */
  rows(table: string): string;
  params: Record<string, number>;
}

/**
 * The rollup rows that hold exactly what a filter selects, or null when only
 * the detail rows can answer it: a policy domain is chosen (a domain's rows
 * are few, and its indexes find them), or a bound falls inside a UTC day.
 * The UI's ranges are whole UTC days. All time is the all-time rows; a range
 * is its whole weeks' rows and the days before and after them.
 */
export function rollupScope(filter: ReportFilter): RollupScope | null {
  const range = dayRange(filter);
  if (range === null) return null;
  if (range.from === null && range.to === null) {
    return { rows: (table) => `(SELECT * FROM ${table} WHERE ${ALL_TIME_ROWS}) AS ${table}`, params: {} };
  }
  const from = range.from ?? MIN_DAY;
  const to = range.to ?? MAX_DAY;
  const firstWeek = weekOf(from) === from ? from : weekOf(from) + 7;
  const endOfWeeks = Math.max(firstWeek, weekOf(to));
  const params = { from, to, firstWeek, endOfWeeks };
  if (firstWeek >= endOfWeeks) {
    return { rows: (table) => `(${daysOf(table, '@from', '@to')}) AS ${table}`, params };
  }
  return {
    rows: (table) =>
      `(${daysOf(table, '@from', '@firstWeek')}
        UNION ALL SELECT * FROM ${table} WHERE span = ${SPAN.week} AND day >= @firstWeek AND day < @endOfWeeks
        UNION ALL ${daysOf(table, '@endOfWeeks', '@to')}) AS ${table}`,
    params,
  };
}

/** The day rows of a filter, for breakdowns by day; null when the detail rows must answer. */
export function dayRowsScope(filter: ReportFilter): RollupScope | null {
  const range = dayRange(filter);
  if (range === null) return null;
  return {
    rows: (table) => `(${daysOf(table, '@from', '@to')}) AS ${table}`,
    params: { from: range.from ?? MIN_DAY, to: range.to ?? MAX_DAY },
  };
}

/** Far enough before and after any report (JavaScript dates span ±100,000,000 days). */
const MIN_DAY = -1e9;
const MAX_DAY = 1e9;

function daysOf(table: string, from: string, to: string): string {
  return `SELECT * FROM ${table} WHERE span = ${SPAN.day} AND day >= ${from} AND day < ${to}`;
}

/** A filter's bounds in whole days; null when it has a policy domain or a bound inside a day. */
function dayRange(filter: ReportFilter): { from: number | null; to: number | null } | null {
  if (filter.policyDomain != null) return null;
  const from = filter.fromTime ?? null;
  const to = filter.toTime ?? null;
  if ((from !== null && from % DAY_SECONDS !== 0) || (to !== null && to % DAY_SECONDS !== 0)) return null;
  return { from: from === null ? null : from / DAY_SECONDS, to: to === null ? null : to / DAY_SECONDS };
}
