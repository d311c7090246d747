import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureQuery, FailureRow, FailureSortColumn, Sort } from '../../shared/api/contract.js';
import { FAILURE_SORT_COLUMNS } from '../../shared/api/contract.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { failurePage, iterateFailures } from '../../electron/backend/db/failure-queries.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import { writeSyntheticCorpus } from '../bench/synthetic-corpus.js';
import { corpusReports } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

/*
 * A page of the failure list is picked by its ids first and joined to its
 * report and policy after (a deferred join), and in the start-time order
 * from the start time of its first row on. Every page, at any offset, under
 * any filter and sort, must be exactly the rows the plain query gives: all
 * columns joined, ordered, then LIMIT and OFFSET.
 */

const END = Date.UTC(2026, 10, 1);
const DAY = 86_400;
let db: WritableDatabase;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-failure-page-'));
  db = openDatabase(join(dir, 'failures.sqlite'));
  const synthetic = join(dir, 'synthetic');
  writeSyntheticCorpus(synthetic, { reports: 1500, emailShare: 0, seed: 11 }, END);
  const edge = join(dir, 'edge');
  mkdirSync(edge);
  // Rows without a result type, an MX host or a policy type, and many rows on one start time.
  writeFileSync(
    join(edge, 'nulls.json'),
    reportJson({
      organization: 'Edge Sender',
      reportId: 'nulls',
      start: '2026-10-30T00:00:00Z',
      end: '2026-10-30T23:59:59Z',
      policies: [
        policyEntry({
          type: '',
          domain: 'edge.example',
          failed: 9,
          details: [
            failureDetail('', 4, { 'receiving-mx-hostname': undefined, 'sending-mta-ip': undefined }),
            ...Array.from({ length: 40 }, (_, index) =>
              failureDetail(index % 3 === 0 ? 'certificate-expired' : 'starttls-not-supported', 1 + (index % 5), {
                'receiving-mx-hostname': index % 4 === 0 ? undefined : `mx${index % 2}.edge.example`,
              }),
            ),
          ],
        }),
      ],
    }),
  );
  const imported = await new ReportImporter(db).importPaths([corpusReports, synthetic, edge]);
  expect(imported.totals.imported).toBeGreaterThan(1500);
}, 120_000);

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const REFERENCE_SORT: Record<FailureSortColumn, string> = {
  startTime: 'f.start_time',
  organization: 'r.organization_name',
  policyDomain: 'f.policy_domain',
  policyType: 'p.policy_type',
  resultType: 'f.result_type',
  receivingMxHostname: 'f.receiving_mx_hostname',
  sendingMtaIp: 'f.sending_mta_ip',
  receivingIp: 'f.receiving_ip',
  failedSessions: 'f.failed_sessions',
};

