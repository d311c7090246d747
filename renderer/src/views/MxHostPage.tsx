import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { MxHostDetail, MxHostIp } from '../../../shared/api/contract.js';
import { useApi } from '../api/useApi.js';
import { ResultTypeChart } from '../components/Charts.js';
import { DailyLineChart } from '../components/DailyLineChart.js';
import { SortableTable } from '../components/SortableTable.js';
import { LiveMxCheck } from '../components/LiveMxCheck.js';
import { Loaded, NotFound } from '../components/States.js';
import { formatCount, orUnnamed } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';
import { AsOfTag } from '../components/AsOfTag.js';

type Sender = MxHostDetail['senders'][number];

/** Columns of an IP list; an IP opens the host's failures from or to that IP. */
function ipColumns(mx: string | null, side: 'sendingIp' | 'receivingIp') {
  const column = createColumnHelper<MxHostIp>();
  return [
    column.accessor((row) => row.ip ?? '', {
      id: 'ip',
      header: 'IP address',
      cell: (cell) => (
        <Link to={failuresLink({ mx, [side]: cell.row.original.ip })}>{orUnnamed(cell.row.original.ip)}</Link>
      ),
    }),
    column.accessor('failedSessions', {
      header: 'Failed',
      cell: (cell) => formatCount(cell.getValue()),
      meta: { numeric: true },
    }),
    column.accessor('failureDetails', {
      header: 'Failure details',
      cell: (cell) => formatCount(cell.getValue()),
      meta: { numeric: true },
    }),
  ];
}

/** Lists longer than this are folded, so a host's many IPs do not push the rest of the page away. */
const IP_LIST_FOLDED_AFTER = 10;

function IpList({
  title,
  label,
  testId,
  rows,
  columns,
}: {
  title: string;
  label: string;
  testId: string;
  rows: MxHostIp[];
  columns: ReturnType<typeof ipColumns>;
}) {
  const [all, setAll] = useState(false);
  const shown = all ? rows : rows.slice(0, IP_LIST_FOLDED_AFTER);
  return (
    <section>
      <h3>
        {title} <span className="muted">({formatCount(rows.length)})</span>
      </h3>
      <SortableTable label={label} testId={testId} rows={shown} columns={columns} initialSort={mostFailed} />
      {rows.length > IP_LIST_FOLDED_AFTER && (
        <button type="button" onClick={() => setAll(!all)}>
          {all ? `Show the first ${IP_LIST_FOLDED_AFTER}` : `Show all ${formatCount(rows.length)}`}
        </button>
      )}
    </section>
  );
}

function senderColumns(mx: string | null) {
  const column = createColumnHelper<Sender>();
  return [
    column.accessor('organization', {
      header: 'Sender',
      cell: (cell) => <Link to={failuresLink({ organization: cell.getValue(), mx })}>{cell.getValue()}</Link>,
    }),
    column.accessor('failedSessions', {
      header: 'Failed',
      cell: (cell) => formatCount(cell.getValue()),
      meta: { numeric: true },
    }),
  ];
}

const mostFailed = [{ id: 'failedSessions', desc: true }];

/** The failure the live check is compared with: the host's most reported result type. */
function mostReportedResultType(byResultType: Record<string, number>): string | null {
  return Object.entries(byResultType).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** One MX host: its failures by result type, the IPs on both sides, and the senders that saw it. */
export function MxHostPage() {
  const { host } = useParams();
  const mx = host ?? null;
  const name = mx ?? 'No MX host named';
  const { filter } = useFilter();
  const detail = useApi('mxHost', { filter, mx });
  const sendingIps = useMemo(() => ipColumns(mx, 'sendingIp'), [mx]);
  const receivingIps = useMemo(() => ipColumns(mx, 'receivingIp'), [mx]);
  const senders = useMemo(() => senderColumns(mx), [mx]);
  if (detail.status === 'error' && detail.code === 'not-found') {
    return <NotFound message={`No failure detail names an MX host “${name}”.`} />;
  }
  return (
    <>
      <p>
        <Link to="/mx">← MX hosts</Link>
      </p>
      <h2>
        <span data-testid="mx-host-name">{name}</span>
        <AsOfTag />
      </h2>
      <Loaded state={detail}>
        {(value) =>
          value.senders.length === 0 ? (
            <p className="muted">
              {mx === null ? 'No failure details leave out the MX host' : 'No failure details name this host'} in this
              time range.
            </p>
          ) : (
            <>
              {mx !== null && <LiveMxCheck host={mx} resultType={mostReportedResultType(value.byResultType)} />}
              <p>
                <span data-testid="mx-host-failed">{formatCount(value.failedSessions)}</span> failed sessions named in
                failure details {mx === null ? 'without an MX host' : 'at this host'}, from{' '}
                {formatCount(value.senders.length)} {value.senders.length === 1 ? 'sender' : 'senders'}.
              </p>
              {value.reconciliation.failedWithoutDetails > 0 && (
                <p className="muted" data-testid="mx-host-without-details">
                  The range also has{' '}
                  <span data-testid="mx-host-without-details-count">
                    {formatCount(value.reconciliation.failedWithoutDetails)}
                  </span>{' '}
                  failed sessions that the senders counted without failure details: no host can be charged with them,
                  since no report says where they failed. The <Link to={failuresLink({})}>Failures list</Link> counts
                  them as a row of their own.
                </p>
              )}
              <div className="chart-grid">
                <ResultTypeChart
                  byResultType={value.byResultType}
                  // Only this host's: the failures without details belong to no host (said above).
                  reconciliation={{ failedWithoutDetails: 0, detailsBeyondTotal: value.detailsBeyondTotal }}
                  excessUpTo
                  failuresOf={(resultType) => failuresLink({ mx, resultType })}
                />
                <div>
                  <DailyLineChart
                    points={value.byDay.map((entry) => ({ day: entry.day, value: entry.failedSessions }))}
                    title="Failed sessions at this host per day (UTC)"
                    format={formatCount}
                    minimumTop={1}
                    testId="mx-host-daily"
                  />
                  <p className="muted" data-testid="mx-host-no-rate">
                    A count, not a failure rate: RFC 8460 reports successful sessions per policy, not per MX host, so no
                    report says how many sessions this host took.
                  </p>
                </div>
              </div>
              <div className="table-grid">
                <IpList
                  title="Sending IPs"
                  label={`Sending IPs of failures at ${name}`}
                  testId="mx-sending-ips"
                  rows={value.sendingMtaIps}
                  columns={sendingIps}
                />
                <IpList
                  title="Receiving IPs"
                  label={`Receiving IPs of failures at ${name}`}
                  testId="mx-receiving-ips"
                  rows={value.receivingIps}
                  columns={receivingIps}
                />
                <section>
                  <h3>Seen by</h3>
                  <SortableTable
                    label={`Senders that reported failures at ${name}`}
                    testId="mx-senders"
                    rows={value.senders}
                    columns={senders}
                    initialSort={mostFailed}
                  />
                </section>
              </div>
            </>
          )
        }
      </Loaded>
      <p>
        <Link to={failuresLink({ mx })}>
          All failure details {mx === null ? 'that name no MX host' : 'at this host'}
        </Link>
      </p>
    </>
  );
}
