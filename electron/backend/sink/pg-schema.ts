// The PostgreSQL schema the sink writes (`tlsrpt export --to postgresql://…`): the SQL, in one place.
// README "PostgreSQL and Grafana" describes it for users; pg-exporter.ts writes it.

/** The schema's version, kept in tlsrpt.sink_schema; raised with every change to the SQL below. */
export const PG_SCHEMA_VERSION = 1;

/** Every big table and the column it is distributed by on Citus (see the comment in PG_SCHEMA). */
export const DISTRIBUTION: Readonly<Record<string, string>> = {
  'tlsrpt.reports': 'report_id',
  'tlsrpt.policies': 'policy_domain',
  'tlsrpt.failure_details': 'policy_domain',
};

/** The rollup views, named and shaped like the SQLite rollup tables (migrations 0003, 0004). */
export const ROLLUP_VIEWS = [
  'rollup_senders',
  'rollup_domains',
  'rollup_domain_senders',
  'rollup_mx',
  'rollup_sender_results',
  'rollup_sender_mx',
  'rollup_domain_mx',
] as const;

/** UTC day number of a time in seconds, rounding down also before 1970: the SQLite side's expression. */
const DAY = (column: string): string => `((${column} - ((${column} % 86400) + 86400) % 86400) / 86400)`;
/** The spans a rollup row sums (rollups.ts SPAN): 1 a day, 7 a week of days since 1970-01-01, 0 all time. */
const SPAN_DAY = `CASE s.span WHEN 1 THEN b.day WHEN 7 THEN b.day - ((b.day % 7) + 7) % 7 ELSE 0 END`;
const SPANS = `CROSS JOIN (VALUES (1), (7), (0)) AS s (span)`;
/** What a counted policy's summary leaves unexplained, and what its details add beyond it (reconcilePolicy). */
const WITHOUT = 'CASE WHEN counted THEN greatest(failed_sessions - detailed_failed_sessions, 0) ELSE 0 END';
const BEYOND = 'CASE WHEN counted THEN greatest(detailed_failed_sessions - failed_sessions, 0) ELSE 0 END';
const COUNTED = (column: string): string => `CASE WHEN counted THEN ${column} ELSE 0 END`;

/**
 * The tables, their indexes and the rollup views; every statement can run
 * again (IF NOT EXISTS, OR REPLACE), so the exporter applies it on each run.
 *
 * Shape. One row per report, per policy in it and per failure detail in each
 * policy, as in SQLite, but keyed by the report's identity (organization
 * name, report id: RFC 8460 §4.4, the key SQLite keeps unique too) instead of
 * SQLite's row ids, so that one report is one row however many times, or
 * from however many SQLite databases, it is exported. A policy is its
 * report's identity and its position in the report; a failure detail, its
 * policy's key and its position in the policy. Times are UTC seconds, as in
 * SQLite (Grafana's $__unixEpochFilter reads them). `counted` and
 * `detailed_failed_sessions` are SQLite's (shared/summary/session-counting.ts):
 * a policy that lists again the sessions of another policy of its report
 * for the same domain does not count; the failed sessions no detail explains
 * and the details beyond a summary's total are worked out from them, as on
 * the SQLite side. A report's own row carries what its policies add up to
 * (policy_count, failed_without_details, details_beyond_total), so that no
 * rollup joins two tables.
 *
 * Nulls. `policy_domain` is '' when a policy names none (it is a key, and
 * the distribution column); the SQLite rollups write '' for a missing domain
 * too. Every other absent field is NULL.
 *
 * Citus. The schema runs unchanged there; distribute it with:
 *
 *   SELECT create_distributed_table('tlsrpt.policies', 'policy_domain');
 *   SELECT create_distributed_table('tlsrpt.failure_details', 'policy_domain', colocate_with => 'tlsrpt.policies');
 *   SELECT create_distributed_table('tlsrpt.reports', 'report_id');
 *   SELECT create_reference_table('tlsrpt.sink_state');
 *   SELECT create_reference_table('tlsrpt.sink_schema');
 *
 * Citus needs the distribution column in every primary and unique key: the
 * policy domain leads the keys of policies and failure_details, so one
 * domain's rows (a provider's customer) sit on one shard, and a domain's
 * policies and details are colocated. A report has no single domain (it may
 * carry policies for several), so reports are spread by their report id,
 * which is in their unique key and spreads evenly (the organization name
 * would put all of one big sender's reports on one shard). There are no
 * foreign keys (Citus allows them only between colocated tables; the
 * exporter writes each report whole in one transaction instead), and each
 * rollup view reads one table, so each is a query Citus pushes down to the
 * shards.
 */
