import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { ReportSortColumn } from '../../../shared/api/contract.js';
import { useApi } from '../api/useApi.js';
import { ExplainButtonOnly } from '../components/ResultTypeName.js';
import { MISSING_RESULT_TYPE } from '../../../shared/summary/types.js';
import { ErrorNote, Loaded } from '../components/States.js';
import { formatCount, formatDateTime, formatDay, orUnnamed } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';

const PAGE = 100;

/** The stored reports, newest first, a page at a time. */
export function Reports() {
  const { filter } = useFilter();
  const [params] = useSearchParams();
  const organization = params.get('organization') ?? undefined;
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState<{ column: ReportSortColumn; direction: 'asc' | 'desc' }>({
    column: 'startTime',
    direction: 'desc',
  });
  const page = useApi('reports', { filter, organization, sort, offset, limit: PAGE });
  const navigate = useNavigate();
  const header = (column: ReportSortColumn, label: string, numeric = false) => (
    <th
      className={numeric ? 'numeric' : undefined}
      aria-sort={sort.column === column ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        className="sort"
        onClick={() => {
          setOffset(0);
          setSort((previous) => ({
            column,
            direction: previous.column === column && previous.direction === 'desc' ? 'asc' : 'desc',
          }));
        }}
      >
        {label}
      </button>
    </th>
  );
  return (
    <>
      <h2>Reports{organization ? ` from ${organization}` : ''}</h2>
      <Loaded state={page}>
        {({ total, rows }) => (
          <>
            <table className="data-table" aria-label="Reports" data-testid="reports-table">
              <thead>
                <tr>
                  {header('startTime', 'Period start')}
                  {header('organization', 'Sender')}
                  <th>Report id</th>
                  <th>Policy domains</th>
                  {header('successfulSessions', 'Successful', true)}
                  {header('failedSessions', 'Failed', true)}
                  <th className="numeric">Warnings</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr
                    key={row.id}
                    className="clickable"
                    tabIndex={0}
                    onClick={() => void navigate(`/reports/${row.id}`)}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter') void navigate(`/reports/${row.id}`);
                    }}
                  >
                    <td>{formatDay(row.startTime)}</td>
                    <td>{row.organization}</td>
                    <td className="mono">{row.reportId}</td>
                    <td>{row.policyDomains.join(', ')}</td>
                    <td className="numeric">{formatCount(row.successfulSessions)}</td>
                    <td className="numeric">{formatCount(row.failedSessions)}</td>
                    <td className="numeric">{row.warnings > 0 ? row.warnings : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="toolbar">
              <span>
                {total === 0
                  ? 'No reports'
                  : `${formatCount(offset + 1)}–${formatCount(offset + rows.length)} of ${formatCount(total)}`}
              </span>
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Previous
              </button>
              <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
                Next
              </button>
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}

/** Everything about one report: summary, policies as the sender saw them, failures, warnings, source, raw JSON. */
export function ReportPage() {
  const { id = '' } = useParams();
  const numericId = Number(id);
  const report = useApi('report', Number.isInteger(numericId) && numericId > 0 ? { id: numericId } : null);
  if (!(Number.isInteger(numericId) && numericId > 0)) return <ErrorNote message={`"${id}" is not a report number.`} />;
  return (
    <>
      <p>
        <Link to="/reports">← Reports</Link>
      </p>
      <Loaded state={report}>
        {(value) => (
          <article className="report" aria-labelledby="report-title">
            <h2 id="report-title">
              Report from <span data-testid="report-organization">{value.organization}</span>
            </h2>
            <dl className="facts">
              <dt>Report id</dt>
              <dd className="mono">{value.reportId}</dd>
              <dt>Period</dt>
              <dd>
                {formatDateTime(value.startTime)} – {formatDateTime(value.endTime)}
              </dd>
              <dt>Contact</dt>
              <dd>{value.contactInfo ?? '(none given)'}</dd>
              <dt>Sessions</dt>
              <dd>
                {formatCount(value.successfulSessions)} successful, {formatCount(value.failedSessions)} failed
                {value.policies.some((policy) => policy.failureDetails.length > 0) && (
                  <>
                    {' '}
                    · <Link to={failuresLink({ report: value.id })}>its failure details in the Failures list</Link>
                  </>
                )}
              </dd>
              <dt>Source</dt>
              <dd className="mono">
                {value.sourceKind}: {value.sourceRef}
              </dd>
              {value.receivedAt !== null && (
                <>
                  <dt>E-mail date</dt>
                  <dd>{formatDateTime(value.receivedAt)}</dd>
                </>
              )}
              <dt>Imported</dt>
              <dd>{formatDateTime(value.importedAt)}</dd>
            </dl>
            {value.warningList.length > 0 && (
              <section aria-labelledby="warnings-title">
                <h3 id="warnings-title">Warnings from import</h3>
                <ul className="warnings">
                  {value.warningList.map((warning, index) => (
                    <li key={index}>
                      {warning.field !== null && <code>{warning.field}</code>} {warning.message}
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {value.policies.map((policy, index) => (
              <section key={index} className="policy" aria-label={`Policy ${index + 1}`}>
                <h3>
                  Policy {index + 1}: {orUnnamed(policy.policyType, 'no type')} for{' '}
                  {orUnnamed(policy.policyDomain, 'no domain')}
                </h3>
                <p>
                  {formatCount(policy.successfulSessions)} successful, {formatCount(policy.failedSessions)} failed
                  sessions
                  {policy.mxHosts.length > 0 && <> · MX hosts in policy: {policy.mxHosts.join(', ')}</>}
                </p>
                {policy.policyStrings !== null && (
                  <pre className="policy-string">{policy.policyStrings.join('\n')}</pre>
                )}
                {policy.failureDetails.length > 0 && (
                  <table className="data-table compact" aria-label={`Failure details of policy ${index + 1}`}>
                    <thead>
                      <tr>
                        <th>Result type</th>
                        <th>MX host</th>
                        <th>Sending IP</th>
                        <th>Receiving IP</th>
                        <th className="numeric">Failed</th>
                        <th>Reason code</th>
                        <th>Additional information</th>
                      </tr>
                    </thead>
                    <tbody>
                      {policy.failureDetails.map((detail) => (
                        <tr key={detail.id}>
                          <td>
                            <Link to={failuresLink({ report: value.id, resultType: detail.resultType })}>
                              {orUnnamed(detail.resultType)}
                            </Link>
                            <ExplainButtonOnly type={detail.resultType ?? MISSING_RESULT_TYPE} />
                          </td>
                          <td>{orUnnamed(detail.receivingMxHostname)}</td>
                          <td>{detail.sendingMtaIp ?? ''}</td>
                          <td>{detail.receivingIp ?? ''}</td>
                          <td className="numeric">{formatCount(detail.failedSessions)}</td>
                          <td>{detail.failureReasonCode ?? ''}</td>
                          <td className="wrap">{detail.additionalInformation ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            ))}
            <details>
              <summary>Raw JSON as sent</summary>
              <pre className="raw-json" data-testid="raw-json">
                {value.rawJson}
              </pre>
            </details>
          </article>
        )}
      </Loaded>
    </>
  );
}
