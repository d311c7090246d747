import type { LintResult } from './findings.js';
import { lintPolicy } from './lint.js';
import { mxMatchesAny } from './mx-pattern.js';
import type { MtaStsPolicy } from './mta-sts-policy.js';

/** A policy as quoted in reports, linted against the MX hosts seen while it was in force. */
export interface PolicyVersionLint {
  policyType: string | null;
  policyStrings: string[];
  policy: MtaStsPolicy | null;
  firstSeen: number;
  lastSeen: number;
  reports: number;
  failedSessions: number;
  /** The MX hosts failure details named from `firstSeen` to `lastSeen`: the ones this version was checked against. */
  mxHosts: string[];
  result: LintResult;
}

/** An MX host named in failure details, and the policy in force when it was last named. */
interface MxCoverage {
  host: string;
  failedSessions: number;
  /** First and last report start (UTC seconds) that named the host in a failure detail. */
  firstSeen: number;
  lastSeen: number;
  /** Whether the policy in force at `lastSeen` covers the host; null when no valid policy was seen then. */
  covered: boolean | null;
  /** `firstSeen` of that policy version; null when none. */
  policyFirstSeen: number | null;
}

/**
 * Said once wherever reported policies are checked: why no `mx` line is
 * judged unused from reports (the online check's real MX records can).
 */
const REPORTED_MX_HOSTS_NOTE =
  'Reports name only the MX hosts that failed (a successful session names no host), so an mx line that matches none of them is not judged unused here: it may be the one that works. Check online to compare the policy with the real MX records.';

export interface StoredPolicyLint {
  domain: string;
  /** REPORTED_MX_HOSTS_NOTE: what the MX hosts below are, and what is therefore not judged. */
  mxHostsNote: string;
  /** Newest first: the one senders saw last leads. */
  versions: PolicyVersionLint[];
  /** MX hosts from failure details, each against the policy in force when it was last seen. */
  mxCoverage: MxCoverage[];
  /** Findings of the newest MTA-STS policy, which is the one in force. */
  current: LintResult | null;
}

/** One policy text as senders reported it for a domain (RFC 8460 §4.4 `policy-string`), and when (UTC seconds). */
export interface ReportedPolicyVersion {
  policyType: string | null;
  policyStrings: string[];
  firstSeen: number;
  lastSeen: number;
  reports: number;
  successfulSessions: number;
  failedSessions: number;
}

/** A host named in failure details of reports that started at `startTime`. */
export interface MxHostSighting {
  host: string;
  startTime: number;
  failedSessions: number;
}

/** A version is in force from the first report that quoted it to the last one, both ends included. */
function inForce(version: { firstSeen: number; lastSeen: number }, time: number): boolean {
  return time >= version.firstSeen && time <= version.lastSeen;
}

/**
 * Lints the policies senders quoted in their reports (RFC 8460 §4.4
 * `policy-string`) for one domain, and checks each against the MX hosts that
 * failure details named while that version was in force: this finds
 * `certificate-host-mismatch` and `sts-policy-invalid` causes without any
 * network access. A domain changes its MX hosts and its policy together, so
 * a policy checked against a host seen only years before it would report an
 * error that never was.
 */
export function lintStoredPolicies(
  domain: string,
  reported: readonly ReportedPolicyVersion[],
  sightings: readonly MxHostSighting[],
): StoredPolicyLint {
  const versions = reported
    .filter((version) => version.policyType === 'sts')
    .map((version) => {
      const text = `${version.policyStrings.join('\n')}\n`;
      const mxHosts = [
        ...new Set(sightings.filter((seen) => inForce(version, seen.startTime)).map((seen) => seen.host)),
      ].sort();
      // Not mxHostsAreMxRecords: these hosts are only the failing ones.
      const { policy, ...result } = lintPolicy(text, {
        mxHosts,
        failedSessions: version.failedSessions,
        reports: version.reports,
      });
      return { ...version, mxHosts, policy, result };
    })
    .sort((a, b) => b.lastSeen - a.lastSeen || b.firstSeen - a.firstSeen);
  const hosts = new Map<string, { failedSessions: number; firstSeen: number; lastSeen: number }>();
  for (const seen of sightings) {
    const known = hosts.get(seen.host);
    if (known === undefined) {
      hosts.set(seen.host, {
        failedSessions: seen.failedSessions,
        firstSeen: seen.startTime,
        lastSeen: seen.startTime,
      });
    } else {
      known.failedSessions += seen.failedSessions;
      known.firstSeen = Math.min(known.firstSeen, seen.startTime);
      known.lastSeen = Math.max(known.lastSeen, seen.startTime);
    }
  }
  const mxCoverage = [...hosts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([host, seen]): MxCoverage => {
      // Newest first, so where versions overlap (senders cache a policy up to max_age) the newer one judges.
      const version = versions.find((candidate) => candidate.policy !== null && inForce(candidate, seen.lastSeen));
      return {
        host,
        ...seen,
        covered: version?.policy ? mxMatchesAny(host, version.policy.mx) : null,
        policyFirstSeen: version?.firstSeen ?? null,
      };
    });
  return { domain, mxHostsNote: REPORTED_MX_HOSTS_NOTE, versions, mxCoverage, current: versions[0]?.result ?? null };
}
