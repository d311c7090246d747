import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { MxBreakdown, SenderTotals } from '../../../shared/summary/types.js';
import { useApi } from '../api/useApi.js';
import { ResultTypeChart } from '../components/Charts.js';
import { ResultTypeName } from '../components/ResultTypeName.js';
import { SortableTable } from '../components/SortableTable.js';
import { mxBreakdownColumns } from '../components/mx-columns.js';
import { Loaded } from '../components/States.js';
import { failureRate, formatCount, formatDay, formatRate } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';

type Row = SenderTotals & { failureRate: number | null };

const column = createColumnHelper<Row>();
const columns = [
  column.accessor('organization', { header: 'Sender' }),
  column.accessor('reports', {
    header: 'Reports',
    cell: (cell) => formatCount(cell.getValue()),
    meta: { numeric: true },
  }),
  column.accessor('successfulSessions', {
    header: 'Successful',
    cell: (cell) => formatCount(cell.getValue()),
    meta: { numeric: true },
  }),
  column.accessor('failedSessions', {
    header: 'Failed',
    cell: (cell) => formatCount(cell.getValue()),
    meta: { numeric: true },
  }),
  column.accessor((row) => row.failureRate ?? -1, {
    id: 'failureRate',
    header: 'Failure rate',
    cell: (cell) => formatRate(cell.row.original.failureRate),
    meta: { numeric: true },
  }),
  column.accessor((row) => row.mainResultType ?? '', {
    id: 'mainResultType',
    header: 'Main result type',
    cell: (cell) => (cell.row.original.mainResultType === null ? '' : <ResultTypeName type={cell.getValue()} />),
  }),
  column.accessor('lastReportTime', { header: 'Last report', cell: (cell) => formatDay(cell.getValue()) }),
];

/** One row per reporting organization. */
export function Senders() {
  const { filter } = useFilter();
  const senders = useApi('senders', { filter });
  const navigate = useNavigate();
  return (
    <Loaded state={senders}>
      {(value) => {
        const rows: Row[] = value.map((sender) => ({
          ...sender,
          failureRate: failureRate(sender.successfulSessions, sender.failedSessions),
        }));
        return (
          <>
            <h2>Senders</h2>
            <SortableTable
              label="Senders"
              testId="senders-table"
              rows={rows}
              columns={columns}
              initialSort={[{ id: 'failedSessions', desc: true }]}
              onRowOpen={(row) => void navigate(`/senders/${encodeURIComponent(row.organization)}`)}
            />
          </>
        );
      }}
    </Loaded>
  );
}

/** A sender's MX hosts; a result type's segment opens the sender's failures of that type at that host. */
function senderMxColumns(organization: string) {
  return mxBreakdownColumns<MxBreakdown>((mx, resultType) => failuresLink({ organization, mx, resultType }));
}

/** One sender: where its failures happened, and why. */
export function SenderPage() {
  const { organization = '' } = useParams();
  const { filter } = useFilter();
  const breakdown = useApi('sender', { filter, organization });
  const navigate = useNavigate();
  const mxColumns = useMemo(() => senderMxColumns(organization), [organization]);
  return (
    <>
      <p>
        <Link to="/senders">← Senders</Link>
      </p>
      <h2>{organization}</h2>
      <Loaded state={breakdown}>
        {(value) =>
          value.failedSessions === 0 ? (
            <p className="muted">This sender reported no failures in this time range.</p>
          ) : (
            <>
              <p data-testid="sender-failed">
                {formatCount(value.failedSessions)} failed sessions in its reports
                {value.failedWithoutDetails > 0 &&
                  `, ${formatCount(value.failedWithoutDetails)} of them without failure details`}
                .
              </p>
              <div className="chart-grid">
                {value.byMx.length > 0 && (
                  <section>
                    <h3>Failures by MX host</h3>
                    <SortableTable
                      label={`Failures reported by ${organization} by MX host`}
                      rows={value.byMx}
                      columns={mxColumns}
                      testId="sender-mx-table"
                      // A host's row opens this sender's failures there.
                      onRowOpen={(row) => void navigate(failuresLink({ organization, mx: row.mx }))}
                    />
                  </section>
                )}
                <ResultTypeChart
                  byResultType={value.byResultType}
                  reconciliation={value}
                  failuresOf={(resultType) => failuresLink({ organization, resultType })}
                />
              </div>
            </>
          )
        }
      </Loaded>
      <p>
        <Link to={failuresLink({ organization })}>All failure details from this sender</Link> ·{' '}
        <Link to={`/reports?organization=${encodeURIComponent(organization)}`}>Its reports</Link>
      </p>
    </>
  );
}
