// What the Prometheus metrics (backend/metrics/) read at each scrape: the
// all-time rollup rows, a few thousand at most for any database (one per
// policy domain, sender, or domain and result type), never the report rows.
import { prepared, type ReadableDatabase } from './database.js';
import { ALL_TIME_ROWS } from './rollups.js';

export interface DomainSessionsRow {
  domain: string;
  successful: number;
  failed: number;
  /** The newest report period's start for the domain, in seconds since 1970. */
  lastStartTime: number;
}

export interface DomainResultRow {
  domain: string;
  resultType: string;
  failed: number;
}

export interface MailboxStateRow {
  mailbox: string;
  lastSyncAt: number | null;
  failing: number;
}

/** Reports stored: the all-time sum over senders (each report has one sender). */
export function reportsStored(db: ReadableDatabase): number {
  return Number(
    prepared(db, `SELECT ifnull(sum(reports), 0) FROM rollup_senders WHERE ${ALL_TIME_ROWS}`).pluck().get() ?? 0,
  );
}

/** Every policy domain's sessions and newest report, busiest first ('' is the sessions that named no domain). */
export function domainSessions(db: ReadableDatabase): DomainSessionsRow[] {
  return prepared(
    db,
    `SELECT d.policy_domain AS domain, d.successful AS successful, d.failed AS failed,
            ifnull(s.last_start_time, 0) AS lastStartTime
       FROM (SELECT policy_domain, sum(successful_sessions) AS successful, sum(failed_sessions) AS failed
               FROM rollup_domains WHERE ${ALL_TIME_ROWS} GROUP BY policy_domain) AS d
       LEFT JOIN (SELECT policy_domain, max(last_start_time) AS last_start_time
                    FROM rollup_domain_senders WHERE span = 0 AND day = 0 GROUP BY policy_domain) AS s
         ON s.policy_domain = d.policy_domain
      ORDER BY d.successful + d.failed DESC, d.policy_domain`,
  ).all() as DomainSessionsRow[];
}

/**
 * Failed sessions by policy domain and result type, from the failure
 * details (summed over MX hosts), and the failed sessions that counted
 * policies left without details, under the result type `(no details)`.
 */
export function domainResultTypes(db: ReadableDatabase): DomainResultRow[] {
  return prepared(
    db,
    `SELECT policy_domain AS domain, result_type AS resultType, sum(failed_sessions) AS failed
       FROM rollup_domain_mx WHERE span = 0 AND day = 0 GROUP BY policy_domain, result_type
     UNION ALL
     SELECT policy_domain, '(no details)', sum(failed_without_details)
       FROM rollup_domains WHERE ${ALL_TIME_ROWS} GROUP BY policy_domain HAVING sum(failed_without_details) > 0`,
  ).all() as DomainResultRow[];
}

/** Each watched mailbox's last sync and whether it failed (the sync itself keeps the runs). */
export function mailboxStates(db: ReadableDatabase, limit: number): MailboxStateRow[] {
  return prepared(
    db,
    `SELECT account_key || '/' || mailbox AS mailbox, last_sync_at AS lastSyncAt,
            CASE WHEN last_error IS NULL THEN 0 ELSE 1 END AS failing
       FROM mailbox_state ORDER BY 1 LIMIT @limit`,
  ).all({ limit }) as MailboxStateRow[];
}
