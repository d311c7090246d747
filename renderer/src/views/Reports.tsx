import { useEffect } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import type { ReportDetail, ReportSortColumn } from '../../../shared/api/contract.js';
import { REPORT_SORT_COLUMNS } from '../../../shared/api/sort-columns.js';
import { useApi } from '../api/useApi.js';
import { OriginalReport } from '../components/OriginalReport.js';
import { ExplainButtonOnly } from '../components/ResultTypeName.js';
import { MISSING_RESULT_TYPE } from '../../../shared/summary/types.js';
import { SortIndicator } from '../components/SortableTable.js';
import { Loaded, NotFound } from '../components/States.js';
import { formatCount, formatDateTime, formatDay, orUnnamed } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';
import { ROUTES, reportLink } from '../routes.js';
import { useUrlPage, useUrlSort } from '../state/url-state.js';
import { AsOfTag } from '../components/AsOfTag.js';

/** What a report's page keeps of the list it was opened from, for its way back. */
interface FromReports {
  reportsSearch?: string;
}

const PAGE = 100;

/** The stored reports, newest first, a page at a time. */
export function Reports() {
  const { filter } = useFilter();
  const [params] = useSearchParams();
  const organization = params.get('organization') ?? undefined;
  const [urlSort, setSort] = useUrlSort<ReportSortColumn>('sort', REPORT_SORT_COLUMNS, {
    column: 'startTime',
    direction: 'desc',
  });
  const sort = urlSort ?? { column: 'startTime' as const, direction: 'desc' as const };
  const [pageNumber, setPage] = useUrlPage();
  const offset = (pageNumber - 1) * PAGE;
  const page = useApi('reports', { filter, organization, sort, offset, limit: PAGE });
  const navigate = useNavigate();
  const location = useLocation();
  // A page past the end (a shared link, after fewer reports match): the last page there is.
  const pastEnd = page.status === 'ready' && page.value.rows.length === 0 && page.value.total > 0;
  const lastPage = page.status === 'ready' ? Math.max(1, Math.ceil(page.value.total / PAGE)) : 1;
  useEffect(() => {
    if (pastEnd) setPage(lastPage);
  }, [pastEnd, lastPage, setPage]);
  const open = (id: number): void => {
    const from: FromReports = { reportsSearch: location.search };
    void navigate(reportLink(id), { state: from });
  };
  const header = (column: ReportSortColumn, label: string, numeric = false) => (
    <th
      className={numeric ? 'numeric' : undefined}
      aria-sort={sort.column === column ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        className="sort"
        onClick={() =>
          setSort({
            column,
            direction: sort.column === column && sort.direction === 'desc' ? 'asc' : 'desc',
          })
        }
      >
        {label}
        <SortIndicator sorted={sort.column === column ? sort.direction : false} />
      </button>
    </th>
  );
  return (
    <>
      <h2>
        Reports{organization ? ` from ${organization}` : ''}
        <AsOfTag />
      </h2>
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
                    onClick={() => open(row.id)}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter') open(row.id);
                    }}
                  >
                    <td className="nowrap">{formatDay(row.startTime)}</td>
                    <td>{row.organization}</td>
                    <td className="mono wrap">{row.reportId}</td>
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
                  : rows.length === 0
                    ? `Past the last page: ${formatCount(total)} reports`
                    : `${formatCount(offset + 1)}–${formatCount(offset + rows.length)} of ${formatCount(total)}`}
              </span>
              <button type="button" disabled={pageNumber <= 1} onClick={() => setPage(Math.max(1, pageNumber - 1))}>
                Previous
              </button>
              <button type="button" disabled={offset + PAGE >= total} onClick={() => setPage(pageNumber + 1)}>
                Next
              </button>
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}

/** A name to save a report under: its report-id, with only letters, digits and `.-_@` kept (it is the sender's text). */
function reportFileName(reportId: string): string {
  return `${reportId.replace(/[^A-Za-z0-9.@_-]+/g, '_').slice(0, 120) || 'report'}.json.gz`;
}

type ReportPolicy = ReportDetail['policies'][number];

/**
 * The policies of the same domain on the other side of the counting rule
 * (shared/summary/session-counting.ts, countedPolicies): for a policy that is
 * not counted, the one whose sessions count in its place; for a counted one,
 * those that list its sessions again. Policies without a domain always count.
 */
function countingPeers(policies: readonly ReportPolicy[], index: number): number[] {
  const policy = policies[index];
  if (policy?.policyDomain == null) return [];
  return policies.flatMap((other, otherIndex) =>
    other.policyDomain === policy.policyDomain && other.counted !== policy.counted ? [otherIndex] : [],
  );
}

