// Domain health and findings over the stored reports: the evidence from the
// rollups, judged by the pure rules of shared/health/, and kept until the
// data changes. Used alike by the API (the Domains view) and `tlsrpt check`.
import { assessDomain, rankDomains, type DomainHealth } from '../../../shared/health/assess-domain.js';
import { feedSilence, feedStopped } from '../../../shared/health/feed.js';
import { compareFindings, overallStatus, type HealthFinding } from '../../../shared/health/findings.js';
import { dateOfDay } from '../../../shared/report/datetime.js';
import type { ReadableDatabase } from '../db/database.js';
import { domainEvidence, domainsReportedSince, newestReportDay, reportsStamp } from '../db/health-queries.js';

export { dayOfDate, todayUtcDay } from '../../../shared/health/as-of.js';

export interface FindingsResult {
  asOf: string;
  /** The day the domains were judged as of: `asOf`, or the last report's day when the feed stopped. */
  judgedAsOf: string;
  status: 'ok' | 'warning' | 'error';
  findings: HealthFinding[];
}

/** The domains as of a day, as every view and `tlsrpt check` show them. */
export interface HealthView {
  /** The day asked for, `YYYY-MM-DD`. */
  asOf: string;
  /** The day the domains are judged as of: `asOf`, or the last day any report covered when the feed stopped. */
  judgedAsOf: string;
  /** The one `feed-silent` finding when no report at all arrived for several days (shared/health/feed.ts). */
  feedSilent: HealthFinding | null;
  /** Worst first. */
  domains: DomainHealth[];
}

/** One as-of day's assessments: each domain's, and all of them ranked (null until asked again). */
interface KeptDay {
  byDomain: Map<string, DomainHealth>;
  ranked: DomainHealth[] | null;
}

/**
 * Assessing every domain reads a few thousand rollup rows per domain and
 * judges them: about 0.3 s for 626 domains at a million reports. A domain's
 * evidence changes only when a report with a policy for it is stored, and
 * reports are only ever added (the newest id is the stamp): so each domain's
 * assessment is kept per as-of day, and new reports have only the domains
 * they name assessed again (a sync that brings a few reports, a few
 * milliseconds).
 */
export class DomainHealthService {
  private stamp: number | null = null;
  private readonly kept = new Map<number, KeptDay>();

  constructor(private readonly db: ReadableDatabase) {}

  /** Every domain's health as of a UTC day, worst first. */
  domains(asOfDay: number): DomainHealth[] {
    this.followNewReports();
    let day = this.kept.get(asOfDay);
    if (!day) {
      // A handful of days at most are asked for (today, and a test's or a user's --as-of).
      if (this.kept.size >= 8) this.kept.clear();
      day = { byDomain: this.assess(asOfDay), ranked: null };
      this.kept.set(asOfDay, day);
    }
    day.ranked ??= rankDomains([...day.byDomain.values()]);
    return day.ranked;
  }

  /**
   * The domains as of a UTC day; when no report at all arrived for several
   * days before it (the feed stopped), one `feed-silent` finding and every
   * domain judged as of the last day any report covered, instead of every
   * domain silent. One indexed read finds that day; only the day the domains
   * are judged as of is assessed.
   */
  view(asOfDay: number): HealthView {
    const lastDay = newestReportDay(this.db, asOfDay);
    const asOf = dateOfDay(asOfDay);
    if (lastDay !== null && feedStopped(lastDay, asOfDay)) {
      const domains = this.domains(lastDay);
      const feed = feedSilence(lastDay, asOfDay, domains.length);
      if (feed !== null) return { asOf, judgedAsOf: dateOfDay(lastDay), feedSilent: feed.finding, domains };
    }
    return { asOf, judgedAsOf: asOf, feedSilent: null, domains: this.domains(asOfDay) };
  }

  /** One domain's health as judged on exactly that day, or null when no report names it. */
  domain(asOfDay: number, domain: string): DomainHealth | null {
    return this.domains(asOfDay).find((entry) => entry.domain === domain) ?? null;
  }

  /** One domain's health in the view of a day (see view), or null when no report names it. */
  domainView(asOfDay: number, domain: string): (HealthView & { health: DomainHealth }) | null {
    const view = this.view(asOfDay);
    const health = view.domains.find((entry) => entry.domain === domain);
    return health === undefined ? null : { ...view, health };
  }

  /** The findings of a day's view, worst first; a stopped feed's one finding leads, since it frames the rest. */
  findings(asOfDay: number, domain?: string): FindingsResult {
    const view = this.view(asOfDay);
    const findings = [
      ...(view.feedSilent === null ? [] : [view.feedSilent]),
      ...view.domains
        .filter((entry) => domain === undefined || entry.domain === domain)
        .flatMap((entry) => entry.findings)
        .sort(compareFindings),
    ];
    return { asOf: view.asOf, judgedAsOf: view.judgedAsOf, status: overallStatus(findings), findings };
  }

  private assess(asOfDay: number, domains?: readonly string[]): Map<string, DomainHealth> {
    return new Map(
      domainEvidence(this.db, asOfDay, domains).map((evidence) => [evidence.domain, assessDomain(evidence, asOfDay)]),
    );
  }

  /** Reassesses, on every kept day, the domains that reports stored since the last call name. */
  private followNewReports(): void {
    const stamp = reportsStamp(this.db);
    if (stamp === this.stamp) return;
    const since = this.stamp;
    this.stamp = stamp;
    if (since === null || stamp < since || this.kept.size === 0) {
      this.kept.clear();
      return;
    }
    const touched = domainsReportedSince(this.db, since);
    for (const [asOfDay, day] of this.kept) {
      // Reports for most domains (a day's import): assessing all at once reads the rollups once.
      if (touched.length * 2 > day.byDomain.size) {
        day.byDomain = this.assess(asOfDay);
      } else if (touched.length > 0) {
        for (const [domain, health] of this.assess(asOfDay, touched)) day.byDomain.set(domain, health);
      }
      day.ranked = null;
    }
  }
}
