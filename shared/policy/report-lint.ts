import type { LintResult } from './findings.js';
import { lintText } from './lint.js';
import { mxMatchesAny } from './mx-pattern.js';
import { parseMtaStsPolicy, type MtaStsPolicy } from './mta-sts-policy.js';

/** A policy as quoted in reports, linted, with when it was seen. */
export interface PolicyVersionLint {
  policyType: string | null;
  policyStrings: string[];
  policy: MtaStsPolicy | null;
  firstSeen: number;
  lastSeen: number;
  reports: number;
  failedSessions: number;
  result: LintResult;
}

export interface StoredPolicyLint {
  domain: string;
  versions: PolicyVersionLint[];
  /** MX hosts from failure details against the newest MTA-STS policy's patterns. */
  mxCoverage: { host: string; failedSessions: number; covered: boolean | null }[];
  /** Findings of the newest MTA-STS policy, which is the one in force. */
  current: LintResult | null;
}

export interface ReportedVersionInput {
  policyType: string | null;
  policyStrings: string[];
  firstSeen: number;
  lastSeen: number;
  reports: number;
  failedSessions: number;
}

/**
 * Lints the policies senders quoted in their reports (RFC 8460 §4.4
 * `policy-string`) for one domain, oldest first, and checks the MX hosts
 * they named in failure details against the patterns: this finds
 * `certificate-host-mismatch` and `sts-policy-invalid` causes without any
 * network access.
 */
export function lintStoredPolicies(
  domain: string,
  reported: readonly ReportedVersionInput[],
  failureMxHosts: readonly { host: string; failedSessions: number }[],
): StoredPolicyLint {
  const hosts = failureMxHosts.map((entry) => entry.host);
  const versions = reported
    .filter((version) => version.policyType === 'sts')
    .map((version) => {
      const text = `${version.policyStrings.join('\n')}\n`;
      const result = lintText(text, 'policy', {
        mxHosts: hosts,
        failedSessions: version.failedSessions,
        reports: version.reports,
        domain,
      });
      return { ...version, policy: parseMtaStsPolicy(text).policy, result };
    });
  const newest = [...versions].sort((a, b) => b.lastSeen - a.lastSeen)[0];
  return {
    domain,
    versions,
    mxCoverage: failureMxHosts.map((entry) => ({
      ...entry,
      covered: newest?.policy ? mxMatchesAny(entry.host, newest.policy.mx) : null,
    })),
    current: newest?.result ?? null,
  };
}
