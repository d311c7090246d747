import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import type { MxHostFailures } from '../../../shared/summary/types.js';
import { domainForms, domainLabel } from '../../../shared/policy/idn.js';
import { useApi } from '../api/useApi.js';
import { SortableTable } from '../components/SortableTable.js';
import { DetailsBeyondTotal, NoFailureDetailsRow } from '../components/Charts.js';
import { mxBreakdownColumns, mxSinceColumns } from '../components/mx-columns.js';
import { Loaded } from '../components/States.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';
import { mxHostLink } from '../routes.js';
import { AsOfTag } from '../components/AsOfTag.js';

/** A row of the list: the host's failures, and its policy domains once they have come (null until then). */
type MxHostRow = MxHostFailures & { policyDomains: string[] | null };

const column = createColumnHelper<MxHostRow>();
const columns = [
  ...mxBreakdownColumns<MxHostRow>((mx, resultType) => failuresLink({ mx, resultType })),
  column.accessor((row) => row.policyDomains?.join(', ') ?? '', {
    id: 'policyDomains',
    header: 'Policy domains',
    // A shared MX service may receive for many domains: the first few, and how many more.
    cell: (cell) => <PolicyDomains domains={cell.row.original.policyDomains} />,
  }),
  ...mxSinceColumns<MxHostRow>(),
  column.accessor((row) => row.mx ?? '', {
    id: 'failures',
    header: 'Failure details',
    enableSorting: false,
    // A link inside an openable row: the click and Enter are the link's, not the row's.
    cell: (cell) => (
      <Link
        to={failuresLink({ mx: cell.row.original.mx })}
        onClick={(event) => {
          event.stopPropagation();
        }}
        onKeyDown={(event) => {
          event.stopPropagation();
        }}
      >
        Failures
      </Link>
    ),
  }),
];

/** How many policy domains a row names before it says "and N more". */
const DOMAINS_SHOWN = 3;

function PolicyDomains({ domains }: { domains: readonly string[] | null }) {
  if (domains === null) return <span className="muted">…</span>;
  if (domains.length === 0) return <span className="muted">(not named)</span>;
  // IDN domains as people read them; the title gives the A-labels too.
  const shown = domains.slice(0, DOMAINS_SHOWN).map((domain) => domainForms(domain).unicode);
  return (
    <span title={domains.map((domain) => domainLabel(domain)).join(', ')}>
      {shown.join(', ')}
      {domains.length > shown.length && <span className="muted"> and {domains.length - shown.length} more</span>}
    </span>
  );
}

/** One row per receiving MX host named in failure details; a row opens that host. */
export function MxHosts() {
  const { filter } = useFilter();
  const rows = useApi('mxHosts', { filter });
  // The domains column comes in its own call, so the list does not wait for it.
  const domains = useApi('mxHostPolicyDomains', { filter });
  const domainsOf = useMemo(
    () => (domains.status === 'ready' ? new Map(domains.value.map((entry) => [entry.mx, entry.policyDomains])) : null),
    [domains],
  );
  const navigate = useNavigate();
  return (
    <>
      <h2>
        MX hosts
        <AsOfTag />
      </h2>
      <Loaded state={rows}>
        {(value) => (
          <>
            {value.hosts.length === 0 && value.failedWithoutDetails === 0 ? (
              <p className="muted">No failures name an MX host in this time range.</p>
            ) : (
              <SortableTable
                label="MX hosts"
                testId="mx-table"
                rows={value.hosts.map((host) => ({ ...host, policyDomains: domainsOf?.get(host.mx) ?? null }))}
                columns={columns}
                onRowOpen={(row) => void navigate(mxHostLink(row.mx))}
                footer={
                  <NoFailureDetailsRow
                    count={value.failedWithoutDetails}
                    columns={columns.length}
                    note="Failed sessions the senders counted without failure details, so without an MX host."
                    testId="mx-without-details"
                  />
                }
              />
            )}
            <DetailsBeyondTotal count={value.detailsBeyondTotal} />
          </>
        )}
      </Loaded>
    </>
  );
}
