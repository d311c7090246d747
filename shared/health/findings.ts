// Findings about the reports: what is wrong with mail to a domain, each a
// value with a stable code, a severity, the evidence (domain, MX host, sender,
// result type, dates, sessions) and a fix in words, computed in pure code
// (assess-domain.ts) and shown alike by the UI and `tlsrpt check`.

export type FindingSeverity = 'info' | 'warning' | 'error';

export const FINDING_CODES = [
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
  domain: string;
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
}

const SEVERITY_RANK: Record<FindingSeverity, number> = { info: 0, warning: 1, error: 2 };

/** The worst severity among findings, `ok` when none is worse than info: what `tlsrpt check` reports. */
export function overallStatus(findings: readonly HealthFinding[]): 'ok' | 'warning' | 'error' {
  let worst = 0;
  for (const finding of findings) worst = Math.max(worst, SEVERITY_RANK[finding.severity]);
  return worst === 2 ? 'error' : worst === 1 ? 'warning' : 'ok';
}

/** Worst first, then by domain, code and MX host, so every listing has one order. */
export function compareFindings(a: HealthFinding, b: HealthFinding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    a.domain.localeCompare(b.domain) ||
    FINDING_CODES.indexOf(a.code) - FINDING_CODES.indexOf(b.code) ||
    (a.mx ?? '').localeCompare(b.mx ?? '') ||
    (a.organization ?? '').localeCompare(b.organization ?? '') ||
    (a.resultType ?? '').localeCompare(b.resultType ?? '')
  );
}

/** What tells two findings apart over time: the same problem keeps its key while its dates and counts move. */
export function findingKey(finding: HealthFinding): string {
  return JSON.stringify([finding.code, finding.domain, finding.mx, finding.organization, finding.resultType]);
}

/** The error findings among `now` whose keys were not among `before`: what a notification tells. */
export function newErrorFindings(before: ReadonlySet<string>, now: readonly HealthFinding[]): HealthFinding[] {
  return now.filter((finding) => finding.severity === 'error' && !before.has(findingKey(finding)));
}
