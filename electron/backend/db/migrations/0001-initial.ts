import type { Migration } from './index.js';

/**
 * The first schema: one row per report, per policy in it, and per failure
 * detail in each policy (RFC 8460 §4.4).
 *
 * `start_time` and `policy_domain` are copied down into the child tables so
 * that the breakdowns (time range, policy domain) filter without joins.
 */
export const migration0001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        organization_name TEXT NOT NULL,
        report_id TEXT NOT NULL,
        start_time INTEGER NOT NULL,
        end_time INTEGER NOT NULL,
        contact_info TEXT,
        successful_sessions INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL,
        -- Where it came from: 'file' (path), 'upload' (file name), 'mailbox' (IMAP URL).
        source_kind TEXT NOT NULL CHECK (source_kind IN ('file', 'upload', 'mailbox')),
        source_ref TEXT NOT NULL,
        -- The Date of the e-mail that carried it, when it came in one.
        received_at INTEGER,
        imported_at INTEGER NOT NULL,
        warnings_json TEXT NOT NULL,
        -- The report document exactly as sent, gzip-compressed.
        raw_gzip BLOB NOT NULL,
        -- SHA-256 of the normalized report, to tell a re-sent, changed report from a copy.
        content_sha256 TEXT NOT NULL,
        UNIQUE (organization_name, report_id)
      );
      CREATE INDEX reports_by_start_time ON reports (start_time);

      CREATE TABLE policies (
        id INTEGER PRIMARY KEY,
        report_rowid INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        start_time INTEGER NOT NULL,
        policy_type TEXT,
        policy_domain TEXT,
        policy_strings_json TEXT,
        mx_hosts_json TEXT NOT NULL,
        successful_sessions INTEGER NOT NULL,
        failed_sessions INTEGER NOT NULL
      );
      CREATE INDEX policies_by_report ON policies (report_rowid);
      CREATE INDEX policies_by_start_time ON policies (start_time, policy_domain, successful_sessions, failed_sessions);
      CREATE INDEX policies_by_domain ON policies (policy_domain, start_time);

      CREATE TABLE failure_details (
        id INTEGER PRIMARY KEY,
        policy_rowid INTEGER NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
        report_rowid INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        start_time INTEGER NOT NULL,
        policy_domain TEXT,
        result_type TEXT,
        sending_mta_ip TEXT,
        receiving_mx_hostname TEXT,
        receiving_mx_helo TEXT,
        receiving_ip TEXT,
        failed_sessions INTEGER NOT NULL,
        additional_information TEXT,
        failure_reason_code TEXT
      );
      CREATE INDEX failure_details_by_policy ON failure_details (policy_rowid);
      CREATE INDEX failure_details_by_report ON failure_details (report_rowid);
      CREATE INDEX failure_details_by_start_time ON failure_details (start_time, policy_domain);
      CREATE INDEX failure_details_by_mx ON failure_details (receiving_mx_hostname, result_type, failed_sessions);
    `);
  },
};
