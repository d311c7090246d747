/**
 * The breakdowns of "who fails, where and why" that both the UI and
 * `tlsrpt summary` show. One definition, so the two never drift apart.
 */

/** Which reports a breakdown covers. Reports are placed in time by their start-datetime. */
export interface ReportFilter {
  /** Inclusive lower bound, UTC seconds. */
  fromTime?: number | null;
  /** Exclusive upper bound, UTC seconds. */
  toTime?: number | null;
  /** Only policies for this policy domain (lower case). */
  policyDomain?: string | null;
}

/** Key under which failures without a result-type are counted. */
export const MISSING_RESULT_TYPE = '(missing)';

export interface Summary {
  reports: number;
  successfulSessions: number;
  failedSessions: number;
  /** failed / (successful + failed), null when there were no sessions. */
  failureRate: number | null;
  senders: number;
  bySender: SenderBreakdown[];
  byMx: MxBreakdown[];
  /** Result type → failed sessions, from the failure details. */
  byResultType: Record<string, number>;
  byDomain: DomainBreakdown[];
  byDay: DayBreakdown[];
}

/** What the Overview shows: the totals, sessions per day and failures per result type. */
export type OverviewSummary = Pick<
  Summary,
  'reports' | 'successfulSessions' | 'failedSessions' | 'failureRate' | 'senders' | 'byDay' | 'byResultType'
>;

export interface SenderBreakdown {
  /** The reporting organization-name. */
  organization: string;
  reports: number;
  successfulSessions: number;
  failedSessions: number;
  /** Start of its most recent report, UTC seconds. */
  lastReportTime: number;
  /** The result type with the most failed sessions in its failure details; null when it reported none. */
  mainResultType: string | null;
}

export interface MxBreakdown {
  /** receiving-mx-hostname; null when the sender did not name one. */
  mx: string | null;
  failedSessions: number;
  byResultType: Record<string, number>;
}

export interface DomainBreakdown {
  /** policy-domain; null when the sender did not name one. */
  domain: string | null;
  successfulSessions: number;
  failedSessions: number;
}

export interface DayBreakdown {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  successfulSessions: number;
  failedSessions: number;
}

export function failureRate(successful: number, failed: number): number | null {
  const total = successful + failed;
  return total === 0 ? null : failed / total;
}
