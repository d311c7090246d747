import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import type { MxHostDetail as MxHostAnswer, MxHostIp } from '../../../shared/api/contract.js';
import { useApi } from '../api/useApi.js';
import { ResultTypeChart } from '../components/Charts.js';
import { SortableTable } from '../components/SortableTable.js';
import { Loaded } from '../components/States.js';
import { formatCount, orUnnamed } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';

/**
 * Where one MX host's page is (route `/mx/host/:host?`). Host names are the
 * senders' text, so the name is one encoded path segment; the failures that
 * name no host are the page without one.
 */
export function mxHostLink(mx: string | null): string {
  return mx === null ? '/mx/host' : `/mx/host/${encodeURIComponent(mx)}`;
}

type Sender = MxHostAnswer['senders'][number];

/** Columns of an IP list; the Failures view has no IP filter, so an IP opens the host's failures. */
function ipColumns(mx: string | null) {
  const column = createColumnHelper<MxHostIp>();
  return [
    column.accessor((row) => row.ip ?? '', {
      id: 'ip',
      header: 'IP address',
      cell: (cell) => <Link to={failuresLink({ mx })}>{orUnnamed(cell.row.original.ip)}</Link>,
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

/** One MX host: its failures by result type, the IPs on both sides, and the senders that saw it. */
export function MxHostDetail() {
  const { host } = useParams();
  const mx = host ?? null;
  const name = mx ?? 'No MX host named';
  const { filter } = useFilter();
  const detail = useApi('mxHost', { filter, mx });
  const ips = useMemo(() => ipColumns(mx), [mx]);
  const senders = useMemo(() => senderColumns(mx), [mx]);
  return (
    <>
      <p>
        <Link to="/mx">← MX hosts</Link>
      </p>
      <h2 data-testid="mx-host-name">{name}</h2>
      <Loaded state={detail}>
        {(value) =>
          value.senders.length === 0 ? (
            <p className="muted">
              {mx === null ? 'No failure details leave out the MX host' : 'No failure details name this host'} in this
              time range.
            </p>
          ) : (
            <>
              <p>
                {formatCount(value.failedSessions)} failed sessions, from {formatCount(value.senders.length)}{' '}
                {value.senders.length === 1 ? 'sender' : 'senders'}.
              </p>
              <div className="chart-grid">
                <section>
                  <h3>Sending IPs</h3>
                  <SortableTable
                    label={`Sending IPs of failures at ${name}`}
                    testId="mx-sending-ips"
                    rows={value.sendingMtaIps}
                    columns={ips}
                    initialSort={mostFailed}
                  />
                </section>
                <section>
                  <h3>Receiving IPs</h3>
                  <SortableTable
                    label={`Receiving IPs of failures at ${name}`}
                    testId="mx-receiving-ips"
                    rows={value.receivingIps}
                    columns={ips}
                    initialSort={mostFailed}
                  />
                </section>
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
                <ResultTypeChart byResultType={value.byResultType} />
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
