// Findings about the reports: what is wrong with mail to a domain, each a
// value with a stable code, a severity, the evidence (domain, MX host, sender,
// result type, dates, sessions) and a fix in words, computed in pure code
// (assess-domain.ts) and shown alike by the UI and `tlsrpt check`.
import type { Finding as LintFinding } from '../policy/findings.js';

export type FindingSeverity = 'info' | 'warning' | 'error';

export const FINDING_CODES = [
  'feed-silent',
  'mx-failing',
  'failure-type-new',
  'failure-spike',
  'sender-silent',
  'domain-silent',
  'policy-testing-clean',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

export interface HealthFinding {
  severity: FindingSeverity;
  code: FindingCode;
  /** The policy domain; null for a finding about the reports as a whole (`feed-silent`). */
  domain: string | null;
  /** The MX host concerned; null where it does not apply (or the senders named none). */
  mx: string | null;
  /** The sender concerned (organization-name). */
  organization: string | null;
  resultType: string | null;
  /** First and last UTC day of the evidence, `YYYY-MM-DD`. */
  firstSeen: string | null;
  lastSeen: string | null;
  /** The failed sessions the finding is about. */
  failedSessions: number | null;
  /** What is wrong, in plain words. */
  message: string;
  /** What to do. */
  fix: string;
  /**
   * Where the cause may be the domain's MTA-STS policy (the result types of
   * POLICY_LINKED_RESULT_TYPES in assess-domain.ts): what the policy linter
   * says about the policy senders quoted; null for every other finding.
   */
  policyLint: FindingPolicyLint | null;
}

/**
 * The policy linter's word on a finding: the MTA-STS policy senders quoted in
 * their reports (RFC 8460 §4.2 `policy-string`) when the failures happened,
 * whether the finding's MX host matches its `mx` patterns (RFC 8461 §4.1),
 * and the linter's findings on it (shared/policy/report-lint.ts).
 */
export interface FindingPolicyLint {
  /** The quoted policy's lines; null when no sender quoted an MTA-STS policy up to the failures' last day. */
  policyStrings: string[] | null;
  /** The first and last UTC day senders quoted it, `YYYY-MM-DD`. */
  quotedFrom: string | null;
  quotedTo: string | null;
  /** Its `mx` patterns as the linter read them; null when none was quoted or it does not parse. */
  mxPatterns: string[] | null;
  /** Whether the finding's MX host matches one of them; null without a host or a readable policy. */
  mxCovered: boolean | null;
  /** The linter's findings on the quoted policy, checked against the MX hosts that failed while it was quoted. */
  lint: LintFinding[];
}

const SEVERITY_RANK: Record<FindingSeverity, number> = { info: 0, warning: 1, error: 2 };

/** The worst severity among findings, `ok` when none is worse than info: what `tlsrpt check` reports. */
export function overallStatus(findings: readonly HealthFinding[]): 'ok' | 'warning' | 'error' {
  let worst = 0;
  for (const finding of findings) worst = Math.max(worst, SEVERITY_RANK[finding.severity]);
  return worst === 2 ? 'error' : worst === 1 ? 'warning' : 'ok';
}

/**
 * Worst first: by severity, then by the failed sessions the finding is about
 * (most first), never by name; the domain, code and host only settle ties,
 * so that every listing has one order.
 */
export function compareFindings(a: HealthFinding, b: HealthFinding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (b.failedSessions ?? 0) - (a.failedSessions ?? 0) ||
    FINDING_CODES.indexOf(a.code) - FINDING_CODES.indexOf(b.code) ||
    (a.domain ?? '').localeCompare(b.domain ?? '') ||
    (a.mx ?? '').localeCompare(b.mx ?? '') ||
    (a.organization ?? '').localeCompare(b.organization ?? '') ||
    (a.resultType ?? '').localeCompare(b.resultType ?? '')
  );
}

/**
 * What tells two findings apart over time: the same problem keeps its key
 * while its dates and counts move. The notifier (electron/backend/notify/)
 * stores it for each error finding it has announced.
 */
export function findingKey(finding: HealthFinding): string {
  return JSON.stringify([finding.code, finding.domain, finding.mx, finding.organization, finding.resultType]);
}
