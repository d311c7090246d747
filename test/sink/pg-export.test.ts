import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, openDatabaseToRead } from '../../electron/backend/db/database.js';
import { exportToPostgres } from '../../electron/backend/sink/pg-exporter.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import { DISTRIBUTION, ROLLUP_VIEWS } from '../../electron/backend/sink/pg-schema.js';
import { writeSyntheticCorpus } from '../bench/synthetic-corpus.js';
import { cliPath, runCliAsync } from '../helpers/cli.js';
import { corpusReports, repoRoot } from '../helpers/files.js';
import { createPostgres, removePostgres, type PostgresServer } from '../helpers/postgres.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

/*
 * `tlsrpt export --to postgresql://…` against a real PostgreSQL 15 (initdb
 * in a temporary folder, started and stopped here). The SQLite database is
 * the truth: after an export, PostgreSQL's rows and every rollup view must
 * equal SQLite's rollup tables, row for row, on the corpus, on edge cases of
 * the counting rules and on synthetic reports; a re-run must change nothing;
 * a killed export must resume to the same exact state.
 */

// bigint and numeric come back as strings; every value compared here is a safe integer.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, Number);

const SYNTHETIC_REPORTS = 12_000;
const END = Date.UTC(2026, 10, 1);

let server: PostgresServer;
let dir: string;
let sqliteFile: string;
let sqlite: Database.Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-sink-'));
  server = await createPostgres();
  server.start();

  sqliteFile = join(dir, 'reports.sqlite');
  const db = openDatabase(sqliteFile);
  try {
    const synthetic = join(dir, 'synthetic');
    writeSyntheticCorpus(synthetic, { reports: SYNTHETIC_REPORTS, emailShare: 0.1, seed: 27 }, END);
    const edge = join(dir, 'edge');
    writeEdgeCases(edge);
    const result = await new ReportImporter(db).importPaths([corpusReports, edge, synthetic]);
    expect(result.totals.imported).toBeGreaterThan(SYNTHETIC_REPORTS);
  } finally {
    db.close();
  }
  sqlite = new Database(sqliteFile, { readonly: true });
}, 600_000);

afterAll(() => {
  sqlite.close();
  server.stop();
  removePostgres(server);
  rmSync(dir, { recursive: true, force: true });
});

/** The counting rules' edge cases: a domain listed twice, details beyond the total, failures without details. */
function writeEdgeCases(edge: string): void {
  mkdirSync(edge);
  const write = (name: string, text: string): void => writeFileSync(join(edge, name), text);
  const twice = (type: string): Record<string, unknown> =>
    policyEntry({
      type,
      domain: 'twice.example',
      successful: 40,
      failed: 6,
      details: [failureDetail('certificate-expired', 4, { 'receiving-mx-hostname': 'mx1.twice.example' })],
    });
  write(
    'listed-twice.json',
    reportJson({
      organization: 'Twice Sender',
      reportId: 'twice',
      start: '2026-10-28T00:00:00Z',
      end: '2026-10-28T23:59:59Z',
      policies: [twice('tlsa'), twice('sts'), policyEntry({ domain: 'other.example', failed: 5 })],
    }),
  );
  write(
    'beyond-total.json',
    reportJson({
      organization: 'Edge Sender',
      reportId: 'beyond',
      start: '2026-10-30T00:00:00Z',
      end: '2026-10-30T23:59:59Z',
      policies: [
        policyEntry({
          type: '',
          domain: 'edge.example',
          failed: 1,
          details: [
            failureDetail('', 4, { 'receiving-mx-hostname': undefined }),
            failureDetail('certificate-expired', 5, { 'receiving-mx-hostname': 'MX.Edge.Example.' }),
          ],
        }),
        { policy: { 'policy-type': 'no-policy-found' }, summary: { 'total-successful-session-count': 3 } },
      ],
    }),
  );
  write(
    'no-policies.json',
    reportJson({ organization: 'Edge Sender', reportId: 'empty', start: '2026-10-20T00:00:00Z', policies: [] }),
  );
  write(
    'before-1970.json',
    reportJson({ reportId: 'old', start: '1969-12-31T12:00:00Z', end: '1969-12-31T23:00:00Z' }),
  );
}

