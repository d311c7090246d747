import { memo, useLayoutEffect, useMemo, useRef, useState, type ChangeEvent, type RefObject } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { DayBreakdown } from '../../../shared/summary/types.js';
import { bucketSessions, spanInDays, type Grouping, type SessionsBucket } from './sessions-buckets.js';
import { formatCount } from '../format.js';
import { AXIS_FONT_PX, axisWidth, countTicks } from './count-axis.js';

/*
 * The Overview's sessions over time. Over a long range one bar per day is
 * hundreds of rectangles, each costly to draw and too thin to read: past
 * WEEKLY_AFTER_DAYS days the chart sums the days into UTC weeks (Monday to
 * Sunday) unless the user asks for days. The numbers table under it shows the
 * same rows as the chart, and is built only when opened.
 *
 * Drawing it is most of the Overview's work, so it leaves out what costs the
 * chart library render passes or layouts and shows nothing: no animation, a
 * legend in HTML, axis labels that are never measured, and a tooltip that
 * comes with the first pointer or focus on the chart.
 */

/** Ranges longer than this many days are drawn per week by default. */
const WEEKLY_AFTER_DAYS = 90;
const CHART_HEIGHT = 260;
/**
 * Room for one `YYYY-MM-DD` label of the time axis (12 px) and a gap. The
 * axis shows every n-th label by this estimate: the chart library would
 * otherwise measure every label in the page's layout to find n.
 */
const AXIS_LABEL_SLOT_PX = 84;
const COLORS = { successful: 'var(--chart-ok)', failed: 'var(--chart-fail)' };
/*
 * The right margin holds half of the last label: a time-axis label is centred
 * under its bar, and a `YYYY-MM-DD` label at 12 px is about 70 px wide, so
 * with less room the last one was cut (`2026-10-3`).
 */
const MARGIN = { top: 8, right: 40, bottom: 8, left: 8 };
const TOOLTIP_STYLE = { background: 'var(--panel)', color: 'var(--text)' };

/** Every how many bars the time axis is labelled, as the chart library's `interval` (labels skipped between two). */
function labelInterval(bars: number, chartWidth: number, yAxisWidth: number): number {
  const plotWidth = chartWidth - yAxisWidth - MARGIN.left - MARGIN.right;
  const labels = Math.max(2, Math.floor(plotWidth / AXIS_LABEL_SLOT_PX));
  return Math.max(0, Math.ceil(bars / labels) - 1);
}

