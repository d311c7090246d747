// Prometheus metrics for serve and `sync --poll`. What the reports say is
// read from the rollups at each scrape (nothing is counted beside the
// database, so nothing drifts from it, and a restart loses nothing); only
// what happens in this process (imports' durations, sync runs) is counted here.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FindingSeverity } from '../../../shared/health/findings.js';
import type { ReadableDatabase } from '../db/database.js';
import { reportsStamp } from '../db/health-queries.js';
import { domainResultTypes, domainSessions, mailboxStates, reportsStored } from '../db/metrics-queries.js';
import { todayUtcDay, type DomainHealthService } from '../health/domain-health.js';

/**
 * Policy domains named in labels: the busiest by sessions; the rest are
 * summed under OTHER. A provider with 10,000 domains would otherwise give
 * Prometheus 10,000 series per metric, and every series costs it memory
 * for as long as it is kept.
 */
const DEFAULT_TOP_DOMAINS = 50;
/** Result types named per domain; senders may invent any, so the rarest are summed under OTHER. */
const TOP_RESULT_TYPES = 20;
/** Mailboxes named; a service watches a handful. */
const MAX_MAILBOXES = 100;
/** The label value for everything past the named ones: parentheses are in no domain name or result type. */
export const OTHER = '(other)';
/** Sessions that named no policy domain. */
const NO_DOMAIN = '(none)';

/** Seconds, for imports: a report alone takes milliseconds, a mailbox's batch of hundreds a few seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface MetricsOptions {
  db: ReadableDatabase;
  /** The findings, as the Domains view and `tlsrpt check` judge them (kept between scrapes). */
  health: DomainHealthService;
  topDomains?: number;
}

/** A registry with the app's metrics, and the hooks that count what happens in this process. */
export class TlsRptMetrics {
  readonly registry = new Registry();
  private readonly importDuration: Histogram<'source'>;
  private readonly syncRuns: Counter<'mailbox'>;
  private readonly syncErrors: Counter<'mailbox'>;

