import type { MxHostDetail, MxHostIp } from '../../../shared/api/contract.js';
import { MISSING_RESULT_TYPE } from '../../../shared/summary/types.js';
import type { ReportFilter } from '../../../shared/summary/types.js';
import { prepared, type ReadableDatabase } from './database.js';
import { failureClause, filterClause } from './filter-sql.js';
import { dayOf, rollupScope, SPAN } from './rollups.js';
import { DAY_OF, reconciliation, sessionsByDay, type MxResultRow } from './summary-queries.js';

// One MX host's details, and the policy domains of the MX hosts list; the list itself is the per-MX breakdown
// (summary-queries.ts, mxHostFailures). What newly stored failure details add to either is read here too, for
// the answers kept in api/mx-host-lists.ts.

/**
 * The id of the newest failure detail. Failure details are only ever added,
 * and a rowid table gives each new row an id above the largest, so the ids
 * above a kept answer's are exactly what was stored after it.
 */
export function lastFailureDetailId(db: ReadableDatabase): number {
  return prepared(db, 'SELECT ifnull(MAX(id), 0) FROM failure_details').pluck().get() as number;
}

/** The failure details with ids in (after, upTo] that a filter selects, as a WHERE clause over `f`. */
function addedDetailsClause(
  filter: ReportFilter,
  after: number,
  upTo: number,
): { sql: string; params: Record<string, unknown> } {
  const where = filterClause(filter, 'f');
  return {
    sql: `${where.sql === '' ? 'WHERE' : `${where.sql} AND`} f.id > @after AND f.id <= @upTo`,
    params: { ...where.params, after, upTo },
  };
}

/**
 * What the failure details with ids in (after, upTo] add to mxResultRows of a
 * filter: the same rows over those details alone. NOT INDEXED makes SQLite
 * read them by id (a few rows after a sync) rather than the filter's whole
 * range through its index.
 */
export function mxResultRowsAdded(
  db: ReadableDatabase,
  filter: ReportFilter,
  after: number,
  upTo: number,
): MxResultRow[] {
  const where = addedDetailsClause(filter, after, upTo);
  return prepared(
    db,
    `SELECT f.receiving_mx_hostname AS mx, f.result_type AS resultType, SUM(f.failed_sessions) AS failed,
         ${DAY_OF('MIN(f.start_time)')} AS firstDay, ${DAY_OF('MAX(f.start_time)')} AS lastDay
       FROM failure_details f NOT INDEXED ${where.sql}
       GROUP BY f.receiving_mx_hostname, f.result_type`,
  ).all(where.params) as MxResultRow[];
}

/**
 * The (MX host, policy domain) pairs that the failure details with ids in
 * (after, upTo] add under a filter, with the first and last day of each.
 */
export function mxHostDomainDaysAdded(
  db: ReadableDatabase,
  filter: ReportFilter,
  after: number,
  upTo: number,
): ({ mx: string | null; domain: string } & FailureDays)[] {
  const where = addedDetailsClause(filter, after, upTo);
  return prepared(
    db,
    `SELECT f.receiving_mx_hostname AS mx, f.policy_domain AS domain, ${DAY_OF('MIN(f.start_time)')} AS firstDay,
         ${DAY_OF('MAX(f.start_time)')} AS lastDay
       FROM failure_details f NOT INDEXED ${where.sql} AND f.policy_domain IS NOT NULL
       GROUP BY f.receiving_mx_hostname, f.policy_domain`,
  ).all(where.params) as ({ mx: string | null; domain: string } & FailureDays)[];
}

/**
 * The policy domains whose failure details name each MX host in the filter
 * (null: the failures that named no host), read from the failure details: a
 * shared MX service receives for many domains, and the list says for which.
 * The MX hosts view answers from the rollups (policyDomainsOfHosts) and
 * comes here only for bounds inside a day, which the rollups cannot answer.
 */
export function mxHostPolicyDomains(db: ReadableDatabase, filter: ReportFilter): Map<string | null, string[]> {
  const where = filterClause(filter, 'f');
  const rows = prepared(
    db,
    `SELECT f.receiving_mx_hostname AS mx, f.policy_domain AS domain FROM failure_details f ${where.sql}
       GROUP BY f.receiving_mx_hostname, f.policy_domain`,
  ).all(where.params) as { mx: string | null; domain: string | null }[];
  const domains = new Map<string | null, string[]>();
  for (const row of rows) {
    if (row.domain === null) continue;
    const list = domains.get(row.mx);
    if (list) list.push(row.domain);
    else domains.set(row.mx, [row.domain]);
  }
  for (const list of domains.values()) list.sort();
  return domains;
}

/** The first and last UTC day on which failure details named a host for a policy domain. */
export interface FailureDays {
  firstDay: number;
  lastDay: number;
}