/** The plain query, written out: every row joined, filtered, ordered, then skipped and cut. */
function referencePage(
  query: FailureQuery,
  sort: Sort<FailureSortColumn> | undefined,
  offset: number,
  limit: number,
): { total: number; rows: FailureRow[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const { fromTime, toTime, policyDomain } = query.filter;
  const equal = (column: string, value: string | number | null | undefined, operator = '='): void => {
    if (value === undefined) return;
    if (value === null) {
      conditions.push(`${column} IS NULL`);
    } else {
      conditions.push(`${column} ${operator} ?`);
      params.push(value);
    }
  };
  if (fromTime != null) equal('f.start_time', fromTime, '>=');
  if (toTime != null) equal('f.start_time', toTime, '<');
  if (policyDomain != null) equal('f.policy_domain', policyDomain);
  equal('r.organization_name', query.organization);
  equal('f.receiving_mx_hostname', query.mx);
  equal('f.result_type', query.resultType);
  equal('p.policy_type', query.policyType);
  if (query.mxSearch !== undefined) {
    conditions.push('instr(lower(f.receiving_mx_hostname), lower(?)) > 0');
    params.push(query.mxSearch);
  }
  equal('f.report_rowid', query.report);
  // A failure listed again under a second policy of the same domain (Microsoft's tlsa and sts) is listed once.
  conditions.push('p.counted = 1');
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const from = `FROM failure_details f JOIN reports r ON r.id = f.report_rowid JOIN policies p ON p.id = f.policy_rowid`;
  const column = sort?.column ?? 'startTime';
  const direction = (sort?.direction ?? 'desc') === 'asc' ? 'ASC' : 'DESC';
  const rows = db
    .prepare(
      `SELECT f.id AS id, f.report_rowid AS reportRowId, f.start_time AS startTime,
         r.organization_name AS organization, f.policy_domain AS policyDomain, p.policy_type AS policyType,
         f.result_type AS resultType, f.sending_mta_ip AS sendingMtaIp, f.receiving_mx_hostname AS receivingMxHostname,
         f.receiving_mx_helo AS receivingMxHelo, f.receiving_ip AS receivingIp, f.failed_sessions AS failedSessions,
         f.additional_information AS additionalInformation, f.failure_reason_code AS failureReasonCode
       ${from} ${where}
       ORDER BY ${REFERENCE_SORT[column]} ${direction}, f.id ${direction}
       LIMIT ? OFFSET ?`,
    )
    .all(...params, limit, offset) as FailureRow[];
  const total = db
    .prepare(`SELECT COUNT(*) ${from} ${where}`)
    .pluck()
    .get(...params) as number;
  return { total, rows };
}

/** Values that occur in the data, so every filter selects something. */
function common(sql: string): string {
  const value = db.prepare(sql).pluck().get() as string | undefined;
  if (value === undefined) throw new Error(`no value: ${sql}`);
  return value;
}

/** Filters to page through; those marked true under every sort, the rest under the start-time sorts. */
function queries(): [string, FailureQuery, boolean][] {
  const domain = common(
    'SELECT policy_domain FROM failure_details WHERE policy_domain IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
  );
  const organization = common(
    'SELECT r.organization_name FROM failure_details f JOIN reports r ON r.id = f.report_rowid GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
  );
  const mx = common(
    'SELECT receiving_mx_hostname FROM failure_details WHERE receiving_mx_hostname IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
  );
  const resultType = common(
    'SELECT result_type FROM failure_details WHERE result_type IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
  );
  const policyType = common(
    'SELECT p.policy_type FROM failure_details f JOIN policies p ON p.id = f.policy_rowid WHERE p.policy_type IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
  );
  const report = db
    .prepare('SELECT report_rowid FROM failure_details GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1')
    .pluck()
    .get() as number;
  const end = END / 1000;
  return [
    // Part of a host's name, in another case: every host that contains it.
    ['an MX search', { filter: {}, mxSearch: mx.slice(1, 6).toUpperCase() }, true],
    ['an MX search with LIKE wildcards', { filter: {}, mxSearch: '%_' }, false],
    ['one report', { filter: {}, report }, true],
    ['everything', { filter: {} }, true],
    ['explicit nulls', { filter: { fromTime: null, toTime: null, policyDomain: null } }, false],
    ['last 90 days', { filter: { fromTime: end - 90 * DAY, toTime: end } }, false],
    ['unaligned range', { filter: { fromTime: end - 200 * DAY - 0.5, toTime: end - 20 * DAY + 0.5 } }, true],
    ['from a day on', { filter: { fromTime: end - 150 * DAY } }, false],
    ['up to a day', { filter: { toTime: end - 150 * DAY } }, false],
    ['a domain', { filter: { policyDomain: domain } }, false],
    ['a domain, last 200 days', { filter: { policyDomain: domain, fromTime: end - 200 * DAY, toTime: end } }, true],
    ['a sender', { filter: {}, organization }, true],
    ['an MX host', { filter: {}, mx }, false],
    ['no MX host', { filter: {}, mx: null }, false],
    ['a result type', { filter: {}, resultType }, false],
    ['no result type', { filter: {}, resultType: null }, false],
    ['a policy type', { filter: {}, policyType }, true],
    ['no policy type', { filter: {}, policyType: null }, false],
    ['a sender and a policy type', { filter: { fromTime: end - 300 * DAY }, organization, policyType }, false],
    ['a result type in a domain', { filter: { policyDomain: domain, toTime: end - 10 * DAY }, resultType }, false],
    ['nothing', { filter: { fromTime: end + 1000 * DAY } }, false],
  ];
}

const SORTS: (Sort<FailureSortColumn> | undefined)[] = [
  undefined,
  ...FAILURE_SORT_COLUMNS.flatMap((column) => [
    { column, direction: 'asc' as const },
    { column, direction: 'desc' as const },
  ]),
];

describe('failurePage', () => {
  it('has rows enough to page through, with ties on start time', () => {
    const count = db.prepare('SELECT COUNT(*) FROM failure_details').pluck().get() as number;
    expect(count).toBeGreaterThan(2000);
    const biggestTie = db
      .prepare('SELECT COUNT(*) FROM failure_details GROUP BY start_time ORDER BY 1 DESC LIMIT 1')
      .pluck()
      .get() as number;
    expect(biggestTie).toBeGreaterThan(50);
  });

  it('gives the plain query’s page at every offset, for every filter and sort', () => {
    let pages = 0;
    for (const [name, query, everySort] of queries()) {
      const sorts = everySort ? SORTS : SORTS.filter((sort) => sort === undefined || sort.column === 'startTime');
      for (const sort of sorts) {
        // The whole list once; the plain query's page is its slice.
        const expected = referencePage(query, sort, 0, 1_000_000);
        const all = expected.total;
        const offsets = [
          0,
          1,
          199,
          200,
          Math.floor(all / 3),
          Math.floor(all / 2) + 7,
          all - 150,
          all - 1,
          all,
          all + 5,
        ];
        const label = `${name}, ${sort ? `${sort.column} ${sort.direction}` : 'default sort'}`;
        for (const offset of offsets.filter((offset, index) => offset >= 0 && offsets.indexOf(offset) === index)) {
          for (const limit of offset === 199 ? [1, 73, 200] : [200]) {
            const page = failurePage(db, query, sort, offset, limit);
            expect({ total: page.total, rows: page.rows }, `${label}, ${offset}+${limit}`).toEqual({
              total: all,
              rows: expected.rows.slice(offset, offset + limit),
            });
            expect(page.failedSessions, label).toBe(expected.rows.reduce((sum, row) => sum + row.failedSessions, 0));
            pages++;
          }
        }
        // And one page straight from the plain query, LIMIT and OFFSET as written.
        const middle = Math.floor(all / 4);
        const page = failurePage(db, query, sort, middle, 50);
        expect({ total: page.total, rows: page.rows }, `${label}, ${middle}+50`).toEqual(
          referencePage(query, sort, middle, 50),
        );
      }
    }
    expect(pages).toBeGreaterThan(1000);
  }, 300_000);

  it('finds hosts by part of their name in any case, with LIKE wildcards taken literally, and one report', () => {
    const byName = new Map(queries().map(([name, query]) => [name, query]));
    const search = byName.get('an MX search');
    const oneReport = byName.get('one report');
    if (!search || !oneReport) throw new Error('no search query');
    const found = failurePage(db, search, undefined, 0, 1000);
    expect(found.total).toBeGreaterThan(0);
    const needle = (search.mxSearch ?? '').toLowerCase();
    expect(found.rows.every((row) => row.receivingMxHostname?.toLowerCase().includes(needle))).toBe(true);
    // Part of the host's name selects at least that host's rows.
    expect(found.total).toBeGreaterThanOrEqual(
      failurePage(db, { filter: {}, mx: byName.get('an MX host')?.mx ?? '' }, undefined, 0, 1).total,
    );
    expect(failurePage(db, { filter: {}, mxSearch: '%_' }, undefined, 0, 10).total).toBe(0);
    const report = failurePage(db, oneReport, undefined, 0, 1000);
    expect(report.total).toBeGreaterThan(1);
    expect(new Set(report.rows.map((row) => row.reportRowId))).toEqual(new Set([oneReport.report]));
    expect(report.failedWithoutDetails).toBeNull();
  });

  it('pages through a whole list in the order of the export, each row once', () => {
    const end = END / 1000;
    const byName = new Map(queries().map(([name, query]) => [name, query]));
    const policyType = byName.get('a policy type');
    if (!policyType) throw new Error('no policy type query');
    const lists: [FailureQuery, Sort<FailureSortColumn> | undefined][] = [
      [{ filter: {} }, undefined],
      [{ filter: { fromTime: end - 120 * DAY, toTime: end - 5 * DAY } }, { column: 'startTime', direction: 'asc' }],
      [policyType, { column: 'organization', direction: 'desc' }],
      [{ filter: { fromTime: end - 250 * DAY } }, { column: 'policyType', direction: 'asc' }],
    ];
    for (const [query, sort] of lists) {
      const exported = [...iterateFailures(db, query, sort)];
      expect(exported.length).toBeGreaterThan(100);
      const paged: FailureRow[] = [];
      for (let offset = 0; ; offset += 200) {
        const page = failurePage(db, query, sort, offset, 200);
        expect(page.total).toBe(exported.length);
        paged.push(...page.rows);
        if (page.rows.length < 200) break;
      }
      expect(paged).toEqual(exported);
      expect(new Set(paged.map((row) => row.id)).size).toBe(paged.length);
    }
  });
});
