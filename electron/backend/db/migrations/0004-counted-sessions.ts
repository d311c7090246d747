import type { Migration } from './index.js';

/**
 * Counts that reconcile, and the rollups that answer for one domain.
 *
 * - `policies.counted` (and `failure_details.counted`, copied down): 0 for a
 *   policy that lists again the sessions of another policy of its report for
 *   the same domain (Microsoft's `tlsa` and `sts` pair), which then counts
 *   once; see shared/summary/session-counting.ts for the rule. Report totals
 *   become the sums of their counted policies.
 * - `policies.detailed_failed_sessions`: what its failure details add up to,
 *   so that every breakdown can show the failed sessions no detail explains
 *   (`failed_without_details`) and the details beyond the summary
 *   (`details_beyond_total`) beside the details themselves.
 * - `rollup_domain_senders` and `rollup_domain_mx`: per policy domain and
 *   sender, and per policy domain, MX host and result type. Their keys put
 *   the domain before the day, so one domain's rows over any range are one
 *   seek: the Domains view and a domain's page read them.
 * - `first_day` / `last_day` in the MX rollups: since when a host or result
 *   type fails, read from a span's row (for all time, the first day ever).
 *
 * The detail indexes gain `counted`, so that queries which leave out the
 * listed-again rows still read only the index; a partial index finds the
 * newest quoted policy of a domain. Every rollup row is rebuilt
 * from the detail rows, as the import now writes them.
 */