/** Each MX host's policy domains over all time, with the first and last day it failed for each (all-time rows). */
export function mxHostDomainDays(db: ReadableDatabase): Map<string | null, Map<string, FailureDays>> {
  const rows = prepared(
    db,
    `SELECT NULLIF(receiving_mx_hostname, '') AS mx, policy_domain AS domain, MIN(first_day) AS firstDay,
         MAX(last_day) AS lastDay
       FROM rollup_domain_mx WHERE span = ${SPAN.allTime} AND policy_domain <> '' AND day = 0
       GROUP BY receiving_mx_hostname, policy_domain`,
  ).all() as ({ mx: string | null; domain: string } & FailureDays)[];
  const hosts = new Map<string | null, Map<string, FailureDays>>();
  addDomainDays(hosts, rows);
  return hosts;
}

/** Adds (host, domain, first day, last day) rows to a map of each host's domains: days widened. */
export function addDomainDays(
  hosts: Map<string | null, Map<string, FailureDays>>,
  rows: readonly ({ mx: string | null; domain: string } & FailureDays)[],
): void {
  for (const { mx, domain, firstDay, lastDay } of rows) {
    let domains = hosts.get(mx);
    if (!domains) {
      domains = new Map();
      hosts.set(mx, domains);
    }
    const seen = domains.get(domain);
    if (seen) {
      seen.firstDay = Math.min(seen.firstDay, firstDay);
      seen.lastDay = Math.max(seen.lastDay, lastDay);
    } else {
      domains.set(domain, { firstDay, lastDay });
    }
  }
}

/**
 * The policy domains each MX host failed for under a filter, from each
 * host's domains over all time with the first and last day it failed for
 * each (`allTime`, mxHostDomainDays kept up to date by the caller): a range
 * of whole days that holds the first or the last of those days holds a
 * failure, one that ends before the first or starts after the last holds
 * none, and only a range strictly between them needs a seek into that
 * domain's rollup rows. Reading every domain's rows of a range instead took
 * 0.4 s for the last 30 days at a million reports (rollup_domain_mx is keyed
 * domain first, so a range over all domains is a scan), and a seek for
 * every host shared by two domains 48 ms; a range that ends today needs
 * none. Bounds inside a day, which the rollups cannot answer, read the
 * failure details.
 */
export function policyDomainsOfHosts(
  db: ReadableDatabase,
  filter: ReportFilter,
  allTime: ReadonlyMap<string | null, ReadonlyMap<string, FailureDays>>,
): Map<string | null, string[]> {
  const bounded = filter.fromTime != null || filter.toTime != null;
  if (bounded && rollupScope(filter, { byDomain: true }) === null) return mxHostPolicyDomains(db, filter);
  const from = filter.fromTime == null ? -Infinity : dayOf(filter.fromTime);
  const to = filter.toTime == null ? Infinity : dayOf(filter.toTime);
  const result = new Map<string | null, string[]>();
  for (const [mx, domains] of allTime) {
    const failedFor: string[] = [];
    for (const [domain, { firstDay, lastDay }] of domains) {
      if (filter.policyDomain != null && domain !== filter.policyDomain) continue;
      if (lastDay < from || firstDay >= to) continue;
      if (firstDay >= from || lastDay < to || failedForDomainIn(db, { ...filter, policyDomain: domain }, mx))
        failedFor.push(domain);
    }
    if (failedFor.length > 0) result.set(mx, failedFor.sort());
  }
  return result;
}

/** Whether a host failed for the filter's one domain in its range: a seek into that domain's rollup rows. */
function failedForDomainIn(db: ReadableDatabase, filter: ReportFilter, mx: string | null): boolean {
  const scope = rollupScope(filter, { byDomain: true });
  if (!scope) return false;
  return (
    prepared(db, `SELECT 1 FROM ${scope.rows('rollup_domain_mx')} WHERE receiving_mx_hostname = @mx LIMIT 1`).get({
      ...scope.params,
      mx: mx ?? '',
    }) !== undefined
  );
}

/**
 * One MX host's failures (`mx` null: those that named no host): by result
 * type, sending IP, receiving IP and sender. One pass over the host's failure
 * details, found by the index on (receiving_mx_hostname, start_time); grouped
 * in SQL by all four at once, which leaves few rows, then summed per list.
 */
