// How the sessions of a report are counted: which policies count, and how a
// policy's summary and its failure details are reconciled. The writer, the
// rollups and migration 0004 follow these rules; the tests check them.
import type { TlsRptPolicy } from '../report/types.js';

/**
 * Which policies of one report count towards totals: all of them, except a
 * policy that lists again the sessions of another policy for the same domain.
 *
 * A sender that evaluates both DANE and MTA-STS for a domain reports each
 * session under both policies (Microsoft sends `tlsa` and `sts` policies for
 * one domain with the same counts: see the dmarc-report-viewer Microsoft
 * report in test/fixtures/corpus). RFC 8460 §4.4 gives no way to match
 * sessions across policies, so within one report the policies for one domain
 * are taken to describe the same sessions, and the one that saw the most
 * counts (ties: the one with more failures, then the first). Policies with no
 * domain cannot be matched and all count.
 */
export function countedPolicies(
  policies: readonly Pick<TlsRptPolicy, 'policyDomain' | 'successfulSessions' | 'failedSessions'>[],
): boolean[] {
  const best = new Map<string, number>();
  policies.forEach((policy, index) => {
    if (policy.policyDomain === null) return;
    const current = best.get(policy.policyDomain);
    if (current === undefined || outranks(policy, policies[current] ?? policy)) best.set(policy.policyDomain, index);
  });
  return policies.map((policy, index) => policy.policyDomain === null || best.get(policy.policyDomain) === index);
}

function outranks(
  a: Pick<TlsRptPolicy, 'successfulSessions' | 'failedSessions'>,
  b: Pick<TlsRptPolicy, 'successfulSessions' | 'failedSessions'>,
): boolean {
  const totalA = a.successfulSessions + a.failedSessions;
  const totalB = b.successfulSessions + b.failedSessions;
  return totalA > totalB || (totalA === totalB && a.failedSessions > b.failedSessions);
}

/**
 * A policy's failed sessions against its failure details. Failure details are
 * optional (RFC 8460 §4.4: "failure-details" MAY be omitted) and some senders
 * count more in them than in the summary (Mail.ru: details 2, total 1).
 */
export interface PolicyReconciliation {
  /** Failed sessions of the summary that no failure detail explains. */
  failedWithoutDetails: number;
  /** Failed sessions named in failure details beyond the summary's total. */
  detailsBeyondTotal: number;
}

export function reconcilePolicy(failedSessions: number, detailedFailedSessions: number): PolicyReconciliation {
  return {
    failedWithoutDetails: Math.max(0, failedSessions - detailedFailedSessions),
    detailsBeyondTotal: Math.max(0, detailedFailedSessions - failedSessions),
  };
}

/** The sum of a policy's failure details' failed sessions. */
export function detailedFailedSessions(policy: Pick<TlsRptPolicy, 'failureDetails'>): number {
  let sum = 0;
  for (const detail of policy.failureDetails) sum += detail.failedSessions;
  return sum;
}

/** How one report's sessions count, worked out once for the writer and the rollups. */
export interface ReportCounting {
  /** Per policy, in report order: whether it counts (see countedPolicies). */
  counted: boolean[];
  /** Per policy: the sum of its failure details' failed sessions. */
  detailed: number[];
  /** The report's sessions: the sums over its counted policies. */
  successfulSessions: number;
  failedSessions: number;
  failedWithoutDetails: number;
  detailsBeyondTotal: number;
}

export function countReport(policies: readonly TlsRptPolicy[]): ReportCounting {
  const counted = countedPolicies(policies);
  const detailed = policies.map(detailedFailedSessions);
  const counting: ReportCounting = {
    counted,
    detailed,
    successfulSessions: 0,
    failedSessions: 0,
    failedWithoutDetails: 0,
    detailsBeyondTotal: 0,
  };
  policies.forEach((policy, index) => {
    if (counted[index] !== true) return;
    const reconciled = reconcilePolicy(policy.failedSessions, detailed[index] ?? 0);
    counting.successfulSessions += policy.successfulSessions;
    counting.failedSessions += policy.failedSessions;
    counting.failedWithoutDetails += reconciled.failedWithoutDetails;
    counting.detailsBeyondTotal += reconciled.detailsBeyondTotal;
  });
  return counting;
}
