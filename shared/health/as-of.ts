// "As of" a UTC day: the day every verdict, finding, since-when and "last N
// days" figure is computed for, as if it were today. One rule for the UI,
// the API (desktop and serve mode) and `tlsrpt check --as-of`.
import { dateOfDay, isUtcDate } from '../report/datetime.js';

/** A `YYYY-MM-DD` date as a UTC day number (days since 1970-01-01); the date must pass isUtcDate. */
export function dayOfDate(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

/** Today as a UTC day number. */
export function todayUtcDay(now = Date.now()): number {
  return Math.floor(now / 86_400_000);
}

/**
 * Why `date` cannot be an as-of day, or null when it can: it must be a real
 * calendar date, and not after today (UTC), since reports for a day to come
 * do not exist and a verdict on it would only count the days before as
 * silent.
 */
export function asOfProblem(date: string, today: number = todayUtcDay()): string | null {
  if (!isUtcDate(date)) return `"${date}" is not a date: "as of" takes a UTC date like 2026-01-31`;
  if (dayOfDate(date) > today)
    return `${date} is after today (${dateOfDay(today)}, UTC): no report can tell anything about a day to come`;
  return null;
}
