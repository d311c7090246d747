import { memo } from 'react';
import { useApi } from '../api/useApi.js';
import { ResultTypeChart } from '../components/Charts.js';
import { SessionsOverTimeChart } from '../components/SessionsOverTimeChart.js';
import { EmptyDatabase, Loaded } from '../components/States.js';
import { formatCount, formatRate } from '../format.js';
import { useFilter } from '../state/filter.js';

/** Drawn again only when its numbers change, not whenever the Overview renders. */
const OverviewResultTypeChart = memo(ResultTypeChart);

export function Overview() {
  const { filter } = useFilter();
  const options = useApi('filterOptions', {});
  const summary = useApi('overview', { filter });
  if (options.status === 'ready' && options.value.firstReportTime === null) return <EmptyDatabase />;
  return (
    <Loaded state={summary}>
      {(value) => (
        <>
          <section className="cards" aria-label="Totals">
            <Card label="Reports" value={formatCount(value.reports)} testId="card-reports" />
            <Card label="Successful sessions" value={formatCount(value.successfulSessions)} testId="card-successful" />
            <Card
              label="Failed sessions"
              value={formatCount(value.failedSessions)}
              testId="card-failed"
              tone={value.failedSessions > 0 ? 'bad' : undefined}
            />
            <Card label="Failure rate" value={formatRate(value.failureRate)} testId="card-rate" />
            <Card label="Senders" value={formatCount(value.senders)} testId="card-senders" />
          </section>
          {value.reports === 0 ? (
            <p className="muted">No reports in this time range and domain.</p>
          ) : (
            <div className="chart-grid">
              <SessionsOverTimeChart days={value.byDay} />
              <OverviewResultTypeChart byResultType={value.byResultType} />
            </div>
          )}
        </>
      )}
    </Loaded>
  );
}

function Card({
  label,
  value,
  testId,
  tone,
}: {
  label: string;
  value: string;
  testId: string;
  tone?: 'bad' | undefined;
}) {
  return (
    <div className={`card${tone ? ` ${tone}` : ''}`} data-testid={testId}>
      <div className="card-value">{value}</div>
      <div className="card-label">{label}</div>
    </div>
  );
}
