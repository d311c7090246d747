// One sender's page: its failures by MX host and result type, reconciled with
// its own summaries. The senders list itself is summary-queries.ts's senderTotals.
import type { SenderDetail } from '../../../shared/api/contract.js';
import type { ReportFilter } from '../../../shared/summary/types.js';
import { prepared, type ReadableDatabase } from './database.js';
import { failureClause } from './filter-sql.js';
import { rollupScope } from './rollups.js';
import { groupFailuresByMx, senderReconciliation } from './summary-queries.js';

/** One sender's failures by MX host and result type. */
export function senderDetail(db: ReadableDatabase, filter: ReportFilter, organization: string): SenderDetail {
  const scope = rollupScope(filter);
  const where = failureClause({ filter, organization });
  const rows = (
    scope
      ? prepared(
          db,
          `SELECT NULLIF(receiving_mx_hostname, '') AS mx, NULLIF(result_type, '') AS resultType,
               SUM(failed_sessions) AS failed
             FROM ${scope.rows('rollup_sender_mx')} WHERE organization = @organization
             GROUP BY receiving_mx_hostname, result_type`,
        ).all({ ...scope.params, organization })
      : prepared(
          db,
          `SELECT f.receiving_mx_hostname AS mx, f.result_type AS resultType, SUM(f.failed_sessions) AS failed
             FROM failure_details f JOIN reports r ON r.id = f.report_rowid ${where.sql}
             GROUP BY f.receiving_mx_hostname, f.result_type`,
        ).all(where.params)
  ) as { mx: string | null; resultType: string | null; failed: number }[];
  const byMx = groupFailuresByMx(rows);
  const byResultType: Record<string, number> = {};
  for (const entry of byMx) {
    for (const [type, count] of Object.entries(entry.byResultType))
      byResultType[type] = (byResultType[type] ?? 0) + count;
  }
  return { organization, byMx, byResultType, ...senderReconciliation(db, filter, organization) };
}
