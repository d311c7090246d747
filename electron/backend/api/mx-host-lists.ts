// The MX hosts view's two answers, kept per filter and brought up to date with what new failure details add.
import type { MxHostList } from '../../../shared/api/contract.js';
import type { MxHostFailures, ReportFilter } from '../../../shared/summary/types.js';
import type { ReadableDatabase } from '../db/database.js';
import {
  addDomainDays,
  lastFailureDetailId,
  mxHostDomainDays,
  mxHostDomainDaysAdded,
  mxResultRowsAdded,
  policyDomainsOfHosts,
  type FailureDays,
} from '../db/mx-queries.js';
import { groupFailuresByMxWithDays, mxResultRows, reconciliation, type MxResultRow } from '../db/summary-queries.js';

/**
 * How many failure details stored since an answer was kept are read and
 * added to it; past that, the answer is read whole again. Whole, the list of
 * the last 30 days at a million reports reads some 48,000 rollup rows; ten
 * thousand details, read by id, cost less than that (a sync's few reports
 * add a few dozen).
 */
const MOST_ADDED_DETAILS = 10_000;

/** Kept answers: the filters asked for most recently (a handful of ranges, and the domains' pages). */
const KEPT_FILTERS = 16;

/** Each host's rows by result type. */
type RowsByHost = Map<string | null, Map<string | null, MxResultRow>>;

interface Kept<T> {
  /** The newest failure detail the answer holds. */
  upTo: number;
  value: T;
}

/**
 * The MX hosts list and its policy domains, per filter. Over a range at a
 * million reports the list groups some 48,000 rollup rows (the range's weeks
 * and days of 918 hosts × 11 result types in the synthetic bench corpus):
 * p95 50–60 ms on the idle 2-core VM, measured 2026-12-01, and the domains
 * column about as much. Both change only when failure details are stored,
 * which are only ever added, each with a larger id. So each filter's answer
 * is kept with the newest detail id it holds, and a later call adds what the
 * details stored since then say: sums add, first and last days are minima
 * and maxima, a host's domains a union, so the answer stays exact. After a
 * sync of a few reports the list costs a seek and a few rows, not a regroup.
 */
export class MxHostLists {
  private readonly rows = new Map<string, Kept<{ byHost: RowsByHost; hosts: MxHostFailures[] }>>();
  private readonly domains = new Map<string, Kept<Map<string | null, string[]>>>();
  /** Each host's domains over all time with the first and last day it failed for each: the ranges' domains start here. */
  private readonly domainDays = new Map<string, Kept<Map<string | null, Map<string, FailureDays>>>>();

  private readonly mostAddedDetails: number;

  constructor(
    private readonly db: ReadableDatabase,
    options: { mostAddedDetails?: number } = {},
  ) {
    this.mostAddedDetails = options.mostAddedDetails ?? MOST_ADDED_DETAILS;
  }

  /** The MX hosts view's list: each host's failures, and the failed sessions that no detail places at a host. */
  list(filter: ReportFilter): MxHostList {
    return { hosts: this.hosts(filter), ...reconciliation(this.db, filter) };
  }

  /** The MX hosts list of a filter: each host's failures by result type, and since when. */
  hosts(filter: ReportFilter): MxHostFailures[] {
    return this.keep(this.rows, filter, {
      // One statement, so one snapshot: keep() checks that no detail was stored while it ran.
      whole: () => {
        const byHost: RowsByHost = new Map();
        addRows(byHost, mxResultRows(this.db, filter));
        return { byHost, hosts: groupFailuresByMxWithDays(allRows(byHost)) };
      },
      add: (kept, after, upTo) => {
        const added = mxResultRowsAdded(this.db, filter, after, upTo);
        if (added.length === 0) return kept;
        addRows(kept.byHost, added);
        return { byHost: kept.byHost, hosts: groupFailuresByMxWithDays(allRows(kept.byHost)) };
      },
    }).hosts;
  }

  /** The policy domains each MX host failed for under a filter (hosts with none left out). */
  policyDomains(filter: ReportFilter): { mx: string | null; policyDomains: string[] }[] {
    const domains = this.domainsOfHosts(filter);
    return [...domains]
      .filter(([, policyDomains]) => policyDomains.length > 0)
      .map(([mx, policyDomains]) => ({ mx, policyDomains }));
  }

  private domainsOfHosts(filter: ReportFilter): Map<string | null, string[]> {
    const allTime = this.keep(
      this.domainDays,
      {},
      {
        whole: () => mxHostDomainDays(this.db),
        add: (kept, after, upTo) => {
          addDomainDays(kept, mxHostDomainDaysAdded(this.db, {}, after, upTo));
          return kept;
        },
      },
    );
    if (filterKey(filter) === filterKey({})) {
      return new Map([...allTime].map(([mx, domains]) => [mx, [...domains.keys()].sort()]));
    }
    return this.keep(this.domains, filter, {
      whole: () => policyDomainsOfHosts(this.db, filter, allTime),
      add: (kept, after, upTo) => {
        for (const { mx, domain } of mxHostDomainDaysAdded(this.db, filter, after, upTo)) {
          const list = kept.get(mx) ?? [];
          if (!list.includes(domain)) kept.set(mx, [...list, domain].sort());
        }
        return kept;
      },
    });
  }

  /**
   * A filter's kept answer, brought up to the newest failure detail. A whole
   * read takes several statements or one; a detail stored by another process
   * while it runs may or may not be in it, so an answer read whole is kept
   * only when the newest id is the same after the read as before it (sums
   * must not count a detail twice). An added read names its ids both ways.
   */
  private keep<T>(
    kept: Map<string, Kept<T>>,
    filter: ReportFilter,
    read: { whole: () => T; add: (value: T, after: number, upTo: number) => T },
  ): T {
    const key = filterKey(filter);
    const upTo = lastFailureDetailId(this.db);
    let entry = kept.get(key);
    kept.delete(key);
    // Fewer details than kept: a write rolled back after the answer read it (the bench does, a failed import could).
    if (entry && (upTo < entry.upTo || upTo - entry.upTo > this.mostAddedDetails)) entry = undefined;
    if (entry) {
      if (upTo > entry.upTo) entry = { upTo, value: read.add(entry.value, entry.upTo, upTo) };
    } else {
      const value = read.whole();
      if (lastFailureDetailId(this.db) !== upTo) return value;
      entry = { upTo, value };
    }
    kept.set(key, entry);
    const oldest = kept.keys().next();
    if (kept.size > KEPT_FILTERS && oldest.done !== true) kept.delete(oldest.value);
    return entry.value;
  }
}

function filterKey(filter: ReportFilter): string {
  return JSON.stringify([filter.fromTime ?? null, filter.toTime ?? null, filter.policyDomain ?? null]);
}

/** Adds rows into each host's rows by result type: failed sessions summed, first and last days widened. */
function addRows(byHost: RowsByHost, rows: readonly MxResultRow[]): void {
  for (const row of rows) {
    let types = byHost.get(row.mx);
    if (!types) {
      types = new Map();
      byHost.set(row.mx, types);
    }
    const seen = types.get(row.resultType);
    if (seen) {
      seen.failed += row.failed;
      seen.firstDay = Math.min(seen.firstDay, row.firstDay);
      seen.lastDay = Math.max(seen.lastDay, row.lastDay);
    } else {
      types.set(row.resultType, { ...row });
    }
  }
}

function allRows(byHost: RowsByHost): MxResultRow[] {
  return [...byHost.values()].flatMap((types) => [...types.values()]);
}
