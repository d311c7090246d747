// The evidence behind each domain's verdict and findings (shared/health/),
// read from the domain-keyed rollups: every query here is a seek per domain
// over the lookback window, whatever the size of the database.
import {
  LOOKBACK_DAYS,
  HEALTH_THRESHOLDS,
  isPolicyLinkedResultType,
  type DomainEvidence,
} from '../../../shared/health/assess-domain.js';
import { modeOfQuotedPolicy } from '../../../shared/policy/mta-sts-policy.js';
import { prepared, type ReadableDatabase } from './database.js';
import { SPAN, dayOf, weekOf } from './rollups.js';

/** A quoted policy text as the queries below read it. */
interface QuotedPolicyRow {
  policyStrings: string;
  firstTime: number;
  lastTime: number;
  reports: number;
  failedSessions: number;
}

/** The policy domains with reports (a sender that named none is not a domain). */
function reportedDomains(db: ReadableDatabase): string[] {
  return prepared(
    db,
    `SELECT DISTINCT policy_domain FROM rollup_domain_senders
       WHERE span = ${SPAN.allTime} AND policy_domain <> '' ORDER BY 1`,
  )
    .pluck()
    .all() as string[];
}

/**
 * What the reports say about each domain in the lookback window ending on
 * `asOfDay` (a UTC day number), for `assessDomain`. `domains` limits it to
 * those (a domain's page, `tlsrpt check --domain`).
 */