export const PG_SCHEMA = `
CREATE SCHEMA IF NOT EXISTS tlsrpt;

CREATE TABLE IF NOT EXISTS tlsrpt.sink_schema (
  version integer NOT NULL
);

-- How far each SQLite database has been exported: its last report row id, written in the same
-- transaction as the rows. identity_* is that report's identity, to tell another database (whose row
-- ids mean other reports) that was given the same source name.
CREATE TABLE IF NOT EXISTS tlsrpt.sink_state (
  source text PRIMARY KEY,
  last_report_rowid bigint NOT NULL,
  identity_organization text,
  identity_report_id text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS tlsrpt.reports (
  organization_name text NOT NULL,
  report_id text NOT NULL,
  start_time bigint NOT NULL,
  end_time bigint NOT NULL,
  contact_info text,
  -- The sums over the report's counted policies, as in SQLite.
  successful_sessions bigint NOT NULL,
  failed_sessions bigint NOT NULL,
  -- Its policies (counted or not), and what its counted policies' details leave out or add.
  policy_count integer NOT NULL,
  failed_without_details bigint NOT NULL,
  details_beyond_total bigint NOT NULL,
  source_kind text NOT NULL,
  source_ref text NOT NULL,
  received_at bigint,
  imported_at bigint NOT NULL,
  warnings jsonb NOT NULL,
  raw_gzip bytea NOT NULL,
  content_sha256 text NOT NULL,
  -- Which export wrote it, and its row id there (for tracing back, not a key).
  sink_source text NOT NULL,
  sqlite_rowid bigint NOT NULL,
  PRIMARY KEY (report_id, organization_name)
);
CREATE INDEX IF NOT EXISTS reports_by_start_time ON tlsrpt.reports (start_time);

CREATE TABLE IF NOT EXISTS tlsrpt.policies (
  policy_domain text NOT NULL,
  organization_name text NOT NULL,
  report_id text NOT NULL,
  position integer NOT NULL,
  start_time bigint NOT NULL,
  policy_type text,
  policy_strings jsonb,
  mx_hosts jsonb NOT NULL,
  successful_sessions bigint NOT NULL,
  failed_sessions bigint NOT NULL,
  counted boolean NOT NULL,
  detailed_failed_sessions bigint NOT NULL,
  PRIMARY KEY (policy_domain, organization_name, report_id, position)
);
CREATE INDEX IF NOT EXISTS policies_by_domain_time ON tlsrpt.policies (policy_domain, start_time);
CREATE INDEX IF NOT EXISTS policies_by_start_time ON tlsrpt.policies (start_time);

CREATE TABLE IF NOT EXISTS tlsrpt.failure_details (
  policy_domain text NOT NULL,
  organization_name text NOT NULL,
  report_id text NOT NULL,
  position integer NOT NULL,
  detail_position integer NOT NULL,
  start_time bigint NOT NULL,
  result_type text,
  sending_mta_ip text,
  receiving_mx_hostname text,
  receiving_mx_helo text,
  receiving_ip text,
  failed_sessions bigint NOT NULL,
  additional_information text,
  failure_reason_code text,
  -- Whether its policy counts: a listed-again policy's details are kept but left out of the rollups.
  counted boolean NOT NULL,
  PRIMARY KEY (policy_domain, organization_name, report_id, position, detail_position)
);
CREATE INDEX IF NOT EXISTS failure_details_by_start_time ON tlsrpt.failure_details (start_time);
CREATE INDEX IF NOT EXISTS failure_details_by_mx_time ON tlsrpt.failure_details (receiving_mx_hostname, start_time);

-- The rollups, as views with the SQLite tables' names, keys and columns (span, day, keys, measures).

CREATE OR REPLACE VIEW tlsrpt.rollup_senders AS
  SELECT s.span, ${SPAN_DAY} AS day, b.organization_name AS organization, count(*)::bigint AS reports,
    sum(b.policy_count)::bigint AS policies, sum(b.successful_sessions)::bigint AS successful_sessions,
    sum(b.failed_sessions)::bigint AS failed_sessions, max(b.start_time) AS last_start_time,
    sum(b.failed_without_details)::bigint AS failed_without_details,
    sum(b.details_beyond_total)::bigint AS details_beyond_total
  FROM (SELECT *, ${DAY('start_time')} AS day FROM tlsrpt.reports) AS b ${SPANS}
  GROUP BY 1, 2, 3;

CREATE OR REPLACE VIEW tlsrpt.rollup_domains AS
  SELECT s.span, ${SPAN_DAY} AS day, b.policy_domain, coalesce(b.policy_type, '') AS policy_type,
    count(*)::bigint AS policies, sum(b.successful)::bigint AS successful_sessions,
    sum(b.failed)::bigint AS failed_sessions, sum(b.without)::bigint AS failed_without_details,
    sum(b.beyond)::bigint AS details_beyond_total
  FROM (SELECT policy_domain, policy_type, ${DAY('start_time')} AS day, ${COUNTED('successful_sessions')} AS successful,
          ${COUNTED('failed_sessions')} AS failed, ${WITHOUT} AS without, ${BEYOND} AS beyond
        FROM tlsrpt.policies) AS b ${SPANS}
  GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE VIEW tlsrpt.rollup_domain_senders AS
  SELECT s.span, b.policy_domain, ${SPAN_DAY} AS day, b.organization_name AS organization,
    count(DISTINCT b.report_id)::bigint AS reports, count(*)::bigint AS policies,
    sum(b.successful)::bigint AS successful_sessions, sum(b.failed)::bigint AS failed_sessions,
    sum(b.without)::bigint AS failed_without_details, sum(b.beyond)::bigint AS details_beyond_total,
    max(b.start_time) AS last_start_time
  FROM (SELECT policy_domain, organization_name, report_id, start_time, ${DAY('start_time')} AS day,
          ${COUNTED('successful_sessions')} AS successful, ${COUNTED('failed_sessions')} AS failed,
          ${WITHOUT} AS without, ${BEYOND} AS beyond
        FROM tlsrpt.policies) AS b ${SPANS}
  GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE VIEW tlsrpt.counted_failure_details AS
  SELECT policy_domain, organization_name, ${DAY('start_time')} AS day, start_time,
    coalesce(receiving_mx_hostname, '') AS receiving_mx_hostname, coalesce(result_type, '') AS result_type,
    failed_sessions
  FROM tlsrpt.failure_details WHERE counted;

CREATE OR REPLACE VIEW tlsrpt.rollup_mx AS
  SELECT s.span, ${SPAN_DAY} AS day, b.receiving_mx_hostname, b.result_type, count(*)::bigint AS failure_details,
    sum(b.failed_sessions)::bigint AS failed_sessions, min(b.day) AS first_day, max(b.day) AS last_day
  FROM tlsrpt.counted_failure_details AS b ${SPANS}
  GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE VIEW tlsrpt.rollup_sender_results AS
  SELECT s.span, ${SPAN_DAY} AS day, b.organization_name AS organization, b.result_type,
    count(*)::bigint AS failure_details, sum(b.failed_sessions)::bigint AS failed_sessions
  FROM tlsrpt.counted_failure_details AS b ${SPANS}
  GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE VIEW tlsrpt.rollup_sender_mx AS
  SELECT s.span, ${SPAN_DAY} AS day, b.organization_name AS organization, b.receiving_mx_hostname, b.result_type,
    count(*)::bigint AS failure_details, sum(b.failed_sessions)::bigint AS failed_sessions
  FROM tlsrpt.counted_failure_details AS b ${SPANS}
  GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW tlsrpt.rollup_domain_mx AS
  SELECT s.span, b.policy_domain, ${SPAN_DAY} AS day, b.receiving_mx_hostname, b.result_type,
    count(*)::bigint AS failure_details, sum(b.failed_sessions)::bigint AS failed_sessions, min(b.day) AS first_day,
    max(b.day) AS last_day
  FROM tlsrpt.counted_failure_details AS b ${SPANS}
  GROUP BY 1, 2, 3, 4, 5;
`;
