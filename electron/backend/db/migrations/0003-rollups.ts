import type { Migration } from './index.js';

/**
 * Rollups: the breakdowns the UI shows, summed ahead, so that no view has to
 * read every failure detail of a million reports. The import keeps them in
 * step in the same transaction as the reports (see rollups.ts); here they are
 * filled from what is stored.
 *
 * Each table sums its key over spans of time: `span` 1 is one UTC day, 7 one
 * week of seven days (days since 1970-01-01 that are multiples of 7 start
 * one), 0 all time (`day` 0). `day` is the first day of the span, in days
 * since 1970-01-01 of the reports' start-datetime. A range of whole days is
 * its whole weeks plus a few days: a month is five weeks' rows, not thirty
 * days'. Nullable fields are '' in keys (the parser never keeps an empty
 * policy-type, result-type, policy-domain or MX host name, so '' means NULL
 * exactly).
 *
 * The indexes that only served breakdowns now answered here are dropped:
 * every index is work for each imported row.
 */
export const migration0003Rollups: Migration = {
  version: 3,
  name: 'rollups',
  up(db) {
    const day = `(start_time - ((start_time % 86400) + 86400) % 86400) / 86400`;
    db.exec(`
      -- Older releases kept an empty policy-type or result-type; the parser now reads it as missing.
      UPDATE policies SET policy_type = NULL WHERE trim(policy_type) = '';
      UPDATE failure_details SET result_type = NULL WHERE trim(result_type) = '';

      DROP INDEX failure_details_by_policy;
      DROP INDEX failure_details_by_mx;
      DROP INDEX policies_by_start_time;
      CREATE INDEX failure_details_by_domain ON failure_details (policy_domain, start_time);
      -- One MX host's failures, for its details (its sending and receiving IPs) and the Failures view.
      CREATE INDEX failure_details_by_mx_host ON failure_details (receiving_mx_hostname, start_time);

      CREATE TABLE rollup_senders (
        span INTEGER NOT NULL,
        day INTEGER NOT NULL,
        organization TEXT NOT NULL,
        reports INTEGER NOT NULL,
        policies INTEGER NOT NULL,
        successful_sessions INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        last_start_time INTEGER NOT NULL,
        PRIMARY KEY (span, day, organization)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_domains (
        span INTEGER NOT NULL,
        day INTEGER NOT NULL,
        policy_domain TEXT NOT NULL,
        policy_type TEXT NOT NULL,
        policies INTEGER NOT NULL,
        successful_sessions INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (span, day, policy_domain, policy_type)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_mx (
        span INTEGER NOT NULL,
        day INTEGER NOT NULL,
        receiving_mx_hostname TEXT NOT NULL,
        result_type TEXT NOT NULL,
        failure_details INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (span, day, receiving_mx_hostname, result_type)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_sender_results (
        span INTEGER NOT NULL,
        day INTEGER NOT NULL,
        organization TEXT NOT NULL,
        result_type TEXT NOT NULL,
        failure_details INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (span, day, organization, result_type)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_sender_mx (
        span INTEGER NOT NULL,
        day INTEGER NOT NULL,
        organization TEXT NOT NULL,
        receiving_mx_hostname TEXT NOT NULL,
        result_type TEXT NOT NULL,
        failure_details INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (span, day, organization, receiving_mx_hostname, result_type)
      ) WITHOUT ROWID;
    `);
    // Day rows; then week and all-time rows, summed from them.
    db.exec(`
      INSERT INTO rollup_senders
        SELECT 1, ${day.replaceAll('start_time', 'r.start_time')}, r.organization_name, COUNT(*), SUM(ifnull(counted.policies, 0)),
          SUM(r.successful_sessions), SUM(r.failed_sessions), MAX(r.start_time)
        FROM reports r
          LEFT JOIN (SELECT report_rowid, COUNT(*) AS policies FROM policies GROUP BY report_rowid) counted
            ON counted.report_rowid = r.id
        GROUP BY 2, 3;
      INSERT INTO rollup_domains
        SELECT 1, ${day}, ifnull(policy_domain, ''), ifnull(policy_type, ''), COUNT(*), SUM(successful_sessions),
          SUM(failed_sessions)
        FROM policies GROUP BY 2, 3, 4;
      INSERT INTO rollup_mx
        SELECT 1, ${day}, ifnull(receiving_mx_hostname, ''), ifnull(result_type, ''), COUNT(*), SUM(failed_sessions)
        FROM failure_details GROUP BY 2, 3, 4;
      INSERT INTO rollup_sender_mx
        SELECT 1, ${day.replaceAll('start_time', 'f.start_time')}, r.organization_name, ifnull(f.receiving_mx_hostname, ''),
          ifnull(f.result_type, ''), COUNT(*), SUM(f.failed_sessions)
        FROM failure_details f JOIN reports r ON r.id = f.report_rowid GROUP BY 2, 3, 4, 5;
      INSERT INTO rollup_sender_results
        SELECT 1, day, organization, result_type, SUM(failure_details), SUM(failed_sessions)
        FROM rollup_sender_mx GROUP BY 2, 3, 4;

    `);
    const tables = {
      rollup_senders: {
        keys: 'organization',
        sums: ['reports', 'policies', 'successful_sessions', 'failed_sessions'],
        max: 'last_start_time',
      },
      rollup_domains: {
        keys: 'policy_domain, policy_type',
        sums: ['policies', 'successful_sessions', 'failed_sessions'],
        max: null,
      },
      rollup_mx: {
        keys: 'receiving_mx_hostname, result_type',
        sums: ['failure_details', 'failed_sessions'],
        max: null,
      },
      rollup_sender_results: {
        keys: 'organization, result_type',
        sums: ['failure_details', 'failed_sessions'],
        max: null,
      },
      rollup_sender_mx: {
        keys: 'organization, receiving_mx_hostname, result_type',
        sums: ['failure_details', 'failed_sessions'],
        max: null,
      },
    };
    for (const [table, { keys, sums, max }] of Object.entries(tables)) {
      const measures = [...sums.map((column) => `SUM(${column})`), ...(max === null ? [] : [`MAX(${max})`])].join(', ');
      db.exec(`
        INSERT INTO ${table}
          SELECT 7, day - ((day % 7) + 7) % 7, ${keys}, ${measures} FROM ${table} WHERE span = 1 GROUP BY 2, ${keys};
        INSERT INTO ${table}
          SELECT 0, 0, ${keys}, ${measures} FROM ${table} WHERE span = 1 GROUP BY ${keys};
      `);
    }
  },
};
