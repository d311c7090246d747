import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '../format.js';

const COLORS = { successful: 'var(--chart-ok)', failed: 'var(--chart-fail)' };

/** Failed sessions per result type, largest first, with the numbers beside the bars. */
export function ResultTypeChart({
  byResultType,
  title = 'Failed sessions by result type',
}: {
  byResultType: Record<string, number>;
  title?: string;
}) {
  const data = Object.entries(byResultType)
    .map(([type, failed]) => ({ type, failed }))
    .sort((a, b) => b.failed - a.failed);
  if (data.length === 0) return null;
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div className="chart-area" data-testid="result-type-chart">
        <ResponsiveContainer width="100%" height={Math.max(120, data.length * 36 + 40)}>
          <BarChart data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" horizontal={false} />
            <XAxis type="number" tickFormatter={formatCount} tick={{ fill: 'var(--muted)', fontSize: 12 }} />
            <YAxis type="category" dataKey="type" width={190} tick={{ fill: 'var(--text)', fontSize: 12 }} />
            <Tooltip
              formatter={(value) => formatCount(Number(value))}
              contentStyle={{ background: 'var(--panel)', color: 'var(--text)' }}
            />
            <Bar dataKey="failed" name="Failed sessions" fill={COLORS.failed} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="data-table compact" aria-label={title}>
        <tbody>
          {data.map((row) => (
            <tr key={row.type}>
              <th scope="row">{row.type}</th>
              <td className="numeric">{formatCount(row.failed)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
