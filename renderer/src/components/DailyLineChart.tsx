import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatRate } from '../format.js';
import { AXIS_FONT_PX, axisWidth, countTicks } from './count-axis.js';

/** A failure rate per UTC day as a line (see DailyLineChart). */
export function FailureRateChart({
  daily,
  title,
}: {
  daily: readonly { day: string; failureRate: number | null }[];
  title: string;
}) {
  return (
    <DailyLineChart
      points={daily.map((entry) => ({ day: entry.day, value: entry.failureRate }))}
      title={title}
      format={formatRate}
      minimumTop={0.01}
      fractions
      testId="failure-rate-chart"
    />
  );
}

/**
 * A value per UTC day as a line, every day from the first to the last shown.
 * A day without reports is a gap in the line (null), not a zero: the day
 * reports stopped shows as the line ending.
 */
export function DailyLineChart({
  points,
  title,
  format,
  minimumTop,
  fractions = false,
  testId,
}: {
  points: readonly { day: string; value: number | null }[];
  title: string;
  format: (value: number) => string;
  /** The y axis reaches at least this high, so that a flat zero line sits at the bottom. */
  minimumTop: number;
  /** Whether the y axis may be labelled between whole numbers (rates), or not (counts). */
  fractions?: boolean;
  testId: string;
}) {
  const everyDay = withEveryDay(points);
  const data = everyDay.slice(-MAX_DAYS).map((entry) => ({ day: entry.day, rate: entry.value }));
  const highest = Math.max(minimumTop, ...data.map((entry) => entry.rate ?? 0));
  // A count axis is labelled at whole numbers only: the chart library's own ticks over [0, 1] are quarters.
  const ticks = fractions ? undefined : countTicks(highest);
  const top = ticks ? (ticks[ticks.length - 1] ?? highest) : highest;
  // A rate's labels are no longer than its highest value's (100.0%); a count's are its ticks.
  const yAxisWidth = axisWidth((ticks ?? [highest]).map(format));
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div className="chart-area" data-testid={testId}>
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={data} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis
              dataKey="day"
              interval={Math.max(0, Math.ceil(data.length / 8) - 1)}
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
              tickFormatter={(day: string) => day.slice(5)}
            />
            <YAxis
              domain={[0, top]}
              ticks={ticks}
              tickFormatter={(value: number) => format(value)}
              allowDecimals={fractions}
              width={yAxisWidth}
              tick={{ fill: 'var(--muted)', fontSize: AXIS_FONT_PX }}
            />
            <Tooltip
              formatter={(value) => format(Number(value))}
              contentStyle={{ background: 'var(--panel)', color: 'var(--text)' }}
            />
            <Line
              type="linear"
              dataKey="rate"
              name={title}
              stroke="var(--chart-fail)"
              strokeWidth={2}
              dot={data.length <= 60 ? { r: 2 } : false}
              connectNulls={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <p className="muted">
        {everyDay.length > data.length && `The last ${MAX_DAYS} days of the range. `}
        Gaps are days without reports: {data.filter((entry) => entry.rate === null).length} of {data.length} days.
      </p>
    </figure>
  );
}

const DAY_MS = 86_400_000;
/** A line of more days than this is too dense to read a day from: the chart keeps the most recent. */
const MAX_DAYS = 120;

/** Every day from the first point to the last; days between without a point are gaps. */
function withEveryDay(
  points: readonly { day: string; value: number | null }[],
): { day: string; value: number | null }[] {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return [];
  const byDay = new Map(points.map((point) => [point.day, point.value]));
  const start = Date.parse(`${first.day}T00:00:00Z`);
  const days = Math.round((Date.parse(`${last.day}T00:00:00Z`) - start) / DAY_MS) + 1;
  return Array.from({ length: days }, (_, index) => {
    const day = new Date(start + index * DAY_MS).toISOString().slice(0, 10);
    return { day, value: byDay.get(day) ?? null };
  });
}