/** Successful and failed sessions per UTC day or week, with the same numbers as a table underneath. */
export const SessionsOverTimeChart = memo(function SessionsOverTimeChart({ days }: { days: DayBreakdown[] }) {
  const span = useMemo(() => spanInDays(days), [days]);
  const [chosen, setChosen] = useState<Grouping | null>(null);
  const grouping: Grouping = chosen ?? (span > WEEKLY_AFTER_DAYS ? 'week' : 'day');
  const buckets = useMemo(() => bucketSessions(days, grouping), [days, grouping]);
  const [numbersOpen, setNumbersOpen] = useState(false);
  // The tooltip costs as much to set up as the bars: it comes with the first pointer or focus on the chart.
  const [withTooltip, setWithTooltip] = useState(false);
  const wantTooltip = (): void => setWithTooltip(true);
  // Measured here rather than by the chart library's responsive container, which draws the chart once more.
  const area = useRef<HTMLDivElement>(null);
  const width = useWidth(area);
  const perWeek = grouping === 'week';
  return (
    <figure className="chart" aria-labelledby="daily-title">
      <figcaption style={{ display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', gap: 8 }}>
        <span id="daily-title">
          {perWeek ? 'Sessions per week' : 'Sessions per day'}
          {perWeek && <span className="muted"> (UTC, weeks from Monday)</span>}
        </span>
        {span > 31 && (
          <label className="muted" style={{ fontWeight: 'normal' }}>
            Group by{' '}
            <select
              value={grouping}
              data-testid="daily-grouping"
              onChange={(event: ChangeEvent<HTMLSelectElement>) => setChosen(event.target.value as Grouping)}
            >
              <option value="day">Day</option>
              <option value="week">Week</option>
            </select>
          </label>
        )}
      </figcaption>
      <div
        ref={area}
        className="chart-area"
        data-testid="daily-chart"
        data-grouping={grouping}
        onPointerEnter={wantTooltip}
        onFocus={wantTooltip}
        style={{ height: CHART_HEIGHT }}
      >
        {/* Zero wide, the chart overflowing it: the area can still shrink, and the width follows it. */}
        <div style={{ width: 0 }}>
          {width > 0 && <SessionsBars buckets={buckets} perWeek={perWeek} withTooltip={withTooltip} width={width} />}
        </div>
      </div>
      <ul aria-label="Legend" style={LEGEND_STYLE}>
        <LegendItem color={COLORS.successful} label="Successful" />
        <LegendItem color={COLORS.failed} label="Failed" />
      </ul>
      <details onToggle={(event) => setNumbersOpen(event.currentTarget.open)}>
        <summary>Numbers</summary>
        {numbersOpen && <NumbersTable buckets={buckets} perWeek={perWeek} />}
      </details>
    </figure>
  );
});

/** The element's width in CSS pixels, 0 until it is laid out; follows resizes. */
function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(Math.floor(element.getBoundingClientRect().width));
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const entry = entries[entries.length - 1];
      if (entry) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

const SessionsBars = memo(function SessionsBars({
  buckets,
  perWeek,
  withTooltip,
  width,
}: {
  buckets: SessionsBucket[];
  perWeek: boolean;
  withTooltip: boolean;
  width: number;
}) {
  const byStart = useMemo(() => new Map(buckets.map((bucket) => [bucket.start, bucket])), [buckets]);
  // Ticks of our own (whole numbers), so that the axis is as wide as its longest label: 16,000,000 needs 88 px.
  const ticks = useMemo(
    () => countTicks(Math.max(0, ...buckets.map((bucket) => bucket.successfulSessions + bucket.failedSessions))),
    [buckets],
  );
  const yAxisWidth = axisWidth(ticks.map(formatCount));
  return (
    <BarChart width={width} height={CHART_HEIGHT} data={buckets} margin={MARGIN}>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
      <XAxis dataKey="start" tick={plainTick} interval={labelInterval(buckets.length, width, yAxisWidth)} />
      <YAxis
        tickFormatter={formatCount}
        tick={plainTick}
        interval={0}
        width={yAxisWidth}
        ticks={ticks}
        domain={[0, ticks[ticks.length - 1] ?? 1]}
        allowDecimals={false}
      />
      {withTooltip && (
        <Tooltip
          formatter={(value) => formatCount(Number(value))}
          labelFormatter={(label) =>
            perWeek && typeof label === 'string' ? weekLabel(label, byStart.get(label)) : label
          }
          contentStyle={TOOLTIP_STYLE}
          isAnimationActive={false}
        />
      )}
      <Bar
        dataKey="successfulSessions"
        name="Successful"
        stackId="s"
        fill={COLORS.successful}
        isAnimationActive={false}
      />
      <Bar dataKey="failedSessions" name="Failed" stackId="s" fill={COLORS.failed} isAnimationActive={false} />
    </BarChart>
  );
});

function weekLabel(start: string, bucket: SessionsBucket | undefined): string {
  const days = bucket?.daysWithReports ?? 7;
  return `Week of ${start}${days === 0 ? ' (no reports)' : days < 7 ? ` (reports on ${days} of 7 days)` : ''}`;
}

interface TickProps {
  x?: number | string;
  y?: number | string;
  textAnchor?: 'start' | 'middle' | 'end' | 'inherit';
  verticalAnchor?: 'start' | 'middle' | 'end';
  className?: string;
  payload?: { value?: unknown };
  index?: number;
  tickFormatter?: (value: unknown, index: number) => string;
}

/**
 * An axis label as a plain SVG text. The chart library's own label measures
 * every word of every label in the page's layout to wrap it; these never wrap.
 */
function plainTick({ x, y, textAnchor, verticalAnchor, className, payload, index = 0, tickFormatter }: TickProps) {
  const value = payload?.value;
  const text = tickFormatter ? tickFormatter(value, index) : String(value);
  const dy = verticalAnchor === 'start' ? '0.71em' : verticalAnchor === 'middle' ? '0.355em' : undefined;
  return (
    <text x={x} y={y} dy={dy} textAnchor={textAnchor} className={className} fill="var(--muted)" fontSize={AXIS_FONT_PX}>
      {text}
    </text>
  );
}

const LEGEND_STYLE = {
  display: 'flex',
  justifyContent: 'center',
  gap: 16,
  listStyle: 'none',
  margin: '0 0 8px',
  padding: 0,
  fontSize: 14,
};

/** The legend in HTML: the chart library's legend measures itself and draws the whole chart again. */
function LegendItem({ color, label }: { color: string; label: string }) {
  return (
    <li>
      <span
        aria-hidden="true"
        style={{ display: 'inline-block', width: 10, height: 10, marginRight: 6, background: color, borderRadius: 2 }}
      />
      {label}
    </li>
  );
}

function NumbersTable({ buckets, perWeek }: { buckets: SessionsBucket[]; perWeek: boolean }) {
  const label = perWeek ? 'Sessions per week' : 'Sessions per day';
  return (
    <table className="data-table compact" aria-label={label}>
      <thead>
        <tr>
          <th>{perWeek ? 'Week from (UTC)' : 'Day (UTC)'}</th>
          {perWeek && <th className="numeric">Days with reports</th>}
          <th className="numeric">Successful</th>
          <th className="numeric">Failed</th>
        </tr>
      </thead>
      <tbody>
        {buckets.map((bucket) => (
          <tr key={bucket.start}>
            <td>
              {bucket.start}
              {bucket.daysWithReports === 0 && <span className="muted"> (no reports)</span>}
            </td>
            {perWeek && <td className="numeric">{bucket.daysWithReports}</td>}
            <td className="numeric">{formatCount(bucket.successfulSessions)}</td>
            <td className="numeric">{formatCount(bucket.failedSessions)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
