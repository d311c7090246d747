// One policy domain's breakdowns for its page: result types with since when,
// read from the domain-keyed rollups (the detail rows where a bound falls
// inside a day).
import type { DomainResultType } from '../../../shared/api/contract.js';
import { dateOfDay } from '../../../shared/report/datetime.js';
import { MISSING_RESULT_TYPE, type ReportFilter } from '../../../shared/summary/types.js';
import { prepared, type ReadableDatabase } from './database.js';
import { filterClause } from './filter-sql.js';
import { rollupScope } from './rollups.js';
import { DAY_OF } from './summary-queries.js';

/** A domain's failed sessions per result type, most first, with the first and last day each was seen. */
export function domainResultTypes(
  db: ReadableDatabase,
  filter: ReportFilter & { policyDomain: string },
): DomainResultType[] {
  const scope = rollupScope(filter, { byDomain: true });
  const where = filterClause(filter, 'f');
  const rows = (
    scope
      ? prepared(
          db,
          `SELECT NULLIF(result_type, '') AS resultType, SUM(failed_sessions) AS failed, MIN(first_day) AS firstDay,
               MAX(last_day) AS lastDay
             FROM ${scope.rows('rollup_domain_mx')} GROUP BY result_type`,
        ).all(scope.params)
      : prepared(
          db,
          `SELECT f.result_type AS resultType, SUM(f.failed_sessions) AS failed,
               ${DAY_OF('MIN(f.start_time)')} AS firstDay, ${DAY_OF('MAX(f.start_time)')} AS lastDay
             FROM failure_details f ${where.sql} GROUP BY f.result_type`,
        ).all(where.params)
  ) as { resultType: string | null; failed: number; firstDay: number; lastDay: number }[];
  return rows
    .map((row) => ({
      resultType: row.resultType ?? MISSING_RESULT_TYPE,
      failedSessions: row.failed,
      firstSeen: dateOfDay(row.firstDay),
      lastSeen: dateOfDay(row.lastDay),
    }))
    .sort((a, b) => b.failedSessions - a.failedSessions || a.resultType.localeCompare(b.resultType));
}
