// The one decision of which error findings are news: after each import or
// sync batch, the domains the batch's reports name are assessed as of today,
// and their error findings compared with those already notified (kept in
// SQLite, so a restart does not announce them again). What is new goes to
// every sink: the desktop app's notification, a webhook, an e-mail.
import { findingKey, type HealthFinding } from '../../../shared/health/findings.js';
import type { FindingsNotice } from '../../../shared/health/notice.js';
import { dateOfDay } from '../../../shared/report/datetime.js';
import type { WritableDatabase } from '../db/database.js';
import { domainsReportedSince, reportsStamp } from '../db/health-queries.js';
import {
  NotifiedFindingsWriter,
  notifiedFindingKeys,
  type NotifiedChange,
  type NotifiedFinding,
} from '../db/notified-findings.js';
import type { ReportImporter } from '../import/importer.js';
import { DomainHealthService, todayUtcDay } from '../health/domain-health.js';

/** Where a notice goes. `describe` names it in a problem report, without any secret (a webhook's token). */
export interface FindingSink {
  describe: string;
  deliver(notice: FindingsNotice): Promise<void>;
}

export interface FindingNotifierOptions {
  sinks: readonly FindingSink[];
  /** A sink that failed, in words (it has retried as far as it does); the import is not held up by it. */
  onProblem?: (message: string) => void;
  /** The service the API's views use, so that both keep one set of assessments. */
  health?: DomainHealthService;
  now?: () => number;
}

export class FindingNotifier {
  private stamp: number;
  private readonly writer: NotifiedFindingsWriter;
  private readonly health: DomainHealthService;
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    private readonly db: WritableDatabase,
    private readonly options: FindingNotifierOptions,
  ) {
    // Reports stored before this start are not news of this run; a later batch
    // for their domain still announces a finding of theirs never announced.
    this.stamp = reportsStamp(db);
    this.writer = new NotifiedFindingsWriter(db);
    this.health = options.health ?? new DomainHealthService(db);
  }

  /** Checks after every import the importer finishes (files, uploads, a mailbox sync's batches). */
  follow(importer: ReportImporter): this {
    importer.onImported(() => {
      try {
        this.check();
      } catch (error) {
        // The reports are stored; a check that fails (a database problem) must not fail their import.
        this.options.onProblem?.(
          `could not check the new reports for new findings: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
    return this;
  }

  /**
   * The error findings that reports stored since the last check made new, as
   * of today; recorded as notified before they are sent, so that a sink that
   * is down is reported once rather than retried on every batch.
   */
  check(): HealthFinding[] {
    const stamp = reportsStamp(this.db);
    if (stamp === this.stamp) return [];
    const touched = stamp > this.stamp ? domainsReportedSince(this.db, this.stamp) : [];
    this.stamp = stamp;
    const now = (this.options.now ?? Date.now)();
    const day = todayUtcDay(now);
    const fresh: HealthFinding[] = [];
    const changes: NotifiedChange[] = [];
    for (const domain of touched) {
      const errors = (this.health.domain(day, domain)?.findings ?? []).filter(
        (finding) => finding.severity === 'error',
      );
      const current = new Map(errors.map((finding) => [findingKey(finding), finding]));
      const known = notifiedFindingKeys(this.db, domain);
      const added: NotifiedFinding[] = [];
      for (const [key, finding] of current) {
        if (known.includes(key)) continue;
        fresh.push(finding);
        added.push({ key, domain, code: finding.code });
      }
      const gone = known.filter((key) => !current.has(key));
      if (added.length > 0 || gone.length > 0) changes.push({ added, gone });
    }
    this.writer.settle(changes, now);
    if (fresh.length > 0) this.deliver({ asOf: dateOfDay(day), findings: fresh });
    return fresh;
  }

  /** Resolves once every delivery under way has ended (sent, or failed and reported). */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  private deliver(notice: FindingsNotice): void {
    for (const sink of this.options.sinks) {
      const delivery = sink
        .deliver(notice)
        .catch((error: unknown) => {
          const reason = error instanceof Error ? error.message : String(error);
          this.options.onProblem?.(
            `could not send ${notice.findings.length} new finding(s) to ${sink.describe}: ${reason}`,
          );
        })
        .finally(() => this.deliveries.delete(delivery));
      this.deliveries.add(delivery);
    }
  }
}
