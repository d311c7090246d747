import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { DomainResultType } from '../../../shared/api/contract.js';
import type { DomainHealth, Verdict } from '../../../shared/health/assess-domain.js';
import { compareFindings, type HealthFinding } from '../../../shared/health/findings.js';
import { HEALTH_THRESHOLDS, attentionRank, findingSummary } from '../../../shared/health/assess-domain.js';
import type { MxHostFailures } from '../../../shared/summary/types.js';
import { useApi } from '../api/useApi.js';
import { DetailsBeyondTotal, NoFailureDetailsRow } from '../components/Charts.js';
import { FailureRateChart } from '../components/DailyLineChart.js';
import { FeedSilentNotice, HealthFindingList } from '../components/HealthFindings.js';
import { AsOfTag } from '../components/AsOfTag.js';
import { ExplainButtonOnly } from '../components/ResultTypeName.js';
import { SortableTable } from '../components/SortableTable.js';
import { senderColumnsBrief } from '../components/sender-columns.js';
import { DateText, mxBreakdownColumns, mxSinceColumns } from '../components/mx-columns.js';
import { ErrorNote, Loaded, Loading, NotFound } from '../components/States.js';
import { formatCount, formatDay, formatRate, orUnnamed } from '../format.js';
import { useFilter } from '../state/filter.js';
import { domainLink, mxHostLink, policiesLink, senderLink } from '../routes.js';
import { failuresLink, resultTypeFilter } from './failure-links.js';

const VERDICT_LABEL: Record<Verdict, string> = {
  failing: 'Failing',
  silent: 'Silent',
  degraded: 'Degraded',
  healthy: 'Healthy',
};

function VerdictBadge({ verdict }: { verdict: Verdict }) {
  return (
    <span className={`verdict ${verdict}`} data-testid="verdict" data-verdict={verdict}>
      {VERDICT_LABEL[verdict]}
    </span>
  );
}

const TREND_LABEL = { rising: '↑ rising', falling: '↓ falling', steady: '→ steady' } as const;

function policyText(health: DomainHealth): string {
  const parts = [];
  if (health.stsMode !== null) parts.push(`MTA-STS ${health.stsMode}`);
  else if (health.policyTypes.includes('sts')) parts.push('MTA-STS');
  if (health.dane) parts.push('DANE');
  if (parts.length === 0 && health.policyTypes.includes('no-policy-found')) parts.push('no policy');
  return parts.join(' + ');
}

const column = createColumnHelper<DomainHealth>();
const domainColumns = [
  column.accessor('domain', {
    header: 'Domain',
    cell: (cell) => (
      <Link
        to={domainLink(cell.getValue())}
        onClick={(event) => {
          event.stopPropagation();
        }}
      >
        {cell.getValue()}
      </Link>
    ),
  }),
  column.accessor(attentionRank, {
    id: 'verdict',
    header: 'Verdict',
    cell: (cell) => <VerdictBadge verdict={cell.row.original.verdict} />,
  }),
  column.accessor('reason', {
    header: 'Why',
    enableSorting: false,
    cell: (cell) => <VerdictReason health={cell.row.original} />,
  }),
  column.accessor((row) => row.recentFailureRate ?? -1, {
    id: 'rate',
    header: `Failed, last ${HEALTH_THRESHOLDS.recentDays} days`,
    cell: (cell) => {
      const health = cell.row.original;
      return (
        <>
          {formatRate(health.recentFailureRate)}
          {health.trend !== null && (
            <span className="muted" title={`${formatRate(health.baselineFailureRate)} in the 4 weeks before`}>
              {' '}
              {TREND_LABEL[health.trend]}
            </span>
          )}
        </>
      );
    },
    meta: { numeric: true },
  }),
  column.accessor((row) => row.failingMxHosts.map((mx) => orUnnamed(mx)).join(', '), {
    id: 'failingMx',
    header: 'Failing MX hosts',
  }),
  column.accessor('recentSenders', {
    header: 'Senders',
    meta: { numeric: true },
  }),
  column.accessor((row) => row.lastReport ?? '', {
    id: 'lastReport',
    header: 'Last report',
    cell: (cell) => <DateText date={cell.getValue()} />,
  }),
  column.accessor(policyText, { id: 'policy', header: 'Policy senders saw' }),
];

