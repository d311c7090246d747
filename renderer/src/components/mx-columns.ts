import { createColumnHelper } from '@tanstack/react-table';
import type { MxBreakdown } from '../../../shared/summary/types.js';
import { formatCount, orUnnamed } from '../format.js';

/** `certificate-expired 200, starttls-not-supported 3`: most failures first. */
export function formatResultTypeCounts(byResultType: Record<string, number>): string {
  return Object.entries(byResultType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, count]) => `${type} ${formatCount(count)}`)
    .join(', ');
}

/** The first columns of every table that lists MX hosts: host, failed sessions, result types. */
export function mxBreakdownColumns<Row extends MxBreakdown>() {
  const column = createColumnHelper<Row>();
  return [
    column.accessor((row) => orUnnamed(row.mx), { id: 'mx', header: 'MX host' }),
    column.accessor((row) => row.failedSessions, {
      id: 'failedSessions',
      header: 'Failed',
      cell: (cell) => formatCount(cell.getValue()),
      meta: { numeric: true },
    }),
    column.accessor((row) => formatResultTypeCounts(row.byResultType), { id: 'types', header: 'Result types' }),
  ];
}
