import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { failurePage } from '../../electron/backend/db/failure-queries.js';
import { filterOptions } from '../../electron/backend/db/filter-options-queries.js';
import { senderDetail } from '../../electron/backend/db/sender-queries.js';
import { mxHostDetail } from '../../electron/backend/db/mx-queries.js';
import { reportDetail } from '../../electron/backend/db/report-queries.js';
import { MIGRATIONS, migrateToLatest } from '../../electron/backend/db/migrations/index.js';
import { rollupScope } from '../../electron/backend/db/rollups.js';
import { ReportWriter } from '../../electron/backend/db/store-report.js';
import { summarize } from '../../electron/backend/db/summary-queries.js';
import { ImportJobs } from '../../electron/backend/import/import-jobs.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import type { ReportFilter } from '../../shared/summary/types.js';
import { writeSyntheticCorpus } from '../bench/synthetic-corpus.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { reportToStore } from '../helpers/store.js';

/*
 * The rollup tables are kept by the import, in its transactions; the detail
 * rows are the truth. Every rollup row must equal a GROUP BY over the detail
 * rows, after imports of real and synthetic reports, duplicates, rejected
 * files and a report whose write failed; and every breakdown must come out
 * the same from the rollups as from the detail rows.
 */

const tempDir = useTempDir();
const END = Date.UTC(2026, 10, 1);
let db: WritableDatabase;
let dbFile: string;
let sharedDir: string;

afterAll(() => {
  db.close();
  rmSync(sharedDir, { recursive: true, force: true });
});

const DAY = `((start_time - ((start_time % 86400) + 86400) % 86400) / 86400)`;

/** What a policy's failure details add up to, from the detail rows (alias `p` for the policy). */
const DETAILED = '(SELECT ifnull(SUM(fd.failed_sessions), 0) FROM failure_details fd WHERE fd.policy_rowid = p.id)';
/** A counted policy's failed sessions that no detail explains, and its details beyond its total. */
const WITHOUT = `CASE WHEN p.counted = 1 THEN max(p.failed_sessions - ${DETAILED}, 0) ELSE 0 END`;
const BEYOND = `CASE WHEN p.counted = 1 THEN max(${DETAILED} - p.failed_sessions, 0) ELSE 0 END`;
const COUNTED = (column: string): string => `CASE WHEN p.counted = 1 THEN ${column} ELSE 0 END`;
/** The same per report, over its policies. */
const REPORT_SUM = (sum: string): string =>
  `(SELECT ifnull(SUM(${sum}), 0) FROM policies p WHERE p.report_rowid = r.id)`;

/**
 * What each rollup table must hold, computed from the detail rows alone: day
 * rows, then week and all-time rows. Columns in the table's order after span
 * and day; `where` keeps the counted rows where a table sums only those.
 */
const EXPECTED: Record<string, { columns: string; groupedBy: string; from: string; where?: string }> = {
  rollup_senders: {
    columns: `r.organization_name, COUNT(*), SUM((SELECT COUNT(*) FROM policies p WHERE p.report_rowid = r.id)),
      SUM(r.successful_sessions), SUM(r.failed_sessions), MAX(r.start_time), SUM(${REPORT_SUM(WITHOUT)}),
      SUM(${REPORT_SUM(BEYOND)})`,
    groupedBy: 'r.organization_name',
    from: 'reports r',
  },
  rollup_domains: {
    columns: `ifnull(p.policy_domain, ''), ifnull(p.policy_type, ''), COUNT(*), SUM(${COUNTED('p.successful_sessions')}),
      SUM(${COUNTED('p.failed_sessions')}), SUM(${WITHOUT}), SUM(${BEYOND})`,
    groupedBy: 'p.policy_domain, p.policy_type',
    from: 'policies p',
  },
  rollup_mx: {
    columns: `ifnull(f.receiving_mx_hostname, ''), ifnull(f.result_type, ''), COUNT(*), SUM(f.failed_sessions),
      MIN(DAY_F), MAX(DAY_F)`,
    groupedBy: 'f.receiving_mx_hostname, f.result_type',
    from: 'failure_details f',
    where: 'f.counted = 1',
  },
  rollup_sender_results: {
    columns: `r.organization_name, ifnull(f.result_type, ''), COUNT(*), SUM(f.failed_sessions)`,
    groupedBy: 'r.organization_name, f.result_type',
    from: 'failure_details f JOIN reports r ON r.id = f.report_rowid',
    where: 'f.counted = 1',
  },
  rollup_sender_mx: {
    columns: `r.organization_name, ifnull(f.receiving_mx_hostname, ''), ifnull(f.result_type, ''), COUNT(*),
      SUM(f.failed_sessions)`,
    groupedBy: 'r.organization_name, f.receiving_mx_hostname, f.result_type',
    from: 'failure_details f JOIN reports r ON r.id = f.report_rowid',
    where: 'f.counted = 1',
  },
  rollup_domain_senders: {
    columns: `ifnull(p.policy_domain, ''), r.organization_name, COUNT(DISTINCT p.report_rowid), COUNT(*),
      SUM(${COUNTED('p.successful_sessions')}), SUM(${COUNTED('p.failed_sessions')}), SUM(${WITHOUT}), SUM(${BEYOND}),
      MAX(p.start_time)`,
    groupedBy: 'p.policy_domain, r.organization_name',
    from: 'policies p JOIN reports r ON r.id = p.report_rowid',
  },
  rollup_domain_mx: {
    columns: `ifnull(f.policy_domain, ''), ifnull(f.receiving_mx_hostname, ''), ifnull(f.result_type, ''), COUNT(*),
      SUM(f.failed_sessions), MIN(DAY_F), MAX(DAY_F)`,
    groupedBy: 'f.policy_domain, f.receiving_mx_hostname, f.result_type',
    from: 'failure_details f',
    where: 'f.counted = 1',
  },
};

