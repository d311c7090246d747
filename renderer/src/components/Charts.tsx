import { Link, useNavigate } from 'react-router';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { MISSING_RESULT_TYPE, NO_FAILURE_DETAILS, type Reconciliation } from '../../../shared/summary/types.js';
import { ExplainButtonOnly, ResultTypeName } from './ResultTypeName.js';
import { formatCount } from '../format.js';

const COLORS = { successful: 'var(--chart-ok)', failed: 'var(--chart-fail)' };

/**
 * Failed sessions per result type, largest first, with the numbers beside the
 * bars. With a reconciliation, the failed sessions that no failure detail
 * explains are a row of their own (grey), and details beyond the senders'
 * totals are noted, so the rows add up to the failed sessions shown elsewhere.
 * With `failuresOf`, each bar and row opens the failure details behind it
 * (the row without details has none to open).
 */
export function ResultTypeChart({
  byResultType,
  reconciliation,
  title = 'Failed sessions by result type',
  failuresOf,
  excessUpTo = false,
}: {
  byResultType: Record<string, number>;
  reconciliation?: Pick<Reconciliation, 'failedWithoutDetails' | 'detailsBeyondTotal'> | undefined;
  title?: string;
  /** The excess is at most what is given (one MX host's share of reports that over-counted at several). */
  excessUpTo?: boolean;
  /** Where the failures of a result type are listed; null: those that named none. */
  failuresOf?: ((resultType: string | null) => string) | undefined;
}) {
  const navigate = useNavigate();
  const linkOf = (type: string): string | null =>
    failuresOf === undefined || type === NO_FAILURE_DETAILS
      ? null
      : failuresOf(type === MISSING_RESULT_TYPE ? null : type);
  // The row without details is a bar of its own colour: a second series, zero on every other row.
  const data = Object.entries(byResultType)
    .map(([type, failed]) => ({ type, failed, withoutDetails: 0 }))
    .sort((a, b) => b.failed - a.failed);
  const without = reconciliation?.failedWithoutDetails ?? 0;
  if (without > 0) data.push({ type: NO_FAILURE_DETAILS, failed: 0, withoutDetails: without });
  if (data.length === 0) return null;
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div className="chart-area" data-testid="result-type-chart">
        <ResponsiveContainer width="100%" height={Math.max(120, data.length * 36 + 40)}>
          <BarChart data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" horizontal={false} />
            <XAxis
              type="number"
              allowDecimals={false}
              tickFormatter={formatCount}
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
            />
            <YAxis type="category" dataKey="type" width={190} tick={{ fill: 'var(--text)', fontSize: 12 }} />
            <Tooltip
              formatter={(value) => formatCount(Number(value))}
              contentStyle={{ background: 'var(--panel)', color: 'var(--text)' }}
            />
            <Bar
              dataKey="failed"
              name="Failed sessions"
              stackId="f"
              fill={COLORS.failed}
              isAnimationActive={false}
              cursor={failuresOf === undefined ? undefined : 'pointer'}
              onClick={(entry: { payload?: { type?: string } }) => {
                // A bar opens what its row links to; the row's link is the way by keyboard.
                const to = linkOf(entry.payload?.type ?? NO_FAILURE_DETAILS);
                if (to !== null) void navigate(to);
              }}
            />
            {without > 0 && (
              <Bar
                dataKey="withoutDetails"
                name="Failed, no details"
                stackId="f"
                fill="var(--muted)"
                isAnimationActive={false}
              />
            )}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="data-table compact" aria-label={title} data-testid="result-type-table">
        <tbody>
          {data.map((row) => (
            <tr key={row.type}>
              <th scope="row">
                <ResultTypeRowName type={row.type} to={linkOf(row.type)} />
              </th>
              <td className="numeric">{formatCount(row.failed + row.withoutDetails)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <DetailsBeyondTotal count={reconciliation?.detailsBeyondTotal ?? 0} upTo={excessUpTo} />
    </figure>
  );
}

/** A row's result type: a link to its failures where there are any to list, and its explanation beside. */
function ResultTypeRowName({ type, to }: { type: string; to: string | null }) {
  if (to === null) return <ResultTypeName type={type} />;
  return (
    <>
      <Link to={to}>{type}</Link>
      <ExplainButtonOnly type={type} />
    </>
  );
}

/**
 * A note for failure details that name more failed sessions than their
 * senders' totals (Mail.ru does). `upTo`: where the excess cannot be placed
 * exactly (one MX host's share of a report that over-counted at several).
 */
export function DetailsBeyondTotal({ count, upTo = false }: { count: number; upTo?: boolean }) {
  if (count === 0) return null;
  return (
    <p className="muted reconciliation-note" data-testid="details-beyond-total">
      Failure details name {upTo ? 'up to ' : ''}
      {formatCount(count)} failed {count === 1 ? 'session' : 'sessions'} more than the senders&rsquo; totals; the totals
      are what the other views count.
    </p>
  );
}

/**
 * The last row of a table built from failure details (its first column a
 * name, its second the failed sessions): the failed sessions the senders
 * counted for which they sent no failure details (RFC 8460 §4.4 makes them
 * optional), so that the table adds up to the totals shown elsewhere. Its
 * name is a result type of its own, with its glossary entry a key press away.
 */
export function NoFailureDetailsRow({
  count,
  columns,
  note,
  testId,
}: {
  count: number;
  /** How many columns the table has: the note spans those after the count. */
  columns: number;
  note: string;
  testId: string;
}) {
  if (count === 0) return null;
  return (
    <tr className="reconciliation-row" data-testid={testId}>
      <th scope="row">
        <ResultTypeName type={NO_FAILURE_DETAILS} />
      </th>
      <td className="numeric">{formatCount(count)}</td>
      {columns > 2 && (
        <td className="muted" colSpan={columns - 2}>
          {note}
        </td>
      )}
    </tr>
  );
}