/**
 * Why a domain has its verdict, with the explanation of the result type the
 * reason names: the reason is the summary of the finding behind the verdict
 * (verdictOf in shared/health/assess-domain.ts), or a rate that names none.
 */
function VerdictReason({ health }: { health: DomainHealth }) {
  const type = health.findings.find((finding) => findingSummary(finding) === health.reason)?.resultType ?? null;
  return (
    <>
      {health.reason}
      {type !== null && <ExplainButtonOnly type={type} />}
    </>
  );
}

/** One row per policy domain: the verdict first, and why. */
export function DomainHealthTable({ domains, label }: { domains: DomainHealth[]; label: string }) {
  const navigate = useNavigate();
  return (
    <SortableTable
      label={label}
      testId="domains-table"
      rows={domains}
      columns={domainColumns}
      initialSort={[{ id: 'verdict', desc: false }]}
      onRowOpen={(row) => void navigate(domainLink(row.domain))}
      openedByLink
    />
  );
}

/** The findings that need attention (errors and warnings), worst first (compareFindings). */
export function needingAttention(domains: readonly DomainHealth[]) {
  return domains
    .flatMap((domain) => domain.findings)
    .filter((finding) => finding.severity !== 'info')
    .sort(compareFindings);
}

/**
 * The findings of note that are advice to act on: a domain whose MTA-STS
 * testing mode saw no failure can move to enforce. They are info (nothing is
 * broken), but folded with the rest of the info findings no one would see them.
 */
export function isAdviceOfNote(finding: HealthFinding): boolean {
  return finding.code === 'policy-testing-clean';
}

/** The "ready for enforce mode" findings, shown outside the fold on Domains and the Overview. */
export function ReadyForEnforce({ findings, testId }: { findings: HealthFinding[]; testId: string }) {
  if (findings.length === 0) return null;
  return (
    <>
      <h3>Ready for enforce mode</h3>
      <HealthFindingList findings={findings} showDomain testId={testId} />
    </>
  );
}

/**
 * Errors and warnings in full, then the advice of note (ready for enforce
 * mode); the other findings of note (info) folded, so that what needs doing
 * stands out.
 */
function FindingsWorstFirst({ findings }: { findings: HealthFinding[] }) {
  const sorted = [...findings].sort(compareFindings);
  const attention = sorted.filter((finding) => finding.severity !== 'info');
  const advice = sorted.filter((finding) => finding.severity === 'info' && isAdviceOfNote(finding));
  const ofNote = sorted.filter((finding) => finding.severity === 'info' && !isAdviceOfNote(finding));
  return (
    <>
      <h3>Findings</h3>
      {attention.length === 0 ? (
        <p className="ok">Nothing needs attention.</p>
      ) : (
        <HealthFindingList findings={attention} showDomain />
      )}
      <ReadyForEnforce findings={advice} testId="findings-ready" />
      {ofNote.length > 0 && (
        <details data-testid="findings-of-note">
          <summary>
            {formatCount(ofNote.length)} {ofNote.length === 1 ? 'finding' : 'findings'} of note (info)
          </summary>
          <HealthFindingList findings={ofNote} showDomain testId="findings-info" />
        </details>
      )}
    </>
  );
}

/**
 * The sessions of policies that name no policy domain: in the Overview's
 * totals, in no row above; said here so that the two reconcile.
 */
function SessionsWithoutDomain() {
  const { filter } = useFilter();
  const answer = useApi('sessionsWithoutDomain', { filter });
  if (answer.status !== 'ready') return null;
  const { successfulSessions, failedSessions } = answer.value;
  if (successfulSessions + failedSessions === 0) return null;
  return (
    <p className="muted" data-testid="sessions-without-domain">
      Not in any row: {formatCount(successfulSessions + failedSessions)} sessions ({formatCount(failedSessions)} failed)
      that senders reported under a policy naming no policy domain, in the time range chosen above. They count in the
      Overview&rsquo;s totals and in the Failures list.
    </p>
  );
}