export function domainEvidence(db: ReadableDatabase, asOfDay: number, domains?: readonly string[]): DomainEvidence[] {
  const names = domains ?? reportedDomains(db);
  if (names.length === 0) return [];
  const window = {
    from: asOfDay - LOOKBACK_DAYS + 1,
    to: asOfDay,
    recentFrom: asOfDay - HEALTH_THRESHOLDS.recentDays + 1,
  };
  // The domains as a JSON array parameter: one statement for any number of them.
  const params = { ...window, domains: JSON.stringify(names) };
  const inDomains = `policy_domain IN (SELECT value FROM json_each(@domains))`;
  // rollup_domains is keyed day first. For every domain, the window's days are
  // read whole (a third of the time a list filter costs at 626 domains); for
  // some, each day of the window is sought for each of them (a domain's page,
  // the domains new reports name: a filter over every domain's days took
  // 10–50 ms for one domain at a million reports).
  const windowDays =
    domains === undefined
      ? `FROM rollup_domains WHERE span = ${SPAN.day} AND day >= @from AND day <= @to AND policy_domain <> ''`
      : `FROM (WITH RECURSIVE window_days(day) AS (SELECT @from UNION ALL SELECT day + 1 FROM window_days WHERE day < @to)
           SELECT day FROM window_days) AS window_days
         CROSS JOIN json_each(@domains) AS listed
         CROSS JOIN rollup_domains
           ON rollup_domains.span = ${SPAN.day} AND rollup_domains.day = window_days.day
             AND rollup_domains.policy_domain = listed.value
         WHERE 1`;
  const evidence = new Map<string, DomainEvidence>(
    names.map((domain) => [
      domain,
      {
        domain,
        firstReportDay: null,
        lastReportDay: null,
        days: [],
        senders: [],
        failures: [],
        resultTypeFirstDays: [],
        mxRunStarts: [],
        stsPolicies: [],
        stsMode: null,
        dane: false,
        policyTypes: [],
      },
    ]),
  );
  const of = (domain: string): DomainEvidence => {
    const entry = evidence.get(domain);
    if (!entry) throw new Error(`no evidence for ${domain}`);
    return entry;
  };

  const reportDays = prepared(
    db,
    `SELECT value AS domain,
         (SELECT day FROM rollup_domain_senders WHERE span = ${SPAN.day} AND policy_domain = value AND day <= @to
          ORDER BY day LIMIT 1) AS firstDay,
         (SELECT day FROM rollup_domain_senders WHERE span = ${SPAN.day} AND policy_domain = value AND day <= @to
          ORDER BY day DESC LIMIT 1) AS lastDay
       FROM json_each(@domains)`,
  ).all({ to: window.to, domains: params.domains }) as {
    domain: string;
    firstDay: number | null;
    lastDay: number | null;
  }[];
  for (const row of reportDays) {
    const entry = of(row.domain);
    entry.firstReportDay = row.firstDay;
    entry.lastReportDay = row.lastDay;
  }

  // Per domain and day from rollup_domains (a row per policy type, not per sender: fewer rows to read).
  const days = prepared(
    db,
    `SELECT policy_domain AS domain, rollup_domains.day AS day, SUM(successful_sessions) AS successful,
         SUM(failed_sessions) AS failed, SUM(failed_without_details) AS failedWithoutDetails
       ${windowDays}
       GROUP BY policy_domain, rollup_domains.day HAVING SUM(policies) > 0 ORDER BY policy_domain, rollup_domains.day`,
  ).all(params) as ({ domain: string } & DomainEvidence['days'][number])[];
  for (const { domain, ...day } of days) of(domain).days.push(day);

  // Per sender: its last day from the all-time row (one row per domain and
  // sender, where the window's day rows are 35 per sender: 350,000 rows at a
  // million reports, the largest read here). The days in the baseline and the
  // first day are counted from the day rows only where sender-silent asks for
  // them: for senders silent for silentDays or more, and for every sender of
  // a domain whose last report came after the as-of day.
  const allTimeSenders = prepared(
    db,
    `SELECT policy_domain AS domain, organization, last_start_time AS lastStartTime
       FROM rollup_domain_senders
       WHERE span = ${SPAN.allTime} AND ${inDomains} AND day = 0 AND reports > 0
       ORDER BY policy_domain, organization`,
  ).all(params) as { domain: string; organization: string; lastStartTime: number }[];
  const countDomains = new Set<string>();
  for (const { domain, organization, lastStartTime } of allTimeSenders) {
    const lastDay = dayOf(lastStartTime);
    if (lastDay > window.to) countDomains.add(domain);
    else if (lastDay >= window.from) {
      if (window.to - lastDay >= HEALTH_THRESHOLDS.silentDays) countDomains.add(domain);
      of(domain).senders.push({ organization, lastDay, baselineDays: null, firstDay: null });
    }
  }
  if (countDomains.size > 0) {
    const counted = prepared(
      db,
      `SELECT policy_domain AS domain, organization, SUM(day < @recentFrom) AS baselineDays, MIN(day) AS firstDay,
           MAX(day) AS lastDay
         FROM rollup_domain_senders
         WHERE span = ${SPAN.day} AND ${inDomains} AND day >= @from AND day <= @to AND reports > 0
         GROUP BY policy_domain, organization ORDER BY policy_domain, organization`,
    ).all({ ...window, domains: JSON.stringify([...countDomains]) }) as ({
      domain: string;
    } & DomainEvidence['senders'][number])[];
    for (const domain of countDomains) of(domain).senders = [];
    for (const { domain, ...sender } of counted) of(domain).senders.push(sender);
  }

  // Failures only for the recent window: that is all the findings read day by day.
  const failures = prepared(
    db,
    `SELECT policy_domain AS domain, NULLIF(receiving_mx_hostname, '') AS mx, NULLIF(result_type, '') AS resultType,
         day, failed_sessions AS failed
       FROM rollup_domain_mx
       WHERE span = ${SPAN.day} AND ${inDomains} AND day >= @recentFrom AND day <= @to`,
  ).all(params) as ({ domain: string } & DomainEvidence['failures'][number])[];
  for (const { domain, ...failure } of failures) of(domain).failures.push(failure);

  const firstDays = prepared(
    db,
    `SELECT policy_domain AS domain, NULLIF(receiving_mx_hostname, '') AS mx, NULLIF(result_type, '') AS resultType,
         first_day AS firstDay
       FROM rollup_domain_mx WHERE span = ${SPAN.allTime} AND ${inDomains}`,
  ).all(params) as { domain: string; mx: string | null; resultType: string | null; firstDay: number }[];
  const earliest = new Map<string, { types: Map<string | null, number>; hosts: Map<string, number> }>();
  for (const row of firstDays) {
    let entry = earliest.get(row.domain);
    if (!entry) {
      entry = { types: new Map(), hosts: new Map() };
      earliest.set(row.domain, entry);
    }
    entry.types.set(row.resultType, Math.min(entry.types.get(row.resultType) ?? row.firstDay, row.firstDay));
    // Keyed as rollup_domain_mx stores hosts: '' for the failures that named none.
    const host = row.mx ?? '';
    entry.hosts.set(host, Math.min(entry.hosts.get(host) ?? row.firstDay, row.firstDay));
  }
  for (const [domain, { types }] of earliest) {
    of(domain).resultTypeFirstDays = [...types].map(([resultType, firstDay]) => ({ resultType, firstDay }));
  }

  for (const entry of evidence.values()) {
    const firstRecent = new Map<string | null, number>();
    for (const failure of entry.failures) {
      if (failure.failed > 0)
        firstRecent.set(failure.mx, Math.min(firstRecent.get(failure.mx) ?? failure.day, failure.day));
    }
    if (firstRecent.size === 0) continue;
    const starts = failingRunStarts(db, entry.domain, firstRecent, {
      oldestWeek: weekOf(asOfDay - RUN_WALK_DAYS),
      firstDays: earliest.get(entry.domain)?.hosts ?? new Map(),
    });
    entry.mxRunStarts = [...starts].map(([mx, firstDay]) => ({ mx, firstDay }));
  }

  const policyTypes = prepared(
    db,
    `SELECT policy_domain AS domain, policy_type AS policyType, SUM(policies) AS policies,
         SUM(successful_sessions + failed_sessions) AS sessions
       ${windowDays} AND policy_type <> ''
       GROUP BY policy_domain, policy_type ORDER BY policy_domain, sessions DESC, policies DESC, policy_type`,
  ).all(params) as { domain: string; policyType: string }[];
  for (const row of policyTypes) {
    const entry = of(row.domain);
    entry.policyTypes.push(row.policyType);
    if (row.policyType === 'tlsa') entry.dane = true;
  }

  // The MTA-STS policies senders quoted, for the findings the policy linter speaks to, only where there are some:
  // those of the recent window (about 300 rows for a domain sixteen senders report at a million reports, five times
  // that over the lookback), or the newest one before it (a sender that cannot fetch the policy quotes none).
  const quotedPolicies = prepared(
    db,
    `SELECT policy_strings_json AS policyStrings, MIN(start_time) AS firstTime, MAX(start_time) AS lastTime,
         COUNT(DISTINCT report_rowid) AS reports, SUM(failed_sessions) AS failedSessions
       FROM policies INDEXED BY policies_quoted_by_domain
       WHERE policy_domain = ? AND policy_type = 'sts' AND start_time >= ? AND start_time < ?
         AND policy_strings_json IS NOT NULL
       GROUP BY policy_strings_json ORDER BY firstTime`,
  );
  const newestQuotedBefore = prepared(
    db,
    `SELECT policy_strings_json AS policyStrings, start_time AS firstTime, start_time AS lastTime, 1 AS reports,
         failed_sessions AS failedSessions
       FROM policies INDEXED BY policies_quoted_by_domain
       WHERE policy_domain = ? AND policy_type = 'sts' AND start_time >= ? AND start_time < ?
         AND policy_strings_json IS NOT NULL
       ORDER BY start_time DESC LIMIT 1`,
  );
  for (const entry of evidence.values()) {
    if (!entry.failures.some((failure) => failure.failed > 0 && isPolicyLinkedResultType(failure.resultType))) continue;
    let rows = quotedPolicies.all(
      entry.domain,
      window.recentFrom * 86_400,
      (window.to + 1) * 86_400,
    ) as QuotedPolicyRow[];
    if (rows.length === 0) {
      rows = newestQuotedBefore.all(
        entry.domain,
        window.from * 86_400,
        window.recentFrom * 86_400,
      ) as QuotedPolicyRow[];
    }
    entry.stsPolicies = rows.map((row) => ({
      policyStrings: JSON.parse(row.policyStrings) as string[],
      firstDay: dayOf(row.firstTime),
      lastDay: dayOf(row.lastTime),
      reports: row.reports,
      failedSessions: row.failedSessions,
    }));
  }

  // The newest MTA-STS policy a sender quoted in the window: the mode senders act on.
  const newestStsPolicy = prepared(
    db,
    `SELECT policy_strings_json FROM policies INDEXED BY policies_quoted_by_domain
     WHERE policy_domain = ? AND policy_type = 'sts' AND start_time >= ? AND start_time < ?
       AND policy_strings_json IS NOT NULL
     ORDER BY start_time DESC LIMIT 1`,
  );
  for (const entry of evidence.values()) {
    if (!entry.policyTypes.includes('sts')) continue;
    const strings = newestStsPolicy.pluck().get(entry.domain, window.from * 86_400, (window.to + 1) * 86_400) as
      string | undefined;
    if (strings !== undefined) entry.stsMode = modeOfQuotedPolicy(JSON.parse(strings) as string[]);
  }
  return [...evidence.values()];
}