function expectedRows(database: Database.Database, table: string): unknown[][] {
  const spec = EXPECTED[table];
  if (!spec) throw new Error(table);
  const alias = spec.from.split(' ')[1] ?? '';
  const day = DAY.replaceAll('start_time', `${alias}.start_time`);
  const week = `(${day} - ((${day} % 7) + 7) % 7)`;
  const columns = spec.columns.replaceAll('DAY_F', DAY.replaceAll('start_time', 'f.start_time'));
  const query = (span: number, first: string, groupBy: string): unknown[][] =>
    database
      .prepare(
        `SELECT ${span}, ${first}, ${columns} FROM ${spec.from} ${spec.where === undefined ? '' : `WHERE ${spec.where}`}
         GROUP BY ${groupBy}`,
      )
      .raw()
      .all() as unknown[][];
  return sorted([
    ...query(1, day, `${day}, ${spec.groupedBy}`),
    ...query(7, week, `${week}, ${spec.groupedBy}`),
    ...query(0, '0', spec.groupedBy),
  ]);
}

/** A table's rows, span and day first (the domain tables key the domain before the day). */
function storedRows(database: Database.Database, table: string): unknown[][] {
  const columns = (
    database.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[]
  ).filter((name) => name !== 'span' && name !== 'day');
  return sorted(
    database
      .prepare(`SELECT span, day, ${columns.join(', ')} FROM ${table}`)
      .raw()
      .all() as unknown[][],
  );
}