/** Every policy domain's health now, and the findings behind it. */
export function Domains() {
  const { asOfRequest } = useFilter();
  const answer = useApi('domains', asOfRequest);
  return (
    <>
      <h2>
        Domains
        <AsOfTag />
      </h2>
      <Loaded state={answer}>
        {(value) =>
          value.domains.length === 0 ? (
            <p className="muted">No report names a policy domain yet.</p>
          ) : (
            <>
              {value.feedSilent !== null && <FeedSilentNotice finding={value.feedSilent} />}
              <p className="muted" data-testid="domains-as-of">
                Health as of {value.judgedAsOf} (UTC)
                {value.judgedAsOf !== value.asOf && ', the last report'}, from the reports of the last{' '}
                {HEALTH_THRESHOLDS.recentDays} days against the {HEALTH_THRESHOLDS.baselineDays} before them.
              </p>
              <DomainHealthTable domains={value.domains} label="Domains" />
              <SessionsWithoutDomain />
              <FindingsWorstFirst findings={value.domains.flatMap((domain) => domain.findings)} />
            </>
          )
        }
      </Loaded>
    </>
  );
}

/**
 * The last days' sessions in words. A domain no report covered in them has
 * no rate: "– of 0 sessions failed" said it in symbols.
 */
function RecentSessions({ health }: { health: DomainHealth }) {
  const sessions = health.recentSuccessful + health.recentFailed;
  const baseline =
    health.baselineFailureRate === null
      ? `none in the ${HEALTH_THRESHOLDS.baselineDays} days before either`
      : `${formatRate(health.baselineFailureRate)} failed in the ${HEALTH_THRESHOLDS.baselineDays} days before`;
  if (sessions === 0) {
    return (
      <>
        no report covered a session in the last {HEALTH_THRESHOLDS.recentDays} days ({baseline})
      </>
    );
  }
  return (
    <>
      {formatRate(health.recentFailureRate)} of {formatCount(sessions)} sessions failed in the last{' '}
      {HEALTH_THRESHOLDS.recentDays} days ({formatRate(health.baselineFailureRate)} in the{' '}
      {HEALTH_THRESHOLDS.baselineDays} days before)
    </>
  );
}

/** A domain's MX hosts; a result type's segment opens that host's failures of the type for the domain. */
function domainMxColumns(domain: string) {
  return [
    ...mxBreakdownColumns<MxHostFailures>((mx, resultType) => failuresLink({ domain, mx, resultType })),
    ...mxSinceColumns<MxHostFailures>(),
  ];
}

const resultColumn = createColumnHelper<DomainResultType>();
/** A domain's result types; each opens the domain's failures of that type. */
const domainResultTypeColumns = (domain: string) => [
  resultColumn.accessor('resultType', {
    header: 'Result type',
    cell: (cell) => (
      <>
        <Link to={failuresLink({ domain, resultType: resultTypeFilter(cell.getValue()) })}>{cell.getValue()}</Link>
        <ExplainButtonOnly type={cell.getValue()} />
      </>
    ),
  }),
  resultColumn.accessor('failedSessions', {
    header: 'Failed',
    cell: (cell) => formatCount(cell.getValue()),
    meta: { numeric: true },
  }),
  resultColumn.accessor('firstSeen', { header: 'First seen', cell: (cell) => <DateText date={cell.getValue()} /> }),
  resultColumn.accessor('lastSeen', { header: 'Last seen', cell: (cell) => <DateText date={cell.getValue()} /> }),
];

const mostFailed = [{ id: 'failedSessions', desc: true }];

