import type { Migration } from './index.js';

/**
 * Rollups: the breakdowns the UI shows, summed per UTC day and over all
 * time, so that no view has to read every failure detail of a million
 * reports. The import keeps them in step in the same transaction as the
 * reports (see rollups.ts); here they are filled from what is stored.
 *
 * Each table has one row per UTC day (`day` = days since 1970-01-01 of the
 * report's start-datetime) and key, plus one row per key with `day` =
 * -2147483648 for all time: no report can fall on that day. Nullable
 * fields are '' in keys (the parser never keeps an empty policy-type,
 * result-type, policy-domain or MX host name, so '' means NULL exactly).
 *
 * The indexes that only served breakdowns now answered here are dropped:
 * every index is work for each imported row.
 */
export const migration0003Rollups: Migration = {
  version: 3,
  name: 'rollups',
  up(db) {
    const day = `(start_time - ((start_time % 86400) + 86400) % 86400) / 86400`;
    const allDays = -2147483648;
    db.exec(`
      -- Older releases kept an empty policy-type or result-type; the parser now reads it as missing.
      UPDATE policies SET policy_type = NULL WHERE trim(policy_type) = '';
      UPDATE failure_details SET result_type = NULL WHERE trim(result_type) = '';

      DROP INDEX failure_details_by_policy;
      DROP INDEX failure_details_by_mx;
      DROP INDEX policies_by_start_time;
      CREATE INDEX failure_details_by_domain ON failure_details (policy_domain, start_time);

      CREATE TABLE rollup_senders (
        day INTEGER NOT NULL,
        organization TEXT NOT NULL,
        reports INTEGER NOT NULL,
        policies INTEGER NOT NULL,
        successful_sessions INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        last_start_time INTEGER NOT NULL,
        PRIMARY KEY (day, organization)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_domains (
        day INTEGER NOT NULL,
        policy_domain TEXT NOT NULL,
        policy_type TEXT NOT NULL,
        policies INTEGER NOT NULL,
        successful_sessions INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (day, policy_domain, policy_type)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_mx (
        day INTEGER NOT NULL,
        receiving_mx_hostname TEXT NOT NULL,
        result_type TEXT NOT NULL,
        failure_details INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (day, receiving_mx_hostname, result_type)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_sender_results (
        day INTEGER NOT NULL,
        organization TEXT NOT NULL,
        result_type TEXT NOT NULL,
        failure_details INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (day, organization, result_type)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_sender_mx (
        day INTEGER NOT NULL,
        organization TEXT NOT NULL,
        receiving_mx_hostname TEXT NOT NULL,
        result_type TEXT NOT NULL,
        failure_details INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        PRIMARY KEY (day, organization, receiving_mx_hostname, result_type)
      ) WITHOUT ROWID;
    `);
    // Day rows, then all-time rows summed from them.
    db.exec(`
      INSERT INTO rollup_senders
        SELECT ${day.replaceAll('start_time', 'r.start_time')}, r.organization_name, COUNT(*), SUM(ifnull(counted.policies, 0)),
          SUM(r.successful_sessions), SUM(r.failed_sessions), MAX(r.start_time)
        FROM reports r
          LEFT JOIN (SELECT report_rowid, COUNT(*) AS policies FROM policies GROUP BY report_rowid) counted
            ON counted.report_rowid = r.id
        GROUP BY 1, 2;
      INSERT INTO rollup_domains
        SELECT ${day}, ifnull(policy_domain, ''), ifnull(policy_type, ''), COUNT(*), SUM(successful_sessions),
          SUM(failed_sessions)
        FROM policies GROUP BY 1, 2, 3;
      INSERT INTO rollup_mx
        SELECT ${day}, ifnull(receiving_mx_hostname, ''), ifnull(result_type, ''), COUNT(*), SUM(failed_sessions)
        FROM failure_details GROUP BY 1, 2, 3;
      INSERT INTO rollup_sender_mx
        SELECT ${day.replaceAll('start_time', 'f.start_time')}, r.organization_name, ifnull(f.receiving_mx_hostname, ''),
          ifnull(f.result_type, ''), COUNT(*), SUM(f.failed_sessions)
        FROM failure_details f JOIN reports r ON r.id = f.report_rowid GROUP BY 1, 2, 3, 4;
      INSERT INTO rollup_sender_results
        SELECT day, organization, result_type, SUM(failure_details), SUM(failed_sessions)
        FROM rollup_sender_mx GROUP BY 1, 2, 3;

      INSERT INTO rollup_senders
        SELECT ${allDays}, organization, SUM(reports), SUM(policies), SUM(successful_sessions), SUM(failed_sessions),
          MAX(last_start_time)
        FROM rollup_senders GROUP BY 2;
      INSERT INTO rollup_domains
        SELECT ${allDays}, policy_domain, policy_type, SUM(policies), SUM(successful_sessions), SUM(failed_sessions)
        FROM rollup_domains GROUP BY 2, 3;
      INSERT INTO rollup_mx
        SELECT ${allDays}, receiving_mx_hostname, result_type, SUM(failure_details), SUM(failed_sessions)
        FROM rollup_mx GROUP BY 2, 3;
      INSERT INTO rollup_sender_results
        SELECT ${allDays}, organization, result_type, SUM(failure_details), SUM(failed_sessions)
        FROM rollup_sender_results GROUP BY 2, 3;
      INSERT INTO rollup_sender_mx
        SELECT ${allDays}, organization, receiving_mx_hostname, result_type, SUM(failure_details), SUM(failed_sessions)
        FROM rollup_sender_mx GROUP BY 2, 3, 4;
    `);
  },
};