async function withClient<T>(database: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await server.client(database);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A rollup table's rows in SQLite, as sorted arrays of its columns (by name, SQLite's order). */
function sqliteColumns(table: string): string[] {
  return sqlite.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(table) as string[];
}

function sortedRows(rows: unknown[][]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort();
}

async function expectEqualToSqlite(database: string): Promise<void> {
  await withClient(database, async (client) => {
    const counts = sqlite
      .prepare(
        `SELECT (SELECT COUNT(*) FROM reports) AS reports, (SELECT COUNT(*) FROM policies) AS policies,
           (SELECT COUNT(*) FROM failure_details) AS details,
           (SELECT SUM(successful_sessions) FROM reports) AS successful,
           (SELECT SUM(failed_sessions) FROM reports) AS failed,
           (SELECT SUM(failed_sessions) FROM failure_details) AS detailed`,
      )
      .get();
    const there = await client.query(
      `SELECT (SELECT COUNT(*) FROM tlsrpt.reports) AS reports, (SELECT COUNT(*) FROM tlsrpt.policies) AS policies,
         (SELECT COUNT(*) FROM tlsrpt.failure_details) AS details,
         (SELECT SUM(successful_sessions) FROM tlsrpt.reports) AS successful,
         (SELECT SUM(failed_sessions) FROM tlsrpt.reports) AS failed,
         (SELECT SUM(failed_sessions) FROM tlsrpt.failure_details) AS detailed`,
    );
    expect(there.rows[0]).toEqual(counts);
    // Each report once, by its identity.
    const identities = await client.query(
      'SELECT COUNT(DISTINCT (organization_name, report_id)) AS n FROM tlsrpt.reports',
    );
    expect(identities.rows[0]).toEqual({ n: (counts as { reports: number }).reports });
    for (const view of ROLLUP_VIEWS) {
      const columns = sqliteColumns(view);
      const expected = sortedRows(
        sqlite
          .prepare(`SELECT ${columns.join(', ')} FROM ${view}`)
          .raw()
          .all() as unknown[][],
      );
      const actual = await client.query({ text: `SELECT ${columns.join(', ')} FROM tlsrpt.${view}`, rowMode: 'array' });
      expect(expected.length, view).toBeGreaterThan(0);
      const rows = sortedRows(actual.rows as unknown[][]);
      expect(rows.length, view).toBe(expected.length);
      expect(rows, view).toEqual(expected);
    }
  });
}

/** A digest of every exported row, to tell that nothing changed. */
async function contentDigest(database: string): Promise<string> {
  return withClient(database, async (client) => {
    const result = await client.query<{ digest: string }>(
      `SELECT md5(
         (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM tlsrpt.reports t) ||
         (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM tlsrpt.policies t) ||
         (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM tlsrpt.failure_details t) ||
         (SELECT string_agg(t::text, '|' ORDER BY t::text) FROM tlsrpt.sink_state t)) AS digest`,
    );
    return result.rows[0]?.digest ?? '';
  });
}

const maxReportRowid = (): number => sqlite.prepare('SELECT max(id) FROM reports').pluck().get() as number;