/** One policy domain: the verdict and its findings, then MX hosts, result types, senders and policies. */
export function DomainPage() {
  const { domain = '' } = useParams();
  const { filter, asOfRequest } = useFilter();
  const detail = useApi('domain', { filter, domain, ...asOfRequest });
  const navigate = useNavigate();
  const mxColumns = useMemo(() => domainMxColumns(domain), [domain]);
  const resultTypeColumns = useMemo(() => domainResultTypeColumns(domain), [domain]);
  if (detail.status === 'loading') return <Loading />;
  if (detail.status === 'error' && detail.code === 'not-found') {
    return <NotFound message={`No stored report names the policy domain “${domain}”.`} />;
  }
  if (detail.status === 'error') {
    return (
      <>
        <p>
          <Link to="/domains">← Domains</Link>
        </p>
        <h2>{domain}</h2>
        <ErrorNote message={detail.message} retry />
      </>
    );
  }
  const value = detail.value;
  const { health } = value;
  return (
    <>
      <p>
        <Link to="/domains">← Domains</Link>
      </p>
      <h2 className="domain-title">
        <span data-testid="domain-name">{value.domain}</span> <VerdictBadge verdict={health.verdict} />
        <AsOfTag />
      </h2>
      {value.feedSilent !== null && <FeedSilentNotice finding={value.feedSilent} />}
      <p data-testid="domain-reason">{health.reason}</p>
      <p className="muted" data-testid="domain-as-of">
        As of {value.judgedAsOf}
        {value.judgedAsOf !== value.asOf && ' (the last report)'}: <RecentSessions health={health} />;{' '}
        {formatCount(health.recentSenders)} senders reported; last report {health.lastReport ?? 'never'};{' '}
        {policyText(health) || 'no policy reported'}.
      </p>
      {health.findings.length > 0 && <HealthFindingList findings={health.findings} showDomain={false} />}
      <FailureRateChart
        daily={health.daily}
        title={`Failure rate per day, the last ${health.daily.length} days (UTC)`}
      />
      <h3>In the time range chosen above</h3>
      <p data-testid="domain-totals">
        {formatCount(value.successfulSessions)} successful and{' '}
        <span data-testid="domain-failed">{formatCount(value.failedSessions)}</span> failed sessions in the
        senders&rsquo; totals. <Link to={failuresLink({ domain: value.domain })}>All failure details</Link>
      </p>
      <div className="table-grid">
        <section>
          <h3>MX hosts</h3>
          {value.byMx.length === 0 && value.failedWithoutDetails === 0 ? (
            <p className="muted">No failure details name an MX host of this domain in this range.</p>
          ) : (
            <SortableTable
              label={`MX hosts of ${value.domain}`}
              testId="domain-mx-table"
              rows={value.byMx}
              columns={mxColumns}
              initialSort={mostFailed}
              onRowOpen={(row) => void navigate(mxHostLink(row.mx))}
              footer={
                <NoFailureDetailsRow
                  count={value.failedWithoutDetails}
                  columns={mxColumns.length}
                  note="Failed sessions the senders counted without failure details, so without an MX host."
                  testId="domain-mx-without-details"
                />
              }
            />
          )}
          <DetailsBeyondTotal count={value.detailsBeyondTotal} />
        </section>
        <section>
          <h3>Result types</h3>
          {value.byResultType.length === 0 && value.failedWithoutDetails === 0 ? (
            <p className="muted">No failure details in this range.</p>
          ) : (
            <SortableTable
              label={`Result types at ${value.domain}`}
              testId="domain-result-types"
              rows={value.byResultType}
              columns={resultTypeColumns}
              initialSort={mostFailed}
              footer={
                <NoFailureDetailsRow
                  count={value.failedWithoutDetails}
                  columns={resultTypeColumns.length}
                  note="Failed sessions the senders counted without failure details, so without a result type."
                  testId="domain-types-without-details"
                />
              }
            />
          )}
          <DetailsBeyondTotal count={value.detailsBeyondTotal} />
        </section>
      </div>
      <div className="table-grid">
        <section>
          <h3>Senders</h3>
          <SortableTable
            label={`Senders that reported ${value.domain}`}
            testId="domain-senders"
            rows={value.senders}
            columns={senderColumnsBrief}
            initialSort={mostFailed}
            onRowOpen={(row) => void navigate(senderLink(row.organization))}
          />
        </section>
        <section>
          <h3>Policies senders saw</h3>
          {value.policies.length === 0 ? (
            <p className="muted">No sender quoted a policy for this domain.</p>
          ) : (
            <ul className="policy-history" data-testid="domain-policies">
              {value.policies.map((policy) => (
                <li key={`${policy.policyType ?? ''} ${policy.firstSeen} ${policy.policyStrings.join('\n')}`}>
                  <strong>{policy.policyType ?? '(no type)'}</strong>{' '}
                  <span className="muted">
                    {formatDay(policy.firstSeen)} to {formatDay(policy.lastSeen)}, {formatCount(policy.reports)} reports
                  </span>
                  <pre className="policy-string">{policy.policyStrings.join('\n')}</pre>
                </li>
              ))}
            </ul>
          )}
          <Link to={policiesLink(value.domain)}>Check these policies and the records</Link>
        </section>
      </div>
    </>
  );
}