function sorted(rows: unknown[][]): unknown[][] {
  return rows.map((row) => [...row]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function expectRollupsToMatchDetails(database: Database.Database): void {
  for (const table of Object.keys(EXPECTED)) {
    const expected = expectedRows(database, table);
    expect(expected.length, table).toBeGreaterThan(0);
    expect(storedRows(database, table), table).toEqual(expected);
  }
}

/** Day-aligned filters, answered by the rollups. */
const ALIGNED: [string, ReportFilter][] = [
  ['all time', {}],
  ['all time, explicit nulls', { fromTime: null, toTime: null, policyDomain: null }],
  ['last 30 days', { fromTime: END / 1000 - 30 * 86_400, toTime: END / 1000 }],
  ['last 7 days', { fromTime: END / 1000 - 7 * 86_400, toTime: END / 1000 }],
  ['from a day on', { fromTime: END / 1000 - 100 * 86_400 }],
  ['up to a day', { toTime: END / 1000 - 100 * 86_400 }],
  ['one day', { fromTime: END / 1000 - 3 * 86_400, toTime: END / 1000 - 2 * 86_400 }],
  ['exactly two weeks', { fromTime: 7 * 86_400 * 2935, toTime: 7 * 86_400 * 2937 }],
  ['days around one week', { fromTime: 7 * 86_400 * 2935 - 86_400, toTime: 7 * 86_400 * 2936 + 86_400 }],
  ['within one week', { fromTime: 7 * 86_400 * 2935 + 86_400, toTime: 7 * 86_400 * 2935 + 3 * 86_400 }],
  ['the corpus years', { fromTime: Date.UTC(2016, 0, 1) / 1000, toTime: Date.UTC(2026, 0, 1) / 1000 }],
];

/**
 * The same selection as an aligned filter, with bounds half a second early:
 * start times are whole seconds, so the same reports match, but the rollups
 * cannot answer and the detail rows do.
 */
function unaligned(filter: ReportFilter): ReportFilter {
  return {
    fromTime: (filter.fromTime ?? -(2 ** 40)) - 0.5,
    toTime: filter.toTime == null ? null : filter.toTime - 0.5,
    policyDomain: filter.policyDomain ?? null,
  };
}

beforeAll(async () => {
  // Kept for the whole file (tempDir's folders go after each test).
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-rollups-'));
  sharedDir = dir;
  dbFile = join(dir, 'rollups.sqlite');
  db = openDatabase(dbFile);
  const importer = new ReportImporter(db);

  const synthetic = join(dir, 'synthetic');
  writeSyntheticCorpus(synthetic, { reports: 600, emailShare: 0.2, seed: 7 }, END);
  const edge = join(dir, 'edge');
  mkdirSync(edge);
  const write = (name: string, text: string): void => writeFileSync(join(edge, name), text);
  write(
    'fields-left-out.json',
    reportJson({
      organization: 'Edge Sender',
      reportId: 'left-out',
      start: '2026-10-30T00:00:00Z',
      end: '2026-10-30T23:59:59Z',
      policies: [
        policyEntry({
          type: '',
          domain: 'edge.example',
          failed: 9,
          details: [
            failureDetail('', 4, { 'receiving-mx-hostname': undefined }),
            failureDetail('certificate-expired', 5, { 'receiving-mx-hostname': 'MX.Edge.Example.' }),
          ],
        }),
        { policy: { 'policy-type': 'no-policy-found' }, summary: { 'total-successful-session-count': 3 } },
      ],
    }),
  );
  // Microsoft's way: one domain under tlsa and sts with the same sessions, failures listed under both.
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
    'no-policies.json',
    reportJson({ organization: 'Edge Sender', reportId: 'empty', start: '2026-10-20T00:00:00Z', policies: [] }),
  );
  write(
    'before-1970.json',
    reportJson({ reportId: 'old', start: '1969-12-31T12:00:00Z', end: '1969-12-31T23:00:00Z' }),
  );
  write('broken.json', '{"organization-name": "Broken", "policies": [');
  write('not-a-report.json', '{"hello": "world"}');

  const first = await importer.importPaths([corpusReports, synthetic, edge]);
  expect(first.totals.imported).toBeGreaterThan(600);
  expect(first.totals.rejected).toBeGreaterThanOrEqual(2);
  // The same files again: every one a duplicate, nothing counted twice.
  const again = await importer.importPaths([synthetic, edge]);
  expect(again.totals.imported).toBe(0);
  expect(again.totals.duplicates).toBeGreaterThan(600);

  // A report whose write fails inside its batch (the CHECK on source_kind) is rolled back,
  // and so is its share of the rollups; the one beside it is kept.
  const item = reportToStore(
    reportJson({
      organization: 'Failing Sender',
      reportId: 'x',
      policies: [policyEntry({ failed: 2, details: [failureDetail('dane-required', 2)] })],
    }),
  );
  const outcomes = new ReportWriter(db).storeMany([
    { ...item, source: { kind: 'not-a-kind' as 'file', ref: 'bad' } },
    { ...item, report: { ...item.report, reportId: 'y' }, source: { kind: 'upload', ref: 'good' } },
  ]);
  expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'imported']);
}, 60_000);

