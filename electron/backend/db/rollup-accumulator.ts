// The write side of the rollups: sums of stored reports, kept by the import
// in the same transaction as the reports (the tables: migrations 0003, 0004).
import type { Statement } from 'better-sqlite3';
import type { TlsRptReport } from '../../../shared/report/types.js';
import { reconcilePolicy, type ReportCounting } from '../../../shared/summary/session-counting.js';
import type { WritableDatabase } from './database.js';
import { SPAN, dayOf, weekOf } from './rollups.js';

interface RollupTable {
  name: string;
  keys: readonly string[];
  /** Columns added up on conflict. */
  sums: readonly string[];
  /** Columns that keep their maximum on conflict. */
  maxima: readonly string[];
  /** Columns that keep their minimum on conflict. */
  minima: readonly string[];
}

const RECONCILIATION = ['failed_without_details', 'details_beyond_total'] as const;

const TABLES = {
  senders: {
    name: 'rollup_senders',
    keys: ['organization'],
    sums: ['reports', 'policies', 'successful_sessions', 'failed_sessions', ...RECONCILIATION],
    maxima: ['last_start_time'],
    minima: [],
  },
  domains: {
    name: 'rollup_domains',
    keys: ['policy_domain', 'policy_type'],
    sums: ['policies', 'successful_sessions', 'failed_sessions', ...RECONCILIATION],
    maxima: [],
    minima: [],
  },
  mx: {
    name: 'rollup_mx',
    keys: ['receiving_mx_hostname', 'result_type'],
    sums: ['failure_details', 'failed_sessions'],
    maxima: ['last_day'],
    minima: ['first_day'],
  },
  senderResults: {
    name: 'rollup_sender_results',
    keys: ['organization', 'result_type'],
    sums: ['failure_details', 'failed_sessions'],
    maxima: [],
    minima: [],
  },
  senderMx: {
    name: 'rollup_sender_mx',
    keys: ['organization', 'receiving_mx_hostname', 'result_type'],
    sums: ['failure_details', 'failed_sessions'],
    maxima: [],
    minima: [],
  },
  domainSenders: {
    name: 'rollup_domain_senders',
    keys: ['policy_domain', 'organization'],
    sums: ['reports', 'policies', 'successful_sessions', 'failed_sessions', ...RECONCILIATION],
    maxima: ['last_start_time'],
    minima: [],
  },
  domainMx: {
    name: 'rollup_domain_mx',
    keys: ['policy_domain', 'receiving_mx_hostname', 'result_type'],
    sums: ['failure_details', 'failed_sessions'],
    maxima: ['last_day'],
    minima: ['first_day'],
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
  private readonly pending = Object.fromEntries(
    Object.keys(TABLES).map((id) => [id, new Map<string, { key: Key; values: number[] }>()]),
  ) as Record<TableId, Map<string, { key: Key; values: number[] }>>;
  private readonly upserts: Record<TableId, Statement>;

  constructor(db: WritableDatabase) {
    const upsert = (table: RollupTable): Statement => {
      const keys = ['span', 'day', ...table.keys];
      const columns = [...keys, ...table.sums, ...table.maxima, ...table.minima];
      const updates = [
        ...table.sums.map((column) => `${column} = ${column} + excluded.${column}`),
        ...table.maxima.map((column) => `${column} = max(${column}, excluded.${column})`),
        ...table.minima.map((column) => `${column} = min(${column}, excluded.${column})`),
      ];
      return db.prepare(
        `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
         ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
      );
    };
    this.upserts = Object.fromEntries(
      (Object.keys(TABLES) as TableId[]).map((id) => [id, upsert(TABLES[id])]),
    ) as Record<TableId, Statement>;
  }

  /** Counts one stored report in its day, its week and all time. */
  add(report: TlsRptReport, counting: ReportCounting): void {
    const organization = report.organizationName;
    const day = dayOf(report.startTime);
    const domainsSeen = new Set<string>();
    report.policies.forEach((policy, index) => {
      const domain = keyText(policy.policyDomain);
      // A report counts once for each domain it has a policy for.
      const firstForDomain = !domainsSeen.has(domain);
      domainsSeen.add(domain);
      // A policy that lists again another's sessions is a policy senders saw, but its sessions count once.
      const counted = counting.counted[index] === true;
      const reconciled = counted
        ? reconcilePolicy(policy.failedSessions, counting.detailed[index] ?? 0)
        : { failedWithoutDetails: 0, detailsBeyondTotal: 0 };
      const sessions = counted
        ? [
            policy.successfulSessions,
            policy.failedSessions,
            reconciled.failedWithoutDetails,
            reconciled.detailsBeyondTotal,
          ]
        : [0, 0, 0, 0];
      this.count('domains', day, [domain, keyText(policy.policyType)], [1, ...sessions]);
      this.count(
        'domainSenders',
        day,
        [domain, organization],
        [firstForDomain ? 1 : 0, 1, ...sessions, report.startTime],
      );
      if (!counted) return;
      for (const detail of policy.failureDetails) {
        const mx = keyText(detail.receivingMxHostname);
        const resultType = keyText(detail.resultType);
        const values = [1, detail.failedSessions];
        this.count('mx', day, [mx, resultType], [...values, day, day]);
        this.count('senderResults', day, [organization, resultType], values);
        this.count('senderMx', day, [organization, mx, resultType], values);
        this.count('domainMx', day, [domain, mx, resultType], [...values, day, day]);
      }
    });
    this.count(
      'senders',
      day,
      [organization],
      [
        1,
        report.policies.length,
        counting.successfulSessions,
        counting.failedSessions,
        counting.failedWithoutDetails,
        counting.detailsBeyondTotal,
        report.startTime,
      ],
    );
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

  /** Adds values (in the table's order: sums, maxima, minima) to a key's day, week and all-time rows. */
  private count(id: TableId, day: number, key: (string | number)[], values: readonly number[]): void {
    const table: RollupTable = TABLES[id];
    const sums = this.pending[id];
    const firstMaximum = table.sums.length;
    const firstMinimum = firstMaximum + table.maxima.length;
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
        const current = entry.values[index] ?? value;
        entry.values[index] =
          index < firstMaximum
            ? current + value
            : index < firstMinimum
              ? Math.max(current, value)
              : Math.min(current, value);
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