export const migration0004CountedSessions: Migration = {
  version: 4,
  name: 'counted-sessions',
  up(db) {
    const day = (column: string): string => `(${column} - ((${column} % 86400) + 86400) % 86400) / 86400`;
    db.exec(`
      ALTER TABLE policies ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE policies ADD COLUMN detailed_failed_sessions INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE failure_details ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;

      UPDATE policies SET detailed_failed_sessions = details.failed
        FROM (SELECT policy_rowid, SUM(failed_sessions) AS failed FROM failure_details GROUP BY policy_rowid) AS details
        WHERE details.policy_rowid = policies.id;
      UPDATE policies SET counted = 0 WHERE id IN (
        SELECT id FROM (
          SELECT id, row_number() OVER (
              PARTITION BY report_rowid, policy_domain
              ORDER BY successful_sessions + failed_sessions DESC, failed_sessions DESC, position) AS rank
            FROM policies WHERE policy_domain IS NOT NULL)
        WHERE rank > 1);
      UPDATE failure_details SET counted = 0
        WHERE policy_rowid IN (SELECT id FROM policies WHERE counted = 0);
      UPDATE reports SET successful_sessions = sums.successful, failed_sessions = sums.failed
        FROM (SELECT report_rowid, SUM(successful_sessions) AS successful, SUM(failed_sessions) AS failed
              FROM policies WHERE counted = 1 GROUP BY report_rowid) AS sums
        WHERE sums.report_rowid = reports.id;

      DROP INDEX failure_details_by_start_time;
      DROP INDEX failure_details_by_domain;
      DROP INDEX failure_details_by_mx_host;
      CREATE INDEX failure_details_by_start_time ON failure_details (start_time, policy_domain, counted);
      CREATE INDEX failure_details_by_domain ON failure_details (policy_domain, start_time, counted);
      CREATE INDEX failure_details_by_mx_host ON failure_details (receiving_mx_hostname, start_time, counted);
      -- The newest policy text a sender quoted for a domain (the MTA-STS mode senders act on): one seek.
      CREATE INDEX policies_quoted_by_domain ON policies (policy_domain, policy_type, start_time)
        WHERE policy_strings_json IS NOT NULL;

      DELETE FROM rollup_senders;
      DELETE FROM rollup_domains;
      DELETE FROM rollup_mx;
      DELETE FROM rollup_sender_results;
      DELETE FROM rollup_sender_mx;
      ALTER TABLE rollup_senders ADD COLUMN failed_without_details INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rollup_senders ADD COLUMN details_beyond_total INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rollup_domains ADD COLUMN failed_without_details INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rollup_domains ADD COLUMN details_beyond_total INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rollup_mx ADD COLUMN first_day INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rollup_mx ADD COLUMN last_day INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE rollup_domain_senders (
        span INTEGER NOT NULL,
        policy_domain TEXT NOT NULL,
        day INTEGER NOT NULL,
        organization TEXT NOT NULL,
        -- Reports with a policy for the domain, and those policies (a report may list two for one domain).
        reports INTEGER NOT NULL,
        policies INTEGER NOT NULL,
        successful_sessions INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        failed_without_details INTEGER NOT NULL,
        details_beyond_total INTEGER NOT NULL,
        last_start_time INTEGER NOT NULL,
        PRIMARY KEY (span, policy_domain, day, organization)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_domain_mx (
        span INTEGER NOT NULL,
        policy_domain TEXT NOT NULL,
        day INTEGER NOT NULL,
        receiving_mx_hostname TEXT NOT NULL,
        result_type TEXT NOT NULL,
        failure_details INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        first_day INTEGER NOT NULL,
        last_day INTEGER NOT NULL,
        PRIMARY KEY (span, policy_domain, day, receiving_mx_hostname, result_type)
      ) WITHOUT ROWID;
    `);
    // What a counted policy's summary leaves unexplained, and what its details add beyond it.
    const without = 'CASE WHEN counted = 1 THEN max(failed_sessions - detailed_failed_sessions, 0) ELSE 0 END';
    const beyond = 'CASE WHEN counted = 1 THEN max(detailed_failed_sessions - failed_sessions, 0) ELSE 0 END';
    const countedOnly = (column: string): string => `CASE WHEN counted = 1 THEN ${column} ELSE 0 END`;
    db.exec(`
      INSERT INTO rollup_senders (span, day, organization, reports, policies, successful_sessions, failed_sessions,
          last_start_time, failed_without_details, details_beyond_total)
        SELECT 1, ${day('r.start_time')}, r.organization_name, COUNT(*), SUM(ifnull(p.policies, 0)),
          SUM(r.successful_sessions), SUM(r.failed_sessions), MAX(r.start_time), SUM(ifnull(p.without, 0)),
          SUM(ifnull(p.beyond, 0))
        FROM reports r
          LEFT JOIN (SELECT report_rowid, COUNT(*) AS policies, SUM(${without}) AS without, SUM(${beyond}) AS beyond
                     FROM policies GROUP BY report_rowid) p
            ON p.report_rowid = r.id
        GROUP BY 2, 3;
      INSERT INTO rollup_domains (span, day, policy_domain, policy_type, policies, successful_sessions,
          failed_sessions, failed_without_details, details_beyond_total)
        SELECT 1, ${day('start_time')}, ifnull(policy_domain, ''), ifnull(policy_type, ''), COUNT(*),
          SUM(${countedOnly('successful_sessions')}), SUM(${countedOnly('failed_sessions')}), SUM(${without}),
          SUM(${beyond})
        FROM policies GROUP BY 2, 3, 4;
      INSERT INTO rollup_domain_senders
        SELECT 1, ifnull(p.policy_domain, ''), ${day('p.start_time')}, r.organization_name,
          COUNT(DISTINCT p.report_rowid), COUNT(*),
          SUM(CASE WHEN p.counted = 1 THEN p.successful_sessions ELSE 0 END),
          SUM(CASE WHEN p.counted = 1 THEN p.failed_sessions ELSE 0 END),
          SUM(CASE WHEN p.counted = 1 THEN max(p.failed_sessions - p.detailed_failed_sessions, 0) ELSE 0 END),
          SUM(CASE WHEN p.counted = 1 THEN max(p.detailed_failed_sessions - p.failed_sessions, 0) ELSE 0 END),
          MAX(p.start_time)
        FROM policies p JOIN reports r ON r.id = p.report_rowid
        GROUP BY 2, 3, 4;
      INSERT INTO rollup_mx (span, day, receiving_mx_hostname, result_type, failure_details, failed_sessions,
          first_day, last_day)
        SELECT 1, ${day('start_time')}, ifnull(receiving_mx_hostname, ''), ifnull(result_type, ''), COUNT(*),
          SUM(failed_sessions), ${day('start_time')}, ${day('start_time')}
        FROM failure_details WHERE counted = 1 GROUP BY 2, 3, 4;
      INSERT INTO rollup_sender_mx
        SELECT 1, ${day('f.start_time')}, r.organization_name, ifnull(f.receiving_mx_hostname, ''),
          ifnull(f.result_type, ''), COUNT(*), SUM(f.failed_sessions)
        FROM failure_details f JOIN reports r ON r.id = f.report_rowid WHERE f.counted = 1 GROUP BY 2, 3, 4, 5;
      INSERT INTO rollup_sender_results
        SELECT 1, day, organization, result_type, SUM(failure_details), SUM(failed_sessions)
        FROM rollup_sender_mx GROUP BY 2, 3, 4;
      INSERT INTO rollup_domain_mx
        SELECT 1, ifnull(policy_domain, ''), ${day('start_time')}, ifnull(receiving_mx_hostname, ''),
          ifnull(result_type, ''), COUNT(*), SUM(failed_sessions), ${day('start_time')}, ${day('start_time')}
        FROM failure_details WHERE counted = 1 GROUP BY 2, 3, 4, 5;
    `);
    // Week and all-time rows, summed from the day rows.
    const tables: { table: string; keys: string; sums: string[]; maxima: string[]; minima: string[] }[] = [
      {
        table: 'rollup_senders',
        keys: 'organization',
        sums: [
          'reports',
          'policies',
          'successful_sessions',
          'failed_sessions',
          'failed_without_details',
          'details_beyond_total',
        ],
        maxima: ['last_start_time'],
        minima: [],
      },
      {
        table: 'rollup_domains',
        keys: 'policy_domain, policy_type',
        sums: ['policies', 'successful_sessions', 'failed_sessions', 'failed_without_details', 'details_beyond_total'],
        maxima: [],
        minima: [],
      },
      {
        table: 'rollup_mx',
        keys: 'receiving_mx_hostname, result_type',
        sums: ['failure_details', 'failed_sessions'],
        maxima: ['last_day'],
        minima: ['first_day'],
      },
      {
        table: 'rollup_sender_results',
        keys: 'organization, result_type',
        sums: ['failure_details', 'failed_sessions'],
        maxima: [],
        minima: [],
      },
      {
        table: 'rollup_sender_mx',
        keys: 'organization, receiving_mx_hostname, result_type',
        sums: ['failure_details', 'failed_sessions'],
        maxima: [],
        minima: [],
      },
      {
        table: 'rollup_domain_senders',
        keys: 'policy_domain, organization',
        sums: [
          'reports',
          'policies',
          'successful_sessions',
          'failed_sessions',
          'failed_without_details',
          'details_beyond_total',
        ],
        maxima: ['last_start_time'],
        minima: [],
      },
      {
        table: 'rollup_domain_mx',
        keys: 'policy_domain, receiving_mx_hostname, result_type',
        sums: ['failure_details', 'failed_sessions'],
        maxima: ['last_day'],
        minima: ['first_day'],
      },
    ];
    for (const { table, keys, sums, maxima, minima } of tables) {
      const columns = [...sums, ...maxima, ...minima];
      const measures = [
        ...sums.map((column) => `SUM(${column})`),
        ...maxima.map((column) => `MAX(${column})`),
        ...minima.map((column) => `MIN(${column})`),
      ];
      db.exec(`
        INSERT INTO ${table} (span, day, ${keys}, ${columns.join(', ')})
          SELECT 7, day - ((day % 7) + 7) % 7, ${keys}, ${measures.join(', ')} FROM ${table} WHERE span = 1
          GROUP BY 2, ${keys};
        INSERT INTO ${table} (span, day, ${keys}, ${columns.join(', ')})
          SELECT 0, 0, ${keys}, ${measures.join(', ')} FROM ${table} WHERE span = 1 GROUP BY ${keys};
      `);
    }
  },
};
