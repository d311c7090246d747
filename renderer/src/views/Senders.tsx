import { useMemo } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { MxBreakdown } from '../../../shared/summary/types.js';
import { useApi } from '../api/useApi.js';
import { DetailsBeyondTotal, NoFailureDetailsRow, ResultTypeChart } from '../components/Charts.js';
import { SortableTable } from '../components/SortableTable.js';
import { mxBreakdownColumns } from '../components/mx-columns.js';
import { senderColumns } from '../components/sender-columns.js';
import { Loaded, NotFound } from '../components/States.js';
import { ROUTES, reportsLink, senderLink } from '../routes.js';
import { formatCount } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';
import { AsOfTag } from '../components/AsOfTag.js';

/** One row per reporting organization. */
export function Senders() {
  const { filter } = useFilter();
  const senders = useApi('senders', { filter });
  const navigate = useNavigate();
  return (
    <>
      <h2>
        Senders
        <AsOfTag />
      </h2>
      <Loaded state={senders}>
        {(value) => {
          return value.length === 0 ? (
            <p className="muted">No sender reported in this time range.</p>
          ) : (
            <SortableTable
              label="Senders"
              testId="senders-table"
              rows={value}
              columns={senderColumns}
              initialSort={[{ id: 'failedSessions', desc: true }]}
              onRowOpen={(row) => void navigate(senderLink(row.organization))}
            />
          );
        }}
      </Loaded>
    </>
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
  if (breakdown.status === 'error' && breakdown.code === 'not-found') {
    return <NotFound message={`No stored report is from a sender named “${organization}”.`} />;
  }
  return (
    <>
      <p>
        <Link to={ROUTES.senders.path}>← Senders</Link>
      </p>
      <h2>
        {organization}
        <AsOfTag />
      </h2>
      <Loaded state={breakdown}>
        {(value) =>
          value.failedSessions === 0 ? (
            <p className="muted">This sender reported no failures in this time range.</p>
          ) : (
            <>
              <p data-testid="sender-failed">
                <span data-testid="sender-failed-total">{formatCount(value.failedSessions)}</span> failed sessions in
                its reports, as it summarized them.
              </p>
              <div className="table-grid">
                {(value.byMx.length > 0 || value.failedWithoutDetails > 0) && (
                  <section>
                    <h3>Failures by MX host</h3>
                    <SortableTable
                      label={`Failures reported by ${organization} by MX host`}
                      rows={value.byMx}
                      columns={mxColumns}
                      testId="sender-mx-table"
                      // A host's row opens this sender's failures there.
                      onRowOpen={(row) => void navigate(failuresLink({ organization, mx: row.mx }))}
                      footer={
                        <NoFailureDetailsRow
                          count={value.failedWithoutDetails}
                          columns={mxColumns.length}
                          note="Failed sessions it counted without failure details, so without an MX host."
                          testId="sender-mx-without-details"
                        />
                      }
                    />
                    <DetailsBeyondTotal count={value.detailsBeyondTotal} />
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
        <Link to={reportsLink(organization)}>Its reports</Link>
      </p>
    </>
  );
}
