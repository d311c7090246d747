// Domain health and findings over the stored reports: the evidence from the
// rollups, judged by the pure rules of shared/health/, and kept until the
// data changes. Used alike by the API (the Domains view) and `tlsrpt check`.
import { assessDomains, type DomainHealth } from '../../../shared/health/assess-domain.js';
import { compareFindings, overallStatus, type HealthFinding } from '../../../shared/health/findings.js';
import { dateOfDay } from '../../../shared/report/datetime.js';
import type { ReadableDatabase } from '../db/database.js';
import { domainEvidence, reportsStamp } from '../db/health-queries.js';

/** Today as a UTC day number. */
export function todayUtcDay(now = Date.now()): number {
  return Math.floor(now / 86_400_000);
}

/** A `YYYY-MM-DD` date as a UTC day number (the contract and the command line check the form). */
export function dayOfDate(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

export interface FindingsResult {
  asOf: string;
  status: 'ok' | 'warning' | 'error';
  findings: HealthFinding[];
}

/**
 * Assessing every domain reads a few thousand rollup rows per domain and
 * judges them; reports are only ever added, so the answer for a day stays
 * right until a report is stored: it is kept per as-of day and dropped when
 * the newest report id changes.
 */
export class DomainHealthService {
  private stamp: number | null = null;
  private readonly assessed = new Map<number, DomainHealth[]>();

  constructor(private readonly db: ReadableDatabase) {}

  /** Every domain's health as of a UTC day, worst first. */
  domains(asOfDay: number): DomainHealth[] {
    const stamp = reportsStamp(this.db);
    if (stamp !== this.stamp) {
      this.assessed.clear();
      this.stamp = stamp;
    }
    let domains = this.assessed.get(asOfDay);
    if (!domains) {
      domains = assessDomains(domainEvidence(this.db, asOfDay), asOfDay);
      // A handful of days at most are asked for (today, and a test's or a user's --as-of).
      if (this.assessed.size > 8) this.assessed.clear();
      this.assessed.set(asOfDay, domains);
    }
    return domains;
  }

  /** One domain's health, or null when no report names it. */
  domain(asOfDay: number, domain: string): DomainHealth | null {
    return this.domains(asOfDay).find((entry) => entry.domain === domain) ?? null;
  }

  findings(asOfDay: number, domain?: string): FindingsResult {
    const findings = this.domains(asOfDay)
      .filter((entry) => domain === undefined || entry.domain === domain)
      .flatMap((entry) => entry.findings)
      .sort(compareFindings);
    return { asOf: dateOfDay(asOfDay), status: overallStatus(findings), findings };
  }
}
