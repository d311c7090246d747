// The columns of every table that lists senders (the Senders view, a domain's
// page): one definition of how a sender's totals read.
import { createColumnHelper } from '@tanstack/react-table';
import type { SenderTotals } from '../../../shared/summary/types.js';
import { formatCount, formatDay, formatRate } from '../format.js';
import { DateText } from './mx-columns.js';
import { ResultTypeName } from './ResultTypeName.js';

const column = createColumnHelper<SenderTotals>();

const organization = column.accessor('organization', { header: 'Sender' });
const reports = column.accessor('reports', {
  header: 'Reports',
  cell: (cell) => formatCount(cell.getValue()),
  meta: { numeric: true },
});
const successful = column.accessor('successfulSessions', {
  header: 'Successful',
  cell: (cell) => formatCount(cell.getValue()),
  meta: { numeric: true },
});
const failed = column.accessor('failedSessions', {
  header: 'Failed',
  cell: (cell) => formatCount(cell.getValue()),
  meta: { numeric: true },
});
const failureRate = column.accessor((row) => row.failureRate ?? -1, {
  id: 'failureRate',
  header: 'Failure rate',
  cell: (cell) => formatRate(cell.row.original.failureRate),
  meta: { numeric: true },
});
const mainResultType = column.accessor((row) => row.mainResultType ?? '', {
  id: 'mainResultType',
  header: 'Main result type',
  cell: (cell) => (cell.row.original.mainResultType === null ? '' : <ResultTypeName type={cell.getValue()} />),
});
const lastReport = column.accessor('lastReportTime', {
  header: 'Last report',
  cell: (cell) => <DateText date={formatDay(cell.getValue())} />,
});

/** Every column: the Senders view. */
export const senderColumns = [organization, reports, successful, failed, failureRate, mainResultType, lastReport];

/** Who reported a domain and how much failed: its page, beside its own result types. */
export const senderColumnsBrief = [organization, reports, failed, failureRate, lastReport];
