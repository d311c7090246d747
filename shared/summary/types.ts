// The breakdowns of "who fails, where and why" that both the UI and
// `tlsrpt summary` show. One definition, so the two never drift apart.

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

/**
 * Failed sessions as senders summarized them, against what their failure
 * details name. Failure details are optional (RFC 8460 §4.4) and some senders
 * over-count in them, so every breakdown built from failure details (by
 * result type, by MX host) adds up to `failedSessions` only with these two:
 * `sum(details) + failedWithoutDetails - detailsBeyondTotal == failedSessions`.
 */
export interface Reconciliation {
  /** Failed sessions in the senders' summaries (counted policies). */
  failedSessions: number;
  /** Summarized failed sessions that no failure detail explains: a "no failure details" row. */
  failedWithoutDetails: number;
  /** Failed sessions named in failure details beyond their summary's total (noted beside a breakdown). */
  detailsBeyondTotal: number;
}

/** Label of the row that counts failed sessions no failure detail explains. */
export const NO_FAILURE_DETAILS = '(no failure details)';

export interface Summary extends Reconciliation {
  reports: number;
  successfulSessions: number;
  /** failed / (successful + failed), null when there were no sessions. */
  failureRate: number | null;
  senders: number;
  bySender: SenderTotals[];
  byMx: MxHostFailures[];
  /** Result type → failed sessions, from the failure details. */
  byResultType: Record<string, number>;
  byDomain: DomainBreakdown[];
  byDay: DayBreakdown[];
}

/** What the Overview shows: the totals, sessions per day and failures per result type. */
export type OverviewSummary = Pick<
  Summary,
  | 'reports'
  | 'successfulSessions'
  | 'failedSessions'
  | 'failedWithoutDetails'
  | 'detailsBeyondTotal'
  | 'failureRate'
  | 'senders'
  | 'byDay'
  | 'byResultType'
>;

export interface SenderTotals {
  /** The reporting organization-name. */
  organization: string;
  reports: number;
  successfulSessions: number;
  failedSessions: number;
  /** failedSessions over all sessions; null without sessions. */
  failureRate: number | null;
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

/** An MX host's failures, and since when: the first and last UTC day (`YYYY-MM-DD`) it failed in the range. */
export interface MxHostFailures extends MxBreakdown {
  firstSeen: string;
  lastSeen: string;
}

interface DomainBreakdown {
  /** policy-domain; null when the sender did not name one. */
  domain: string | null;
  successfulSessions: number;
  failedSessions: number;
  /** failedSessions over all sessions; null without sessions. */
  failureRate: number | null;
}

export interface DayBreakdown {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  successfulSessions: number;
  failedSessions: number;
}

/**
 * A failure rate in words, `19.8%`: one way everywhere (tables, findings,
 * `tlsrpt check`), so that a finding and the table beside it read alike.
 */
export function formatRate(rate: number | null): string {
  if (rate === null) return '–';
  const percent = rate * 100;
  return `${percent > 0 && percent < 0.1 ? percent.toFixed(3) : percent.toFixed(1)}%`;
}

export function failureRate(successful: number, failed: number): number | null {
  const total = successful + failed;
  return total === 0 ? null : failed / total;
}
