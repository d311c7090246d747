// The buckets of the sessions chart: days, or days summed into UTC weeks,
// with the days and weeks without reports kept as gaps. Plain TypeScript, so
// the bucketing is tested alone (test/renderer/sessions-buckets.test.ts).
import type { DayBreakdown } from '../../../shared/summary/types.js';

export type Grouping = 'day' | 'week';

const DAY_MS = 86_400_000;

export interface SessionsBucket {
  /** `YYYY-MM-DD`: the UTC day, or the Monday that starts the UTC week. */
  start: string;
  successfulSessions: number;
  failedSessions: number;
  /** Days in the bucket that have reports: 1 for a day, 1–7 for a week. */
  daysWithReports: number;
}

function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Days from the first to the last of `days` (sorted by day), both included; 0 when there are none. */
export function spanInDays(days: readonly DayBreakdown[]): number {
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last) return 0;
  return Math.round((dayMs(last.day) - dayMs(first.day)) / DAY_MS) + 1;
}

/** The Monday (UTC) of the week that holds `day`, as `YYYY-MM-DD`. */
export function weekStart(day: string): string {
  const time = dayMs(day);
  const sinceMonday = (new Date(time).getUTCDay() + 6) % 7;
  return new Date(time - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/**
 * A time axis keeps the days and weeks without reports, as empty buckets, so
 * that the day reports stopped shows as a gap. Past this many buckets (ten
 * years of weeks, four of days) the empty ones are left out and the axis
 * shows only buckets with reports: thousands of empty bars would only slow
 * the chart down.
 */
export const MAX_FILLED_BUCKETS = 1500;

/**
 * One bucket per day, or the days (sorted) summed per UTC week, from the first
 * to the last; days and weeks without reports are empty buckets.
 */
export function bucketSessions(days: readonly DayBreakdown[], grouping: Grouping): SessionsBucket[] {
  return withGaps(reportedBuckets(days, grouping), grouping === 'day' ? 1 : 7);
}

function withGaps(buckets: SessionsBucket[], stepDays: number): SessionsBucket[] {
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (!first || !last) return buckets;
  const count = Math.round((dayMs(last.start) - dayMs(first.start)) / DAY_MS / stepDays) + 1;
  if (count > MAX_FILLED_BUCKETS || count === buckets.length) return buckets;
  const byStart = new Map(buckets.map((bucket) => [bucket.start, bucket]));
  const filled: SessionsBucket[] = [];
  for (let index = 0; index < count; index++) {
    const start = new Date(dayMs(first.start) + index * stepDays * DAY_MS).toISOString().slice(0, 10);
    filled.push(byStart.get(start) ?? { start, successfulSessions: 0, failedSessions: 0, daysWithReports: 0 });
  }
  return filled;
}

function reportedBuckets(days: readonly DayBreakdown[], grouping: Grouping): SessionsBucket[] {
  if (grouping === 'day') {
    return days.map((day) => ({
      start: day.day,
      successfulSessions: day.successfulSessions,
      failedSessions: day.failedSessions,
      daysWithReports: 1,
    }));
  }
  const weeks: SessionsBucket[] = [];
  let current: SessionsBucket | undefined;
  for (const day of days) {
    const start = weekStart(day.day);
    if (current?.start !== start) {
      current = { start, successfulSessions: 0, failedSessions: 0, daysWithReports: 0 };
      weeks.push(current);
    }
    current.successfulSessions += day.successfulSessions;
    current.failedSessions += day.failedSessions;
    current.daysWithReports += 1;
  }
  return weeks;
}