/**
 * How far back the walk below looks for the start of a run of failing: a
 * quarter. A host that fails every day has a week row per week of history
 * for each domain it receives for, and walking a year and more of them for
 * all 626 domains of the synthetic million tripled the whole assessment
 * (0.37 to 1.2 s, 2026-12-01; a quarter adds about 0.07 s). A run that has
 * lasted a quarter is dated from the host's first failure ever for the
 * domain, as before runs were walked: the stray failure that would misdate
 * it lies before a short run, which the walk sees whole.
 */
const RUN_WALK_DAYS = 91;

/**
 * The first day of the current run of failing of each MX host (null: the
 * details named none) that failed in the recent window, from its first
 * failing day there (HEALTH_THRESHOLDS.runGapReportDays). Read from the
 * week rows of rollup_domain_mx, newest first, which keep each week's first
 * and last failing day: within a week failures lie at most 6 days apart,
 * within the gap, so a run only ends between two weeks, where the last
 * failing day of the earlier and the first of the later one are the two
 * failures the gap lies between; only a gap of more than the allowed days
 * is counted in days with reports (a seek). A host failing every day for a
 * year costs its 52 week rows, where reading its days took seven times as
 * many rows and a walk day by day a hundred seeks.
 */
function failingRunStarts(
  db: ReadableDatabase,
  domain: string,
  firstRecent: ReadonlyMap<string | null, number>,
  bound: { oldestWeek: number; firstDays: ReadonlyMap<string, number> },
): Map<string | null, number> {
  const gap = HEALTH_THRESHOLDS.runGapReportDays;
  const reportDaysBetween = prepared(
    db,
    `SELECT COUNT(*) FROM (SELECT DISTINCT day FROM rollup_domain_senders
       WHERE span = ${SPAN.day} AND policy_domain = ? AND day > ? AND day < ? AND reports > 0 LIMIT ?)`,
  ).pluck();
  // Each host's failing days a week, folded over its result types in SQL (the rows come in key order, newest
  // first, without a sort): a fifth of the rows for JavaScript to walk.
  const weeks = prepared(
    db,
    `SELECT day AS week, receiving_mx_hostname AS mx, MIN(first_day) AS firstDay, MAX(last_day) AS lastDay
       FROM rollup_domain_mx
       WHERE span = ${SPAN.week} AND policy_domain = ? AND day <= ? AND day >= ? AND failed_sessions > 0
       GROUP BY day, receiving_mx_hostname ORDER BY day DESC, receiving_mx_hostname DESC`,
  );
  // Keyed as stored: '' for the failures that named no host.
  const start = new Map<string, number>();
  for (const [mx, day] of firstRecent) start.set(mx ?? '', day);
  const open = new Set(start.keys());
  /** Takes one week's failing days of a host into its run, or ends the run before them. */
  const extend = (mx: string, week: number, firstDay: number, lastDay: number): void => {
    const current = start.get(mx);
    if (current === undefined || !open.has(mx) || week > weekOf(current)) return;
    if (week === weekOf(current)) {
      start.set(mx, Math.min(current, firstDay));
      return;
    }
    const joined =
      current - lastDay - 1 <= gap || (reportDaysBetween.get(domain, lastDay, current, gap + 1) as number) <= gap;
    if (joined) start.set(mx, firstDay);
    else open.delete(mx);
  };
  let week: number | null = null;
  let ofWeek = new Map<string, { firstDay: number; lastDay: number }>();
  const flush = (): void => {
    if (week !== null) for (const [mx, days] of ofWeek) extend(mx, week, days.firstDay, days.lastDay);
    ofWeek = new Map();
  };
  const newest = Math.max(...start.values());
  for (const row of weeks.iterate(domain, weekOf(newest), bound.oldestWeek) as IterableIterator<{
    week: number;
    mx: string;
    firstDay: number;
    lastDay: number;
  }>) {
    if (row.week !== week) {
      flush();
      week = row.week;
      // Every host's run has ended: the older weeks cannot change an answer.
      if (open.size === 0) break;
    }
    if (open.has(row.mx)) ofWeek.set(row.mx, { firstDay: row.firstDay, lastDay: row.lastDay });
  }
  flush();
  // A run that may go on past the walk's bound (no gap of report days between the bound and its start):
  // dated from the host's first failure ever for the domain.
  for (const mx of open) {
    const current = start.get(mx);
    if (current === undefined) continue;
    const reachesBound =
      current - bound.oldestWeek <= gap ||
      (reportDaysBetween.get(domain, bound.oldestWeek - 1, current, gap + 1) as number) <= gap;
    if (reachesBound) start.set(mx, Math.min(current, bound.firstDays.get(mx) ?? current));
  }
  return new Map([...start].map(([mx, day]) => [mx === '' ? null : mx, day]));
}