describe('rollups', () => {
  it('equal the sums over the detail rows, per day and over all time', () => {
    expectRollupsToMatchDetails(db);
    // The edge cases are in: a day before 1970, empty keys, a report without policies.
    expect(db.prepare('SELECT COUNT(*) FROM rollup_senders WHERE span = 1 AND day = -1').pluck().get()).toBe(1);
    expect(db.prepare('SELECT COUNT(*) FROM rollup_senders WHERE span = 7 AND day = -7').pluck().get()).toBe(1);
    expect(
      db.prepare(`SELECT COUNT(*) FROM rollup_mx WHERE receiving_mx_hostname = '' AND result_type = ''`).pluck().get(),
    ).toBeGreaterThan(0);
    expect(db.prepare(`SELECT COUNT(*) FROM rollup_domains WHERE policy_type = ''`).pluck().get()).toBeGreaterThan(0);
    // Failed sessions without details, details beyond the total, and a policy that lists another's sessions again.
    const totals = db
      .prepare(
        `SELECT SUM(failed_without_details) AS without, SUM(details_beyond_total) AS beyond
         FROM rollup_senders WHERE span = 0`,
      )
      .get() as { without: number; beyond: number };
    expect(totals.without).toBeGreaterThan(0);
    expect(totals.beyond).toBeGreaterThan(0);
    expect(db.prepare('SELECT COUNT(*) FROM policies WHERE counted = 0').pluck().get()).toBeGreaterThan(1);
  });

  it('count the sessions a report lists under two policies of one domain once', () => {
    const report = db
      .prepare(
        `SELECT successful_sessions AS successful, failed_sessions AS failed FROM reports WHERE report_id = 'twice'`,
      )
      .get();
    // tlsa 40 + 6 and sts 40 + 6 describe the same 46 sessions; other.example adds 10 + 5.
    expect(report).toEqual({ successful: 50, failed: 11 });
    const twiceExample = summarize(db, { policyDomain: 'twice.example' });
    expect(twiceExample).toMatchObject({
      successfulSessions: 40,
      failedSessions: 6,
      failedWithoutDetails: 2,
      detailsBeyondTotal: 0,
      byResultType: { 'certificate-expired': 4 },
    });
    // The raw figures of both policies stay on the report.
    expect(
      db
        .prepare(
          `SELECT p.policy_type, p.counted, p.failed_sessions FROM policies p JOIN reports r ON r.id = p.report_rowid
           WHERE r.report_id = 'twice' ORDER BY p.position`,
        )
        .raw()
        .all(),
    ).toEqual([
      ['tlsa', 1, 6],
      ['sts', 0, 6],
      ['sts', 1, 5],
    ]);
  });

  it('give the report page each policy’s own figures and whether it counts', () => {
    // The real Microsoft report (dmarc-report-viewer): random.net under sts and tlsa, 2 sessions each.
    const microsoft = db
      .prepare(`SELECT id FROM reports WHERE report_id = '133925885310113267+random.net'`)
      .pluck()
      .get() as number;
    const twiceId = db.prepare(`SELECT id FROM reports WHERE report_id = 'twice'`).pluck().get() as number;
    for (const id of [microsoft, twiceId]) {
      const detail = reportDetail(db, id);
      expect(detail).not.toBeNull();
      if (!detail) continue;
      const counted = detail.policies.filter((policy) => policy.counted);
      expect(counted.length).toBeLessThan(detail.policies.length);
      // The totals are the counted policies' sums, and each uncounted policy has a counted one for its domain.
      expect(detail.successfulSessions).toBe(counted.reduce((sum, policy) => sum + policy.successfulSessions, 0));
      expect(detail.failedSessions).toBe(counted.reduce((sum, policy) => sum + policy.failedSessions, 0));
      for (const policy of detail.policies.filter((entry) => !entry.counted)) {
        expect(counted.some((entry) => entry.policyDomain === policy.policyDomain)).toBe(true);
      }
    }
    expect(
      reportDetail(db, microsoft)?.policies.map(({ policyType, successfulSessions, counted }) => ({
        policyType,
        successfulSessions,
        counted,
      })),
    ).toEqual([
      { policyType: 'sts', successfulSessions: 2, counted: true },
      { policyType: 'tlsa', successfulSessions: 2, counted: false },
    ]);
    expect(reportDetail(db, microsoft)).toMatchObject({ successfulSessions: 2, failedSessions: 0 });
    expect(reportDetail(db, twiceId)?.policies.map((policy) => policy.counted)).toEqual([true, false, true]);
  });

  it('reconcile every breakdown with the failed sessions, for every filter', () => {
    const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
    for (const [, filter] of [...ALIGNED, ['twice', { policyDomain: 'twice.example' }] as const]) {
      for (const chosen of [filter, unaligned(filter)]) {
        const summary = summarize(db, chosen);
        const adjust = summary.failedWithoutDetails - summary.detailsBeyondTotal;
        expect(sum(Object.values(summary.byResultType)) + adjust).toBe(summary.failedSessions);
        expect(sum(summary.byMx.map((host) => host.failedSessions)) + adjust).toBe(summary.failedSessions);
        expect(sum(summary.bySender.map((sender) => sender.failedSessions))).toBe(summary.failedSessions);
        for (const sender of summary.bySender.slice(0, 5)) {
          const breakdown = senderDetail(db, chosen, sender.organization);
          expect(breakdown.failedSessions).toBe(sender.failedSessions);
          expect(
            sum(Object.values(breakdown.byResultType)) + breakdown.failedWithoutDetails - breakdown.detailsBeyondTotal,
          ).toBe(sender.failedSessions);
        }
      }
    }
  });

  it('are filled by the migration from a database that had none', () => {
    const old = join(tempDir(), 'version-2.sqlite');
    const before = new Database(old);
    migrateToLatest(before, MIGRATIONS.slice(0, 2));
    before.exec(`ATTACH '${dbFile}' AS current`);
    for (const table of ['reports', 'policies', 'failure_details']) {
      const columns = (before.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).join(
        ', ',
      );
      before.exec(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM current.${table}`);
    }
    // Before version 4, a report's totals summed all its policies, also one that lists another's sessions again.
    const summed = before
      .prepare(
        `UPDATE reports SET successful_sessions = (SELECT SUM(successful_sessions) FROM policies WHERE report_rowid = reports.id),
           failed_sessions = (SELECT SUM(failed_sessions) FROM policies WHERE report_rowid = reports.id)
         WHERE id IN (SELECT report_rowid FROM policies GROUP BY report_rowid, policy_domain HAVING COUNT(*) > 1)`,
      )
      .run().changes;
    expect(summed).toBeGreaterThan(0);
    // A version-2 database could hold an empty result-type or policy-type; they read as missing now.
    expect(before.prepare(`UPDATE failure_details SET result_type = '' WHERE result_type IS NULL`).run().changes).toBe(
      1,
    );
    expect(before.prepare(`UPDATE policies SET policy_type = ' ' WHERE policy_type IS NULL`).run().changes).toBe(1);
    before.exec('DETACH current');
    migrateToLatest(before);
    expect(before.prepare('SELECT COUNT(*) FROM failure_details WHERE result_type IS NULL').pluck().get()).toBe(1);
    expectRollupsToMatchDetails(before);
    for (const table of Object.keys(EXPECTED)) {
      expect(storedRows(before, table), table).toEqual(storedRows(db, table));
    }
    // The migration counts sessions as the import does (shared/summary/session-counting.ts).
    const counting = (database: Database.Database): unknown[] => [
      database.prepare('SELECT id, successful_sessions, failed_sessions FROM reports ORDER BY id').raw().all(),
      database.prepare('SELECT id, counted, detailed_failed_sessions FROM policies ORDER BY id').raw().all(),
      database.prepare('SELECT id, counted FROM failure_details ORDER BY id').raw().all(),
    ];
    expect(counting(before)).toEqual(counting(db));
    before.close();
  });

  it('answer only filters of whole UTC days without a policy domain', () => {
    expect(rollupScope({})).not.toBeNull();
    expect(rollupScope({ fromTime: 86_400 * 3, toTime: 86_400 * 10 })).not.toBeNull();
    expect(rollupScope({ fromTime: 86_400 * 3 + 1 })).toBeNull();
    expect(rollupScope({ toTime: 86_400 * 3 - 0.5 })).toBeNull();
    expect(rollupScope({ policyDomain: 'example.com' })).toBeNull();
  });

  it.each(ALIGNED)('give the same breakdowns as the detail rows: %s', (_, filter) => {
    const fromRollups = summarize(db, filter);
    const fromDetails = summarize(db, unaligned(filter));
    expect(fromRollups).toEqual(fromDetails);
    for (const host of fromRollups.byMx.slice(0, 5)) {
      expect(mxHostDetail(db, filter, host.mx)).toEqual(mxHostDetail(db, unaligned(filter), host.mx));
    }
    for (const sender of fromRollups.bySender.slice(0, 5)) {
      expect(senderDetail(db, filter, sender.organization)).toEqual(
        senderDetail(db, unaligned(filter), sender.organization),
      );
    }
  });

  it.each(ALIGNED)('count failure details as the detail rows do: %s', (_, filter) => {
    const total = (query: Parameters<typeof failurePage>[1]): number => failurePage(db, query, undefined, 0, 1).total;
    const options = filterOptions(db);
    const queries = [
      {},
      { organization: 'Google Inc.' },
      { mx: null },
      { resultType: null },
      { resultType: 'certificate-expired' },
      { organization: 'Edge Sender', mx: 'mx.edge.example', resultType: 'certificate-expired' },
      ...options.resultTypes.slice(0, 3).map((resultType) => ({ resultType })),
    ];
    for (const query of queries) {
      expect(total({ ...query, filter }), JSON.stringify(query)).toBe(total({ ...query, filter: unaligned(filter) }));
    }
  });

  it('list the filter values the detail rows hold', () => {
    const distinct = (sql: string): unknown[] => db.prepare(sql).pluck().all();
    expect(filterOptions(db)).toMatchObject({
      domains: distinct('SELECT DISTINCT policy_domain FROM policies WHERE policy_domain IS NOT NULL ORDER BY 1'),
      organizations: distinct('SELECT DISTINCT organization_name FROM reports ORDER BY 1'),
      resultTypes: distinct(
        'SELECT DISTINCT result_type FROM failure_details WHERE result_type IS NOT NULL ORDER BY 1',
      ),
      policyTypes: distinct('SELECT DISTINCT policy_type FROM policies WHERE policy_type IS NOT NULL ORDER BY 1'),
    });
  });

  it('stay exact after the batches of an IMAP sync, a drop of uploads and inline files, with duplicates and rejects', async () => {
    const copy = join(tempDir(), 'batches.sqlite');
    db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(dbFile, copy);
    const more = openDatabase(copy);
    const importer = new ReportImporter(more);
    const extra = join(tempDir(), 'batched');
    // Other days than the shared corpus's, so that every report is new but for the repeats below.
    writeSyntheticCorpus(extra, { reports: 300, emailShare: 0.5, seed: 123 }, Date.UTC(2029, 0, 1));
    const files = listFiles(extra);
    const asBytes = (paths: readonly string[]) =>
      paths.map((path) => ({
        bytes: readFileSync(path),
        source: { kind: 'mailbox' as const, ref: `imap://x/${basename(path)}` },
        name: basename(path),
      }));
    // An IMAP sync's path: batches of messages through the worker threads, each batch one transaction; the
    // second batch repeats some of the first, and carries a broken message.
    const third = Math.floor(files.length / 3);
    const imap = await importer.importByteBatches(async (importBatch) => [
      ...(await importBatch(asBytes(files.slice(0, third)))),
      ...(await importBatch([
        ...asBytes(files.slice(third - 20, 2 * third)),
        { bytes: Buffer.from('{"organization-name": "Broken"'), source: { kind: 'mailbox', ref: 'x' }, name: 'b.json' },
      ])),
    ]);
    expect(imap.filter((outcome) => outcome.status === 'duplicate').length).toBeGreaterThanOrEqual(20);
    expect(imap.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
    // A drop in serve mode (spooled files, 64 to a transaction) and one sent inline (the desktop's files without
    // paths), both with files already stored.
    const jobs = new ImportJobs(importer);
    jobs.startSpooled(
      files.slice(2 * third - 10).map((path, index) => ({ id: String(index), name: basename(path), path })),
      () => Promise.resolve(),
    );
    await jobs.idle();
    jobs.startUploads(
      files.slice(0, 80).map((path) => ({ name: basename(path), base64: readFileSync(path).toString('base64') })),
    );
    await jobs.idle();
    const stored = more.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
    const before = db.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
    expect(stored - before).toBe(files.length);
    expectRollupsToMatchDetails(more);
    more.close();
  });

  it('stay exact in a copy of the database that more reports are imported into', async () => {
    const copy = join(tempDir(), 'copy.sqlite');
    db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(dbFile, copy);
    const more = openDatabase(copy);
    const extra = join(tempDir(), 'extra');
    writeSyntheticCorpus(extra, { reports: 200, emailShare: 0, seed: 99 }, END);
    await new ReportImporter(more).importPaths([extra]);
    expectRollupsToMatchDetails(more);
    more.close();
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}