  constructor(options: MetricsOptions) {
    const { db, health } = options;
    const top = options.topDomains ?? DEFAULT_TOP_DOMAINS;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: 'tlsrpt_reports_stored',
      help: 'Reports stored in the database.',
      registers,
      collect() {
        this.set(reportsStored(db));
      },
    });
    // Read again only once a report was stored since (reports are only ever added: the newest id is the stamp).
    let domains: { stamp: number; view: DomainView } | null = null;
    const domainView = (): DomainView => {
      const stamp = reportsStamp(db);
      if (domains?.stamp !== stamp) domains = { stamp, view: viewDomains(db, top) };
      return domains.view;
    };
    new Gauge({
      name: 'tlsrpt_policy_domains',
      help: 'Policy domains with reports; those past the busiest are summed under policy_domain="(other)".',
      registers,
      collect() {
        this.set(domainView().count);
      },
    });
    new Gauge({
      name: 'tlsrpt_sessions',
      help: 'TLS sessions reported, all time, by policy domain and outcome (successful or failed).',
      labelNames: ['policy_domain', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [domain, row] of domainView().sessions) {
          this.set({ policy_domain: domain, outcome: 'successful' }, row.successful);
          this.set({ policy_domain: domain, outcome: 'failed' }, row.failed);
        }
      },
    });
    new Gauge({
      name: 'tlsrpt_failed_sessions',
      help:
        'Failed TLS sessions reported, all time, by policy domain and result type; "(no details)" is failures ' +
        'a counted policy left without failure details.',
      labelNames: ['policy_domain', 'result_type'],
      registers,
      collect() {
        this.reset();
        for (const row of domainView().results) {
          this.set({ policy_domain: row.domain, result_type: row.resultType }, row.failed);
        }
      },
    });
    new Gauge({
      name: 'tlsrpt_last_report_timestamp_seconds',
      help: 'Start of the newest report period per policy domain (for "(other)", the newest among them).',
      labelNames: ['policy_domain'],
      registers,
      collect() {
        this.reset();
        for (const [domain, row] of domainView().sessions) {
          if (row.lastStartTime > 0) this.set({ policy_domain: domain }, row.lastStartTime);
        }
      },
    });
    new Gauge({
      name: 'tlsrpt_newest_report_timestamp_seconds',
      help: 'Start of the newest report period of any domain; absent while no report is stored.',
      registers,
      collect() {
        this.reset();
        let newest = 0;
        for (const row of domainView().sessions.values()) newest = Math.max(newest, row.lastStartTime);
        if (newest > 0) this.set(newest);
      },
    });
    new Gauge({
      name: 'tlsrpt_findings',
      help: 'Findings as of today (as `tlsrpt check` shows them), by severity and code.',
      labelNames: ['severity', 'code'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, { severity: FindingSeverity; code: string; count: number }>();
        for (const finding of health.findings(todayUtcDay()).findings) {
          const key = `${finding.severity}\u0000${finding.code}`;
          const entry = counts.get(key) ?? { severity: finding.severity, code: finding.code, count: 0 };
          entry.count += 1;
          counts.set(key, entry);
        }
        for (const entry of counts.values()) this.set({ severity: entry.severity, code: entry.code }, entry.count);
      },
    });
    new Gauge({
      name: 'tlsrpt_domain_findings',
      help: `Findings as of today per policy domain and severity: the ${top} domains with the most, worst first; the rest under "(other)".`,
      labelNames: ['policy_domain', 'severity'],
      registers,
      collect() {
        this.reset();
        const byDomain = new Map<string, Record<FindingSeverity, number>>();
        for (const finding of health.findings(todayUtcDay()).findings) {
          const domain = finding.domain ?? NO_DOMAIN;
          const counts = byDomain.get(domain) ?? { error: 0, warning: 0, info: 0 };
          counts[finding.severity] += 1;
          byDomain.set(domain, counts);
        }
        const ranked = [...byDomain].sort(
          ([a, x], [b, y]) => y.error - x.error || y.warning - x.warning || y.info - x.info || a.localeCompare(b),
        );
        const other: Record<FindingSeverity, number> = { error: 0, warning: 0, info: 0 };
        for (const [index, [domain, counts]] of ranked.entries()) {
          if (index < top) {
            for (const severity of SEVERITIES) this.set({ policy_domain: domain, severity }, counts[severity]);
          } else {
            for (const severity of SEVERITIES) other[severity] += counts[severity];
          }
        }
        if (ranked.length > top) {
          for (const severity of SEVERITIES) this.set({ policy_domain: OTHER, severity }, other[severity]);
        }
      },
    });
    new Gauge({
      name: 'tlsrpt_mailbox_last_sync_timestamp_seconds',
      help: 'When each watched mailbox was last synced.',
      labelNames: ['mailbox'],
      registers,
      collect() {
        this.reset();
        for (const row of mailboxStates(db, MAX_MAILBOXES)) {
          if (row.lastSyncAt !== null) this.set({ mailbox: row.mailbox }, row.lastSyncAt);
        }
      },
    });
    new Gauge({
      name: 'tlsrpt_mailbox_last_sync_failed',
      help: "1 when a mailbox's last sync failed, else 0.",
      labelNames: ['mailbox'],
      registers,
      collect() {
        this.reset();
        for (const row of mailboxStates(db, MAX_MAILBOXES)) this.set({ mailbox: row.mailbox }, row.failing);
      },
    });
    this.syncRuns = new Counter({
      name: 'tlsrpt_sync_runs_total',
      help: 'Mailbox syncs run by this process, by mailbox.',
      labelNames: ['mailbox'],
      registers,
    });
    this.syncErrors = new Counter({
      name: 'tlsrpt_sync_errors_total',
      help: 'Mailbox syncs of this process that failed (a connection, a login, the server), by mailbox.',
      labelNames: ['mailbox'],
      registers,
    });
    this.importDuration = new Histogram({
      name: 'tlsrpt_import_duration_seconds',
      help: 'How long imports took in this process: a report received over HTTPS, or a mailbox sync batch.',
      labelNames: ['source'],
      buckets: DURATION_BUCKETS,
      registers,
    });
  }

  observeImport(source: 'https' | 'mailbox', seconds: number): void {
    this.importDuration.observe({ source }, seconds);
  }

  countSync(mailbox: string, failed: boolean): void {
    this.syncRuns.inc({ mailbox });
    // Present from the first run, so that rate() sees the first error as a change from 0.
    this.syncErrors.inc({ mailbox }, failed ? 1 : 0);
  }

  /** The text exposition format 0.0.4, as Prometheus scrapes it. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'info'];

interface DomainTotals {
  successful: number;
  failed: number;
  lastStartTime: number;
}

interface DomainView {
  /** Policy domains with reports. */
  count: number;
  /** The named domains, and OTHER for the rest when there are more. */
  sessions: Map<string, DomainTotals>;
  results: { domain: string; resultType: string; failed: number }[];
}

/** The busiest `top` domains by name, the rest summed under OTHER; result types bounded the same way. */
function viewDomains(db: ReadableDatabase, top: number): DomainView {
  const rows = domainSessions(db);
  const sessions = new Map<string, DomainTotals>();
  const named = new Set<string>();
  let count = 0;
  const other: DomainTotals = { successful: 0, failed: 0, lastStartTime: 0 };
  let others = 0;
  for (const row of rows) {
    if (row.domain !== '') count += 1;
    const label = row.domain === '' ? NO_DOMAIN : row.domain;
    if (named.size < top) {
      named.add(row.domain);
      sessions.set(label, { successful: row.successful, failed: row.failed, lastStartTime: row.lastStartTime });
    } else {
      others += 1;
      other.successful += row.successful;
      other.failed += row.failed;
      other.lastStartTime = Math.max(other.lastStartTime, row.lastStartTime);
    }
  }
  if (others > 0) sessions.set(OTHER, other);
  // Result types: the most failed sessions first, over all domains; each domain's past those under OTHER.
  const resultRows = domainResultTypes(db);
  const typeTotals = new Map<string, number>();
  for (const row of resultRows) typeTotals.set(row.resultType, (typeTotals.get(row.resultType) ?? 0) + row.failed);
  const namedTypes = new Set(
    [...typeTotals]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, TOP_RESULT_TYPES)
      .map(([type]) => type),
  );
  const results = new Map<string, { domain: string; resultType: string; failed: number }>();
  for (const row of resultRows) {
    const domain = named.has(row.domain) ? (row.domain === '' ? NO_DOMAIN : row.domain) : OTHER;
    const resultType = namedTypes.has(row.resultType) ? row.resultType : OTHER;
    const key = `${domain}\u0000${resultType}`;
    const entry = results.get(key) ?? { domain, resultType, failed: 0 };
    entry.failed += row.failed;
    results.set(key, entry);
  }
  return { count, sessions, results: [...results.values()] };
}
