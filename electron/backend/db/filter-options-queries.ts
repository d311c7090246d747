// What the filter bar offers: every domain, sender, result type and policy
// type stored, and the time the reports span.
import type { FilterOptions } from '../../../shared/api/contract.js';
import { prepared, type ReadableDatabase } from './database.js';
import { ALL_TIME_ROWS } from './rollups.js';

/** Values the UI offers in its filters. */
export function filterOptions(db: ReadableDatabase): FilterOptions {
  // Each query leaves NULL out itself.
  const column = (sql: string): string[] => prepared(db, sql).pluck().all() as string[];
  const range = prepared(db, 'SELECT MIN(start_time) AS first, MAX(start_time) AS last FROM reports').get() as {
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
