import { createColumnHelper } from '@tanstack/react-table';
import type { MxBreakdown, MxHostFailures } from '../../../shared/summary/types.js';
import { formatCount, orUnnamed } from '../format.js';
import { ResultTypeName } from './ResultTypeName.js';

/** `certificate-expired 200, starttls-not-supported 3`: most failures first. */
export function formatResultTypeCounts(byResultType: Record<string, number>): string {
  return sortedResultTypes(byResultType)
    .map(([type, count]) => `${type} ${formatCount(count)}`)
    .join(', ');
}

function sortedResultTypes(byResultType: Record<string, number>): [string, number][] {
  return Object.entries(byResultType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Each result type with its count and its glossary entry one press away. */
export function ResultTypeCounts({ byResultType }: { byResultType: Record<string, number> }) {
  return (
    <ul className="inline-list">
      {sortedResultTypes(byResultType).map(([type, count]) => (
        <li key={type}>
          <ResultTypeName type={type} /> {formatCount(count)}
        </li>
      ))}
    </ul>
  );
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
    column.accessor((row) => formatResultTypeCounts(row.byResultType), {
      id: 'types',
      header: 'Result types',
      cell: (cell) => <ResultTypeCounts byResultType={cell.row.original.byResultType} />,
    }),
  ];
}

/** Since when a host failed, and until when, in the range shown (UTC days). */
export function mxSinceColumns<Row extends MxHostFailures>() {
  const column = createColumnHelper<Row>();
  return [
    column.accessor((row) => row.firstSeen, {
      id: 'firstSeen',
      header: 'First failed',
      cell: (cell) => <DateText date={cell.getValue()} />,
    }),
    column.accessor((row) => row.lastSeen, {
      id: 'lastSeen',
      header: 'Last failed',
      cell: (cell) => <DateText date={cell.getValue()} />,
    }),
  ];
}

/** A `YYYY-MM-DD` date, never broken across lines. */
export function DateText({ date }: { date: string }) {
  return <span className="nowrap">{date}</span>;
}
