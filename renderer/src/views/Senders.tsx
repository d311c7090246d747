import { Link, useNavigate, useParams } from 'react-router';
import type { MxBreakdown } from '../../../shared/summary/types.js';
import { useApi } from '../api/useApi.js';
import { ResultTypeChart } from '../components/Charts.js';
import { SortableTable } from '../components/SortableTable.js';
import { mxBreakdownColumns } from '../components/mx-columns.js';
import { senderColumns } from '../components/sender-columns.js';
import { Loaded } from '../components/States.js';
import { formatCount } from '../format.js';
import { useFilter } from '../state/filter.js';

/** One row per reporting organization. */
export function Senders() {
  const { filter } = useFilter();
  const senders = useApi('senders', { filter });
  const navigate = useNavigate();
  return (
    <Loaded state={senders}>
      {(value) => {
        return (
          <>
            <h2>Senders</h2>
            <SortableTable
              label="Senders"
              testId="senders-table"
              rows={value}
              columns={senderColumns}
              initialSort={[{ id: 'failedSessions', desc: true }]}
              onRowOpen={(row) => void navigate(`/senders/${encodeURIComponent(row.organization)}`)}
            />
          </>
        );
      }}
    </Loaded>
  );
}

const mxColumns = mxBreakdownColumns<MxBreakdown>();

/** One sender: where its failures happened, and why. */
export function SenderPage() {
  const { organization = '' } = useParams();
  const { filter } = useFilter();
  const breakdown = useApi('sender', { filter, organization });
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
                    />
                  </section>
                )}
                <ResultTypeChart byResultType={value.byResultType} reconciliation={value} />
              </div>
            </>
          )
        }
      </Loaded>
      <p>
        <Link to={`/failures?organization=${encodeURIComponent(organization)}`}>
          All failure details from this sender
        </Link>{' '}
        · <Link to={`/reports?organization=${encodeURIComponent(organization)}`}>Its reports</Link>
      </p>
    </>
  );
}
