import { memo } from 'react';
import { Link } from 'react-router';
import type { OverviewSummary } from '../../../shared/summary/types.js';
import { useApi, type Loadable } from '../api/useApi.js';
import { FeedSilentNotice, HealthFindingList } from '../components/HealthFindings.js';
import { AsOfTag } from '../components/AsOfTag.js';
import { compareFindings } from '../../../shared/health/findings.js';
import { DomainHealthTable, ReadyForEnforce, isAdviceOfNote, needingAttention } from './Domains.js';
import { ResultTypeChart } from '../components/Charts.js';
import { SessionsOverTimeChart } from '../components/SessionsOverTimeChart.js';
import { EmptyDatabase, Loaded } from '../components/States.js';
import { formatCount, formatRate } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';

/** Drawn again only when its numbers change, not whenever the Overview renders. */
const OverviewResultTypeChart = memo(ResultTypeChart);

/** How many domains the Overview lists before it links to the Domains view for the rest. */
const OVERVIEW_DOMAINS = 8;
/** The "ready for enforce mode" findings the Overview shows in full; Domains has them all. */
const OVERVIEW_ADVICE = 3;

export function Overview() {
  const { filter } = useFilter();
  const options = useApi('filterOptions', {});
  const summary = useApi('overview', { filter });
  if (options.status === 'ready' && options.value.firstReportTime === null) return <EmptyDatabase />;
  return (
    <>
      <DomainHealthSummary />
      <h2 className="section-title">
        Sessions in the time range
        <AsOfTag />
      </h2>
      <OverviewTotals summary={summary} />
    </>
  );
}

/**
 * What a postmaster needs first: is mail to each domain delivered securely,
 * and if not, what is wrong and what to do. Health is as of today (or the
 * as-of day chosen), whatever time range the rest of the page shows; only
 * the policy domain chosen, when one is. A stopped feed is said once, first,
 * and the domains below are then as of the last report.
 */
function DomainHealthSummary() {
  const { state, asOfRequest } = useFilter();
  const answer = useApi('domains', asOfRequest);
  return (
    <section aria-labelledby="health-title" data-testid="overview-health">
      <h2 id="health-title" className="section-title">
        Your domains {state.asOf === null ? 'now' : ''}
        <AsOfTag />
      </h2>
      <Loaded state={answer}>
        {(answered) => {
          const value = {
            ...answered,
            domains:
              state.domain === null
                ? answered.domains
                : answered.domains.filter((domain) => domain.domain === state.domain),
          };
          const attention = needingAttention(value.domains);
          const advice = value.domains
            .flatMap((domain) => domain.findings)
            .filter(isAdviceOfNote)
            .sort(compareFindings);
          const worst = value.domains.slice(0, OVERVIEW_DOMAINS);
          const counts = value.domains.reduce<Record<string, number>>((all, domain) => {
            all[domain.verdict] = (all[domain.verdict] ?? 0) + 1;
            return all;
          }, {});
          return (
            <>
              {value.feedSilent !== null && <FeedSilentNotice finding={value.feedSilent} />}
              <p data-testid="health-headline">
                {(['failing', 'silent', 'degraded', 'healthy'] as const)
                  .filter((verdict) => (counts[verdict] ?? 0) > 0)
                  .map((verdict) => `${formatCount(counts[verdict] ?? 0)} ${verdict}`)
                  .join(' · ')}{' '}
                <span className="muted">
                  as of {value.judgedAsOf} (UTC){value.judgedAsOf !== value.asOf && ', the last report'}
                  {state.domain !== null && `, ${state.domain} only`}
                </span>
              </p>
              {attention.length > 0 ? (
                <>
                  <h3>Needs attention</h3>
                  <HealthFindingList findings={attention.slice(0, 6)} showDomain testId="attention" />
                  {attention.length > 6 && (
                    <p>
                      <Link to="/domains">All {formatCount(attention.length)} findings</Link>
                    </p>
                  )}
                </>
              ) : (
                <p className="ok" data-testid="all-healthy">
                  Nothing needs attention: no MX host fails persistently, and every domain was reported recently.
                </p>
              )}
              <ReadyForEnforce findings={advice.slice(0, OVERVIEW_ADVICE)} testId="overview-ready" />
              {advice.length > OVERVIEW_ADVICE && (
                <p>
                  <Link to="/domains">All {formatCount(advice.length)} domains ready for enforce mode</Link>
                </p>
              )}
              <DomainHealthTable domains={worst} label="Domains, worst first" />
              {value.domains.length > worst.length && (
                <p>
                  <Link to="/domains">All {formatCount(value.domains.length)} domains</Link>
                </p>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function OverviewTotals({ summary }: { summary: Loadable<OverviewSummary> }) {
  return (
    <Loaded state={summary}>
      {(value) => (
        <>
          <section className="cards" aria-label="Totals">
            {/* Each card opens the list behind its number, under the same time range and domain. */}
            <Card label="Reports" value={formatCount(value.reports)} testId="card-reports" to="/reports" />
            <Card
              label="Successful sessions"
              value={formatCount(value.successfulSessions)}
              testId="card-successful"
              to="/senders"
            />
            <Card
              label="Failed sessions"
              value={formatCount(value.failedSessions)}
              testId="card-failed"
              tone={value.failedSessions > 0 ? 'bad' : undefined}
              to={failuresLink({})}
            />
            <Card label="Failure rate" value={formatRate(value.failureRate)} testId="card-rate" to="/domains" />
            <Card label="Senders" value={formatCount(value.senders)} testId="card-senders" to="/senders" />
          </section>
          {value.reports === 0 ? (
            <p className="muted">No reports in this time range and domain.</p>
          ) : (
            <div className="chart-grid">
              <SessionsOverTimeChart days={value.byDay} />
              <OverviewResultTypeChart
                byResultType={value.byResultType}
                reconciliation={value}
                failuresOf={failuresOfType}
              />
            </div>
          )}
        </>
      )}
    </Loaded>
  );
}

/** A stable function, so that the memoized chart is not drawn again for a new one. */
const failuresOfType = (resultType: string | null): string => failuresLink({ resultType });

function Card({
  label,
  value,
  testId,
  tone,
  to,
}: {
  label: string;
  value: string;
  testId: string;
  tone?: 'bad' | undefined;
  to: string;
}) {
  return (
    <Link className={`card card-link${tone ? ` ${tone}` : ''}`} data-testid={testId} to={to}>
      <span className="card-value">{value}</span>
      <span className="card-label">{label}</span>
    </Link>
  );
}