/**
 * The policy domains named by reports stored after the report with id
 * `since` (ids only grow: reports are only ever added), among those
 * reportedDomains lists.
 */
export function domainsReportedSince(db: ReadableDatabase, since: number): string[] {
  return prepared(
    db,
    // Without the hint SQLite walks policies_by_domain whole for the DISTINCT (3 s at a million reports).
    `SELECT DISTINCT policy_domain FROM policies INDEXED BY policies_by_report
       WHERE report_rowid > ? AND policy_domain IS NOT NULL AND policy_domain <> '' ORDER BY 1`,
  )
    .pluck()
    .all(since) as string[];
}

/** Changes whenever a report is stored (reports are only ever added): what a cached assessment is valid for. */
export function reportsStamp(db: ReadableDatabase): number {
  return prepared(db, 'SELECT ifnull(MAX(id), 0) FROM reports').pluck().get() as number;
}

/**
 * The UTC day of the newest report that started on or before `asOfDay` (a
 * day number), or null when there is none: whether the feed as a whole has
 * stopped (shared/health/feed.ts). One read of reports_by_start_time.
 */
export function newestReportDay(db: ReadableDatabase, asOfDay: number): number | null {
  const start = prepared(db, 'SELECT MAX(start_time) FROM reports WHERE start_time < ?')
    .pluck()
    .get((asOfDay + 1) * 86_400) as number | null;
  return start === null ? null : Math.floor(start / 86_400);
}
