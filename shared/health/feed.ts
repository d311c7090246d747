// The reports as a whole: when none at all arrived for several days, every
// domain goes silent at once, and the cause is the feed (the report mailbox,
// its sync, the import, the _smtp._tls records), not mail to each domain.
// Said once, and each domain is then judged as of the last day any report
// arrived, so that what was failing then (an MX host with an expired
// certificate) stays in sight instead of hundreds of domain-silent lines.
import { dateOfDay } from '../report/datetime.js';
import { HEALTH_THRESHOLDS } from './assess-domain.js';
import type { HealthFinding } from './findings.js';

export interface FeedSilence {
  /** The `feed-silent` finding, a warning: what stopped, since when, and what to check. */
  finding: HealthFinding;
  /** The last UTC day any report covered, as a day number: the day the domains are judged as of. */
  lastReportDay: number;
}

/** True when the newest report (its UTC day) is `silentDays` or more before `asOfDay`: the feed stopped. */
export function feedStopped(lastReportDay: number, asOfDay: number): boolean {
  return asOfDay - lastReportDay >= HEALTH_THRESHOLDS.silentDays;
}

/**
 * Whether the feed stopped as of `asOfDay`: the newest report of any domain
 * (at or before that day) started `silentDays` or more days before it, the
 * rule a single domain's silence follows (HEALTH_THRESHOLDS.silentDays).
 * Null while reports arrive, and for a database without any.
 */
export function feedSilence(lastReportDay: number | null, asOfDay: number, domains: number): FeedSilence | null {
  if (lastReportDay === null || domains === 0 || !feedStopped(lastReportDay, asOfDay)) return null;
  const silentFor = asOfDay - lastReportDay;
  const last = dateOfDay(lastReportDay);
  const which = domains === 1 ? 'the one domain reported' : `any of the ${domains.toLocaleString('en-US')} domains`;
  return {
    lastReportDay,
    finding: {
      severity: 'warning',
      code: 'feed-silent',
      domain: null,
      mx: null,
      organization: null,
      resultType: null,
      // The evidence is the newest report's day: nothing came after it.
      firstSeen: last,
      lastSeen: last,
      failedSessions: null,
      message: `No TLS report at all since ${last} (${silentFor} days), for ${which}: the reports stopped arriving, which says nothing about mail to each domain. Each domain's verdict and findings are shown as of ${last}, the last report.`,
      fix: 'Check the mailbox that receives the reports (does it still get them, is it full?), its sync or the import that fills this database (Mailboxes: the last sync and its error), and that the _smtp._tls TXT records still name that mailbox (Policies ▸ Check online). Once reports arrive again, the domains are judged as of today.',
      policyLint: null,
    },
  };
}