describe('tlsrpt export --to postgresql://', () => {
  it('exports every report, policy and detail: totals and every rollup equal to SQLite', async () => {
    await server.createDatabase('full');
    const result = await runCliAsync(['export', '--db', sqliteFile, '--to', server.url('full'), '--source', 'one']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const reports = sqlite.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
    expect(result.stdout).toContain(`exported ${reports} reports`);
    expect(result.stdout).toContain(`up to report row ${maxReportRowid()}`);
    // The URL is shown with its password hidden.
    expect(result.stdout).toContain('postgresql://postgres:***@127.0.0.1');
    expect(result.stdout).not.toContain(encodeURIComponent(server.password));
    expect(result.stdout).not.toContain(server.password);
    await expectEqualToSqlite('full');

    // The counting rules came through: the listed-again policy and its detail are kept but not counted.
    await withClient('full', async (client) => {
      const twice = await client.query(
        `SELECT policy_type, counted FROM tlsrpt.policies
           WHERE report_id = 'twice' AND policy_domain = 'twice.example' ORDER BY position`,
      );
      expect(twice.rows).toEqual([
        { policy_type: 'tlsa', counted: true },
        { policy_type: 'sts', counted: false },
      ]);
      const beyond = await client.query(
        `SELECT failed_sessions, failed_without_details, details_beyond_total, policy_count FROM tlsrpt.reports
           WHERE report_id = 'beyond'`,
      );
      expect(beyond.rows).toEqual([
        { failed_sessions: 1, failed_without_details: 0, details_beyond_total: 8, policy_count: 2 },
      ]);
    });
  });

  it('exports nothing on a re-run, and changes nothing', async () => {
    const before = await contentDigest('full');
    const again = await runCliAsync(['export', '--db', sqliteFile, '--to', server.url('full'), '--source', 'one']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`nothing new to export`);
    expect(await contentDigest('full')).toBe(before);

    // Under another source name the same database is read again, and every report is found already there.
    const other = await runCliAsync([
      'export',
      '--db',
      sqliteFile,
      '--to',
      server.url('full'),
      '--source',
      'two',
      '--json',
    ]);
    expect(other.status).toBe(0);
    const progress = JSON.parse(other.stdout) as { reportsRead: number; reportsWritten: number };
    expect(progress.reportsWritten).toBe(0);
    expect(progress.reportsRead).toBe(sqlite.prepare('SELECT COUNT(*) FROM reports').pluck().get());
    await expectEqualToSqlite('full');
  });

  it('resumes a killed export (kill -9 mid-run) to exact totals, each report once', async () => {
    await server.createDatabase('killed');
    // Small batches: many transactions, so that the kill lands between and inside them.
    const child = spawn(
      process.execPath,
      [cliPath, 'export', '--db', sqliteFile, '--to', server.url('killed'), '--source', 'k', '--batch', '25'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let watermark = 0;
    await withClient('killed', async (client) => {
      const deadline = Date.now() + 120_000;
      while (watermark === 0 && Date.now() < deadline && child.exitCode === null) {
        const state = await client
          .query<{ rowid: number }>(`SELECT last_report_rowid AS rowid FROM tlsrpt.sink_state WHERE source = 'k'`)
          .catch(() => ({ rows: [] as { rowid: number }[] }));
        watermark = state.rows[0]?.rowid ?? 0;
        if (watermark === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    child.kill('SIGKILL');
    expect(await exited).toBeNull();
    // It was killed part-way: some batches committed, not all.
    expect(watermark).toBeGreaterThan(0);
    expect(watermark).toBeLessThan(maxReportRowid());
    await withClient('killed', async (client) => {
      const partial = await client.query<{ n: number }>('SELECT COUNT(*) AS n FROM tlsrpt.reports');
      expect(partial.rows[0]?.n).toBeLessThan(sqlite.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number);
    });

    const resumed = await runCliAsync(['export', '--db', sqliteFile, '--to', server.url('killed'), '--source', 'k']);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/^exported \d+ reports/);
    await expectEqualToSqlite('killed');
  });

  it('exports only what was imported since the last export', async () => {
    const copy = join(dir, 'later.sqlite');
    copyFileSync(sqliteFile, copy);
    await server.createDatabase('later');
    const first = await runCliAsync(['export', '--db', copy, '--to', server.url('later'), '--source', 'l']);
    expect(first.status).toBe(0);
    const more = join(dir, 'more');
    mkdirSync(more);
    for (let i = 0; i < 3; i++) {
      writeFileSync(
        join(more, `late-${i}.json`),
        reportJson({
          organization: 'Late Sender',
          reportId: `late-${i}`,
          start: '2026-11-02T00:00:00Z',
          end: '2026-11-02T23:59:59Z',
          policies: [
            policyEntry({ domain: 'late.example', failed: 2, details: [failureDetail('sts-webpki-invalid', 2)] }),
          ],
        }),
      );
    }
    const db = openDatabase(copy);
    await new ReportImporter(db).importPaths([more]);
    db.close();
    const second = await runCliAsync(['export', '--db', copy, '--to', server.url('later'), '--source', 'l']);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/^exported 3 reports \(3 policies, 3 failure details\)/);
  });

  it('refuses another database given the source name of the one exported before', async () => {
    const other = join(dir, 'other.sqlite');
    const db = openDatabase(other);
    const edge = join(dir, 'edge');
    await new ReportImporter(db).importPaths([edge]);
    db.close();
    const result = await runCliAsync(['export', '--db', other, '--to', server.url('full'), '--source', 'one']);
    expect(result.status).toBe(5);
    expect(result.stderr).toMatch(/watermark for source "one" is report row \d+.*another database/);
    expect(result.stderr).toContain('postgresql://postgres:***@');
  });

  it('fails with the reason and never prints the password: wrong password, no server, not a PostgreSQL URL', async () => {
    const wrong = `postgresql://postgres:not-the-password-42@127.0.0.1:${server.port}/full`;
    const refused = await runCliAsync(['export', '--db', sqliteFile, '--to', wrong]);
    expect(refused.status).toBe(5);
    expect(refused.stderr).toContain('password authentication failed for user "postgres"');
    expect(refused.stderr).toContain('postgresql://postgres:***@127.0.0.1');
    expect(refused.stderr + refused.stdout).not.toContain('not-the-password-42');

    const closed = await runCliAsync([
      'export',
      '--db',
      sqliteFile,
      '--to',
      'postgresql://u:closed-port-secret@127.0.0.1:1/x',
    ]);
    expect(closed.status).toBe(5);
    expect(closed.stderr).toContain('ECONNREFUSED');
    expect(closed.stderr).not.toContain('closed-port-secret');

    const mysql = await runCliAsync(['export', '--db', sqliteFile, '--to', 'mysql://u:mysql-secret@db/x']);
    expect(mysql.status).toBe(2);
    expect(mysql.stderr).toContain('is not a PostgreSQL URL');
    expect(mysql.stderr).not.toContain('mysql-secret');

    const missing = await runCliAsync(['export', '--db', sqliteFile]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--to postgresql://');
  });

  it('refuses a schema written by a later release, and leaves it as it is', async () => {
    await server.createDatabase('future');
    await withClient('future', async (client) => {
      await client.query('CREATE SCHEMA tlsrpt; CREATE TABLE tlsrpt.sink_schema (version integer NOT NULL)');
      await client.query('INSERT INTO tlsrpt.sink_schema VALUES (99)');
    });
    const result = await runCliAsync(['export', '--db', sqliteFile, '--to', server.url('future')]);
    expect(result.status).toBe(5);
    expect(result.stderr).toContain('the PostgreSQL schema tlsrpt is version 99, written by a later release');
    await withClient('future', async (client) => {
      const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'tlsrpt'`);
      expect(tables.rows).toEqual([{ tablename: 'sink_schema' }]);
    });
  });

  it('keeps the schema ready for Citus: distribution column in every key, no foreign keys, views over one table', async () => {
    await withClient('full', async (client) => {
      for (const [table, column] of Object.entries(DISTRIBUTION)) {
        const keys = await client.query<{ name: string; columns: string[] }>(
          `SELECT c.conname AS name, array(SELECT a.attname FROM unnest(c.conkey) AS k
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k)::text[] AS columns
             FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u')`,
          [table],
        );
        expect(keys.rows.length, table).toBeGreaterThan(0);
        for (const key of keys.rows) expect(key.columns, `${table} ${key.name}`).toContain(column);
      }
      const foreign = await client.query(
        `SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = 'tlsrpt'::regnamespace`,
      );
      expect(foreign.rows).toEqual([]);
      for (const view of ROLLUP_VIEWS) {
        // The tables a view reads, through the views it reads.
        const tables = await client.query<{ name: string }>(
          `WITH RECURSIVE used (name) AS (
             SELECT table_schema || '.' || table_name FROM information_schema.view_table_usage
               WHERE view_schema = 'tlsrpt' AND view_name = $1
             UNION
             SELECT u.table_schema || '.' || u.table_name FROM information_schema.view_table_usage u
               JOIN used ON used.name = u.view_schema || '.' || u.view_name)
           SELECT name FROM used WHERE name IN (SELECT schemaname || '.' || tablename FROM pg_tables)`,
          [view],
        );
        expect(tables.rows.length, view).toBe(1);
        expect(Object.keys(DISTRIBUTION), view).toContain(tables.rows[0]?.name);
      }
    });
  });
});

interface Panel {
  title: string;
  type: string;
  datasource: { type: string };
  targets: { rawSql: string; format: string; datasource: { type: string } }[];
}

const dashboard = JSON.parse(readFileSync(join(repoRoot, 'build', 'grafana', 'tlsrpt-overview.json'), 'utf8')) as {
  panels: Panel[];
};

/** A panel's SQL with Grafana's time macros expanded as Grafana does, for a fixed range (seconds, both included). */
function expandMacros(sql: string, from: number, to: number): string {
  const expanded = sql
    .replace(/\$__unixEpochFilter\(([^()]+)\)/g, (_, column: string) => `${column} >= ${from} AND ${column} <= ${to}`)
    .replaceAll('$__unixEpochFrom()', String(from))
    .replaceAll('$__unixEpochTo()', String(to));
  if (expanded.includes('$__')) throw new Error(`a Grafana macro this test does not expand: ${expanded}`);
  return expanded;
}

/** What the SQLite side's rollup tables say for each panel, over whole UTC days [fromDay, toDay]. */
const SQLITE_PANELS: Record<string, string> = {
  'Failure rate per domain over time': `
    SELECT day * 86400, policy_domain,
      CAST(SUM(failed_sessions) AS REAL) / NULLIF(SUM(successful_sessions + failed_sessions), 0)
    FROM rollup_domains WHERE span = 1 AND day BETWEEN @fromDay AND @toDay AND policy_domain <> ''
    GROUP BY day, policy_domain ORDER BY 1, 2`,
  'Failures by MX host and result type': `
    SELECT CASE receiving_mx_hostname WHEN '' THEN '(no MX host named)' ELSE receiving_mx_hostname END,
      CASE result_type WHEN '' THEN '(no result type)' ELSE result_type END, SUM(failed_sessions),
      SUM(failure_details)
    FROM rollup_mx WHERE span = 1 AND day BETWEEN @fromDay AND @toDay
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 100`,
  'Silent senders': `
    SELECT policy_domain, organization, MAX(last_start_time) * 1000,
      @toDay - (MAX(last_start_time) - ((MAX(last_start_time) % 86400) + 86400) % 86400) / 86400 AS silent
    FROM rollup_domain_senders WHERE span = 1 AND day BETWEEN @fromDay AND @toDay AND policy_domain <> ''
    GROUP BY 1, 2 HAVING silent >= 4 ORDER BY 4 DESC, 1, 2`,
};

describe('the Grafana dashboard (build/grafana)', () => {
  const ranges: [string, number, number][] = [
    ['the last 60 days', END / 86_400_000 - 60, END / 86_400_000 - 1],
    ['ten years', Date.UTC(2016, 0, 1) / 86_400_000, END / 86_400_000 + 30],
  ];

  // Its own database, written in-process: the panels do not depend on the export tests before them.
  beforeAll(async () => {
    await server.createDatabase('grafana');
    const db = openDatabaseToRead(sqliteFile);
    try {
      await withClient('grafana', (client) => exportToPostgres(db, client, { source: 'grafana' }));
    } finally {
      db.close();
    }
  }, 300_000);

  it('has the three panels, each on the PostgreSQL data source', () => {
    expect(dashboard.panels.map((panel) => panel.title).sort()).toEqual(Object.keys(SQLITE_PANELS).sort());
    for (const panel of dashboard.panels) {
      expect(panel.datasource.type).toBe('grafana-postgresql-datasource');
      expect(panel.targets).toHaveLength(1);
      expect(panel.targets[0]?.datasource.type).toBe('grafana-postgresql-datasource');
    }
  });

  it.each(ranges)("answers every panel's query with the SQLite rollups' numbers: %s", async (_, fromDay, toDay) => {
    await withClient('grafana', async (client) => {
      for (const panel of dashboard.panels) {
        const sql = expandMacros(panel.targets[0]?.rawSql ?? '', fromDay * 86_400, (toDay + 1) * 86_400 - 1);
        const actual = await client.query({ text: sql, rowMode: 'array' });
        const expected = sqlite
          .prepare(SQLITE_PANELS[panel.title] ?? '')
          .raw()
          .all({ fromDay, toDay }) as unknown[][];
        expect(expected.length, panel.title).toBeGreaterThan(0);
        expect(actual.rows, `${panel.title}: ${sql}`).toEqual(expected);
      }
    });
  });
});