export function mxHostDetail(db: ReadableDatabase, filter: ReportFilter, mx: string | null): MxHostDetail {
  const query = mxHostDetailQuery(filter, mx);
  const rows = prepared(db, query.sql).all(query.params) as {
    resultType: string | null;
    sendingMtaIp: string | null;
    receivingIp: string | null;
    organization: string;
    details: number;
    failed: number;
  }[];
  let failedSessions = 0;
  const byResultType: Record<string, number> = {};
  const sending = new Map<string | null, MxHostIp>();
  const receiving = new Map<string | null, MxHostIp>();
  const senders = new Map<string, { organization: string; failedSessions: number }>();
  const addIp = (ips: Map<string | null, MxHostIp>, ip: string | null, failed: number, details: number): void => {
    const entry = ips.get(ip);
    if (entry) {
      entry.failedSessions += failed;
      entry.failureDetails += details;
    } else {
      ips.set(ip, { ip, failedSessions: failed, failureDetails: details });
    }
  };
  for (const row of rows) {
    failedSessions += row.failed;
    const type = row.resultType ?? MISSING_RESULT_TYPE;
    byResultType[type] = (byResultType[type] ?? 0) + row.failed;
    addIp(sending, row.sendingMtaIp, row.failed, row.details);
    addIp(receiving, row.receivingIp, row.failed, row.details);
    const sender = senders.get(row.organization);
    if (sender) sender.failedSessions += row.failed;
    else senders.set(row.organization, { organization: row.organization, failedSessions: row.failed });
  }
  return {
    mx,
    failedSessions,
    byResultType,
    sendingMtaIps: mostFailedFirst([...sending.values()], (entry) => entry.ip),
    receivingIps: mostFailedFirst([...receiving.values()], (entry) => entry.ip),
    senders: mostFailedFirst([...senders.values()], (entry) => entry.organization),
    reconciliation: reconciliation(db, filter),
    detailsBeyondTotal: mxHostDetailsBeyondTotal(db, filter, mx),
    byDay: mxHostFailuresByDay(db, filter, mx),
  };
}

/**
 * The failed sessions of a host's failure details that their policies'
 * summaries do not cover (Mail.ru names 2 against a total of 1): per policy
 * whose details exceed its total, the excess, but no more than its details
 * at this host.
 */
function mxHostDetailsBeyondTotal(db: ReadableDatabase, filter: ReportFilter, mx: string | null): number {
  const where = failureClause({ filter, mx });
  return prepared(
    db,
    `SELECT COALESCE(SUM(min(p.detailed_failed_sessions - p.failed_sessions, atHost.failed)), 0)
       FROM (SELECT f.policy_rowid AS policy, SUM(f.failed_sessions) AS failed FROM failure_details f ${where.sql}
             GROUP BY f.policy_rowid) AS atHost
       JOIN policies p ON p.id = atHost.policy
       WHERE p.detailed_failed_sessions > p.failed_sessions`,
  )
    .pluck()
    .get(where.params) as number;
}

/**
 * One host's failed sessions on each day with reports in the filter: 0 on a
 * day with reports but none failing at the host, and no entry for a day
 * without any report, which the UI draws as a gap.
 */
function mxHostFailuresByDay(
  db: ReadableDatabase,
  filter: ReportFilter,
  mx: string | null,
): { day: string; failedSessions: number | null }[] {
  // The failure list's own clause for one host (null: the failures that named none).
  const where = failureClause({ filter, mx });
  const failed = new Map(
    (
      prepared(
        db,
        `SELECT date(f.start_time, 'unixepoch') AS day, SUM(f.failed_sessions) AS failed FROM failure_details f
           ${where.sql} GROUP BY day`,
      ).all(where.params) as { day: string; failed: number }[]
    ).map((row) => [row.day, row.failed]),
  );
  return sessionsByDay(db, filter).map((entry) => ({ day: entry.day, failedSessions: failed.get(entry.day) ?? 0 }));
}

/** The SQL behind mxHostDetail: one host's failure details under a filter, grouped by everything it lists. */
export function mxHostDetailQuery(
  filter: ReportFilter,
  mx: string | null,
): { sql: string; params: Record<string, unknown> } {
  const where = failureClause({ filter, mx });
  return {
    sql: `SELECT f.result_type AS resultType, f.sending_mta_ip AS sendingMtaIp, f.receiving_ip AS receivingIp,
        r.organization_name AS organization, COUNT(*) AS details, SUM(f.failed_sessions) AS failed
      FROM failure_details f JOIN reports r ON r.id = f.report_rowid
      ${where.sql}
      GROUP BY f.result_type, f.sending_mta_ip, f.receiving_ip, r.organization_name`,
    params: where.params,
  };
}

/** Most failed sessions first; ties by name, unnamed last. */
function mostFailedFirst<T extends { failedSessions: number }>(entries: T[], name: (entry: T) => string | null): T[] {
  return entries.sort((a, b) => {
    if (a.failedSessions !== b.failedSessions) return b.failedSessions - a.failedSessions;
    const nameA = name(a);
    const nameB = name(b);
    if (nameA === nameB) return 0;
    if (nameA === null) return 1;
    if (nameB === null) return -1;
    return nameA < nameB ? -1 : 1;
  });
}