/** `policy 1`, `policies 1 and 3`: policies as the page numbers them (from 1). */
function policyNumbers(indexes: readonly number[]): string {
  const numbers = indexes.map((index) => String(index + 1));
  const last = numbers.pop();
  return numbers.length === 0 ? `policy ${last ?? ''}` : `policies ${numbers.join(', ')} and ${last ?? ''}`;
}

/** Beside the report's totals: which policies they leave out, as sessions already counted. */
function CountedOnce({ policies }: { policies: readonly ReportPolicy[] }) {
  const listedAgain = policies.flatMap((policy, index) => (policy.counted ? [] : [index]));
  if (listedAgain.length === 0) return null;
  return (
    <span className="muted" data-testid="report-counted-once">
      {' '}
      (each session once: {policyNumbers(listedAgain)} {listedAgain.length === 1 ? 'lists' : 'list'} the sessions of
      another policy again, see below)
    </span>
  );
}

/**
 * Why a policy's figures are or are not in the report's totals, where two
 * policies of one domain list the same sessions (Microsoft's `sts` and `tlsa`
 * pair): without it the totals differ from the policies' sum unexplained.
 */
function PolicyCounting({ policies, index }: { policies: readonly ReportPolicy[]; index: number }) {
  const policy = policies[index];
  const peers = countingPeers(policies, index);
  if (!policy || peers.length === 0) return null;
  if (policy.counted) {
    return (
      <p className="muted" data-testid="policy-counted">
        Counted in the report&rsquo;s totals; {policyNumbers(peers)} {peers.length === 1 ? 'lists' : 'list'} these
        sessions again.
      </p>
    );
  }
  const [counted = 0] = peers;
  const other = policies[counted];
  return (
    <p className="counting-note" data-testid="policy-not-counted">
      <strong>Not in the report&rsquo;s totals:</strong> these are the sessions of policy {counted + 1} (
      {orUnnamed(other?.policyType ?? null, 'no type')} for {policy.policyDomain}) listed again, as a sender that checks
      both DANE and MTA-STS reports each session under both policies. The totals and every other view count them once,
      under policy {counted + 1}: of the policies for one domain, the one that saw the most sessions (on a tie, more
      failures, then the first).
      {policy.failureDetails.length > 0 && ' Its failure details are listed here, not in the Failures list.'}
    </p>
  );
}

/** Everything about one report: summary, policies as the sender saw them, failures, warnings, source, raw JSON. */
export function ReportPage() {
  const { id = '' } = useParams();
  const numericId = Number(id);
  const report = useApi('report', Number.isInteger(numericId) && numericId > 0 ? { id: numericId } : null);
  const from = (useLocation().state ?? {}) as FromReports;
  if (!(Number.isInteger(numericId) && numericId > 0)) {
    return <NotFound message={`"${id}" is not a report number: reports are numbered from 1.`} />;
  }
  return (
    <>
      <p>
        {/* Back to the page, order and filter of the list this report was opened from. */}
        <Link to={`${ROUTES.reports.path}${from.reportsSearch ?? ''}`}>← Reports</Link>
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
                <CountedOnce policies={value.policies} />
                {value.policies.some((policy) => policy.counted && policy.failureDetails.length > 0) && (
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
                <PolicyCounting policies={value.policies} index={index} />
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
                            {policy.counted ? (
                              <>
                                <Link to={failuresLink({ report: value.id, resultType: detail.resultType })}>
                                  {orUnnamed(detail.resultType)}
                                </Link>
                                <ExplainButtonOnly type={detail.resultType ?? MISSING_RESULT_TYPE} />
                              </>
                            ) : (
                              // The Failures list has only counted details: nothing there to link to.
                              <>
                                {orUnnamed(detail.resultType)}
                                <ExplainButtonOnly type={detail.resultType ?? MISSING_RESULT_TYPE} />
                              </>
                            )}
                          </td>
                          <td>{orUnnamed(detail.receivingMxHostname)}</td>
                          <td className="mono wrap">{detail.sendingMtaIp ?? ''}</td>
                          <td className="mono wrap">{detail.receivingIp ?? ''}</td>
                          <td className="numeric">{formatCount(detail.failedSessions)}</td>
                          <td className="wrap">{detail.failureReasonCode ?? ''}</td>
                          <td className="wrap">{detail.additionalInformation ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            ))}
            <OriginalReport gzipBase64={value.originalGzip} fileName={reportFileName(value.reportId)} />
          </article>
        )}
      </Loaded>
    </>
  );
}
