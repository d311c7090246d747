import { describe, expect, it } from 'vitest';
import {
  MAX_FILLED_BUCKETS,
  bucketSessions,
  spanInDays,
  weekStart,
} from '../../renderer/src/components/sessions-buckets.js';

const day = (date: string, successful: number, failed: number) => ({
  day: date,
  successfulSessions: successful,
  failedSessions: failed,
});

describe('the sessions chart’s buckets', () => {
  it('keeps days without reports as empty days, so the day reports stopped shows', () => {
    const buckets = bucketSessions([day('2026-03-01', 5, 1), day('2026-03-04', 7, 0)], 'day');
    expect(buckets).toEqual([
      { start: '2026-03-01', successfulSessions: 5, failedSessions: 1, daysWithReports: 1 },
      { start: '2026-03-02', successfulSessions: 0, failedSessions: 0, daysWithReports: 0 },
      { start: '2026-03-03', successfulSessions: 0, failedSessions: 0, daysWithReports: 0 },
      { start: '2026-03-04', successfulSessions: 7, failedSessions: 0, daysWithReports: 1 },
    ]);
  });

  it('sums days into UTC weeks from Monday, with empty weeks between', () => {
    // 2026-03-01 is a Sunday: its week starts on Monday 2026-02-23.
    expect(weekStart('2026-03-01')).toBe('2026-02-23');
    expect(weekStart('2026-03-02')).toBe('2026-03-02');
    const buckets = bucketSessions(
      [day('2026-03-01', 1, 0), day('2026-03-02', 2, 1), day('2026-03-08', 3, 0), day('2026-03-23', 4, 4)],
      'week',
    );
    expect(buckets).toEqual([
      { start: '2026-02-23', successfulSessions: 1, failedSessions: 0, daysWithReports: 1 },
      { start: '2026-03-02', successfulSessions: 5, failedSessions: 1, daysWithReports: 2 },
      { start: '2026-03-09', successfulSessions: 0, failedSessions: 0, daysWithReports: 0 },
      { start: '2026-03-16', successfulSessions: 0, failedSessions: 0, daysWithReports: 0 },
      { start: '2026-03-23', successfulSessions: 4, failedSessions: 4, daysWithReports: 1 },
    ]);
    expect(spanInDays([day('2026-03-01', 0, 0), day('2026-03-23', 0, 0)])).toBe(23);
  });

  it('leaves out empty buckets past the limit, keeping the ones with reports', () => {
    // 1970 to 2026 in days: far more than the limit.
    const buckets = bucketSessions([day('1970-01-01', 1, 0), day('2026-01-01', 1, 0)], 'day');
    expect(buckets.map((bucket) => bucket.start)).toEqual(['1970-01-01', '2026-01-01']);
    expect(MAX_FILLED_BUCKETS).toBeLessThan(20_000);
  });

  it('has nothing to draw for no days', () => {
    expect(bucketSessions([], 'day')).toEqual([]);
    expect(bucketSessions([], 'week')).toEqual([]);
  });
});
