import type { MxHostSighting, ReportedPolicyVersion } from '../../../shared/policy/report-lint.js';
import { prepared, type ReadableDatabase } from './database.js';

/** The distinct policies senders quoted for a domain, oldest first. */
export function reportedPolicyVersions(db: ReadableDatabase, domain: string): ReportedPolicyVersion[] {
  const rows = prepared(
    db,
    `SELECT policy_type AS policyType, policy_strings_json AS policyStrings, MIN(start_time) AS firstSeen,
         MAX(start_time) AS lastSeen, COUNT(DISTINCT report_rowid) AS reports,
         SUM(successful_sessions) AS successfulSessions, SUM(failed_sessions) AS failedSessions
       FROM policies WHERE policy_domain = ? AND policy_strings_json IS NOT NULL
       GROUP BY policy_type, policy_strings_json ORDER BY firstSeen, policyType`,
  ).all(domain) as (Omit<ReportedPolicyVersion, 'policyStrings'> & { policyStrings: string })[];
  return rows.map((row) => ({ ...row, policyStrings: JSON.parse(row.policyStrings) as string[] }));
}

/**
 * MX hosts that senders named in failure details for a domain (hosts they
 * really connected to), by report start: each policy version is checked
 * against the hosts seen while it was in force.
 */
export function mxHostsInFailures(db: ReadableDatabase, domain: string): MxHostSighting[] {
  return prepared(
    db,
    `SELECT receiving_mx_hostname AS host, start_time AS startTime, SUM(failed_sessions) AS failedSessions
       FROM failure_details
       WHERE policy_domain = ? AND receiving_mx_hostname IS NOT NULL AND counted = 1
       GROUP BY receiving_mx_hostname, start_time ORDER BY host, startTime`,
  ).all(domain) as MxHostSighting[];
}

/** Policy domains with reports, most reported first. */
export function reportedPolicyDomains(db: ReadableDatabase): { domain: string; reports: number }[] {
  return prepared(
    db,
    `SELECT policy_domain AS domain, COUNT(DISTINCT report_rowid) AS reports FROM policies
       WHERE policy_domain IS NOT NULL GROUP BY policy_domain ORDER BY reports DESC, domain`,
  ).all() as { domain: string; reports: number }[];
}
