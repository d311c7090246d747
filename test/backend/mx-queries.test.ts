import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers, type ApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import {
  mxHostDetail,
  mxHostDetailQuery,
  mxHostDomainDays,
  mxHostPolicyDomains,
  policyDomainsOfHosts,
} from '../../electron/backend/db/mx-queries.js';
import { mxHostFailures } from '../../electron/backend/db/summary-queries.js';
import { rollupScope } from '../../electron/backend/db/rollups.js';
import type { ReportFilter } from '../../shared/summary/types.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';

/*
 * A small, hand-made data set; every expectation below is worked out by hand
 * from it. Each failure detail: result type, failed sessions, MX host,
 * sending IP → receiving IP ("–": not named).
 *
 *   A: Google,    2026-01-10, example.com: expired 6 mx1 192.0.2.1 → 198.51.100.1
 *                                          starttls 4 mx2 192.0.2.2 → 198.51.100.2
 *   B: Microsoft, 2026-01-10, example.com: expired 2 mx1 203.0.113.5 → 198.51.100.1
 *                                          fetch-error 3 – 203.0.113.5 → –
 *   E: Yahoo,     2026-01-11, example.org: expired 5 mx1 192.0.2.9 → 198.51.100.9
 *   C: Google,    2026-01-12, example.com: starttls 1 mx2 192.0.2.1 → 198.51.100.2
 *                                          expired 7 mx1 192.0.2.3 → –
 *   D: Mail.ru,   2026-01-20, example.com: expired 1 mx1 – → 198.51.100.1
 *                                          host-mismatch 2 mx1 192.0.2.1 → 198.51.100.1
 */
const tempDir = useTempDir();
let db: WritableDatabase;

const MX1 = 'mx1.example.com';
const MX2 = 'mx2.example.com';
const day = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;

function detail(
  resultType: string,
  count: number,
  mx: string | undefined,
  sendingIp: string | undefined,
  receivingIp: string | undefined,
): Record<string, unknown> {
  return failureDetail(resultType, count, {
    'receiving-mx-hostname': mx,
    'sending-mta-ip': sendingIp,
    'receiving-ip': receivingIp,
  });
}

function report(
  organization: string,
  reportId: string,
  date: string,
  domain: string,
  details: Record<string, unknown>[],
): string {
  const failed = details.reduce((sum, entry) => sum + Number(entry['failed-session-count']), 0);
  return reportJson({
    organization,
    reportId,
    start: `${date}T00:00:00Z`,
    end: `${date}T23:59:59Z`,
    policies: [policyEntry({ domain, successful: 100, failed, details })],
  });
}

beforeAll(() => {
  db = openDatabase(join(tempDir(), 'mx.sqlite'));
  const documents = [
    report('Google Inc.', 'A', '2026-01-10', 'example.com', [
      detail('certificate-expired', 6, MX1, '192.0.2.1', '198.51.100.1'),
      detail('starttls-not-supported', 4, MX2, '192.0.2.2', '198.51.100.2'),
    ]),
    report('Microsoft Corporation', 'B', '2026-01-10', 'example.com', [
      detail('certificate-expired', 2, MX1, '203.0.113.5', '198.51.100.1'),
      detail('sts-policy-fetch-error', 3, undefined, '203.0.113.5', undefined),
    ]),
    report('Yahoo', 'E', '2026-01-11', 'example.org', [
      detail('certificate-expired', 5, MX1, '192.0.2.9', '198.51.100.9'),
    ]),
    report('Google Inc.', 'C', '2026-01-12', 'example.com', [
      detail('starttls-not-supported', 1, MX2, '192.0.2.1', '198.51.100.2'),
      detail('certificate-expired', 7, MX1, '192.0.2.3', undefined),
    ]),
    report('Mail.ru', 'D', '2026-01-20', 'example.com', [
      detail('certificate-expired', 1, MX1, undefined, '198.51.100.1'),
      detail('certificate-host-mismatch', 2, MX1, '192.0.2.1', '198.51.100.1'),
    ]),
  ];
  storeReportDocuments(db, documents);
});

/** Whole days: the rollups answer. */
const januaryEleventhAndTwelfth: ReportFilter = { fromTime: day('2026-01-11'), toTime: day('2026-01-13') };

describe('the MX hosts list (mxHostFailures)', () => {
  it('answers all time from the rollups: failures by result type per host', () => {
    expect(rollupScope({})).not.toBeNull();
    expect(mxHostFailures(db, {})).toEqual([
      {
        mx: MX1,
        failedSessions: 23,
        byResultType: { 'certificate-expired': 21, 'certificate-host-mismatch': 2 },
        firstSeen: '2026-01-10',
        lastSeen: '2026-01-20',
      },
      {
        mx: MX2,
        failedSessions: 5,
        byResultType: { 'starttls-not-supported': 5 },
        firstSeen: '2026-01-10',
        lastSeen: '2026-01-12',
      },
      {
        mx: null,
        failedSessions: 3,
        byResultType: { 'sts-policy-fetch-error': 3 },
        firstSeen: '2026-01-10',
        lastSeen: '2026-01-10',
      },
    ]);
  });

  it('answers a range of whole days from the rollups', () => {
    expect(rollupScope(januaryEleventhAndTwelfth)).not.toBeNull();
    expect(mxHostFailures(db, januaryEleventhAndTwelfth)).toEqual([
      {
        mx: MX1,
        failedSessions: 12,
        byResultType: { 'certificate-expired': 12 },
        firstSeen: '2026-01-11',
        lastSeen: '2026-01-12',
      },
      {
        mx: MX2,
        failedSessions: 1,
        byResultType: { 'starttls-not-supported': 1 },
        firstSeen: '2026-01-12',
        lastSeen: '2026-01-12',
      },
    ]);
  });

  it('falls back to the failure details for a bound inside a day, with the same answer', () => {
    const unaligned: ReportFilter = { fromTime: day('2026-01-11') - 1, toTime: day('2026-01-13') - 1 };
    expect(rollupScope(unaligned)).toBeNull();
    expect(mxHostFailures(db, unaligned)).toEqual(mxHostFailures(db, januaryEleventhAndTwelfth));
  });

  it('answers a policy domain from the rollups keyed by domain, as the failure details do', () => {
    expect(rollupScope({ policyDomain: 'example.com' })).toBeNull();
    expect(rollupScope({ policyDomain: 'example.com' }, { byDomain: true })).not.toBeNull();
    const exampleCom = [
      {
        mx: MX1,
        failedSessions: 18,
        byResultType: { 'certificate-expired': 16, 'certificate-host-mismatch': 2 },
        firstSeen: '2026-01-10',
        lastSeen: '2026-01-20',
      },
      {
        mx: MX2,
        failedSessions: 5,
        byResultType: { 'starttls-not-supported': 5 },
        firstSeen: '2026-01-10',
        lastSeen: '2026-01-12',
      },
      {
        mx: null,
        failedSessions: 3,
        byResultType: { 'sts-policy-fetch-error': 3 },
        firstSeen: '2026-01-10',
        lastSeen: '2026-01-10',
      },
    ];
    expect(mxHostFailures(db, { policyDomain: 'example.com' })).toEqual(exampleCom);
    // A bound inside a day: the detail rows answer, alike.
    expect(mxHostFailures(db, { policyDomain: 'example.com', fromTime: 1 })).toEqual(exampleCom);
    expect(mxHostFailures(db, { policyDomain: 'example.org' })).toEqual([
      {
        mx: MX1,
        failedSessions: 5,
        byResultType: { 'certificate-expired': 5 },
        firstSeen: '2026-01-11',
        lastSeen: '2026-01-11',
      },
    ]);
  });

  it('lists nothing for a range without failures', () => {
    expect(mxHostFailures(db, { fromTime: day('2026-02-01'), toTime: day('2026-03-01') })).toEqual([]);
  });
});

describe('mxHostDetail', () => {
  it('lists one host’s sending IPs, receiving IPs and senders, most failed sessions first, and its failures per day', () => {
    expect(mxHostDetail(db, {}, MX1)).toEqual({
      mx: MX1,
      failedSessions: 23,
      byResultType: { 'certificate-expired': 21, 'certificate-host-mismatch': 2 },
      sendingMtaIps: [
        { ip: '192.0.2.1', failedSessions: 8, failureDetails: 2 },
        { ip: '192.0.2.3', failedSessions: 7, failureDetails: 1 },
        { ip: '192.0.2.9', failedSessions: 5, failureDetails: 1 },
        { ip: '203.0.113.5', failedSessions: 2, failureDetails: 1 },
        { ip: null, failedSessions: 1, failureDetails: 1 },
      ],
      receivingIps: [
        { ip: '198.51.100.1', failedSessions: 11, failureDetails: 4 },
        { ip: null, failedSessions: 7, failureDetails: 1 },
        { ip: '198.51.100.9', failedSessions: 5, failureDetails: 1 },
      ],
      senders: [
        { organization: 'Google Inc.', failedSessions: 13 },
        { organization: 'Yahoo', failedSessions: 5 },
        { organization: 'Mail.ru', failedSessions: 3 },
        { organization: 'Microsoft Corporation', failedSessions: 2 },
      ],
      reconciliation: { failedSessions: 31, failedWithoutDetails: 0, detailsBeyondTotal: 0 },
      detailsBeyondTotal: 0,
      byDay: [
        { day: '2026-01-10', failedSessions: 8 },
        { day: '2026-01-11', failedSessions: 5 },
        { day: '2026-01-12', failedSessions: 7 },
        { day: '2026-01-20', failedSessions: 3 },
      ],
    });
  });

  it('narrows to a policy domain', () => {
    expect(mxHostDetail(db, { policyDomain: 'example.com' }, MX1)).toEqual({
      mx: MX1,
      failedSessions: 18,
      byResultType: { 'certificate-expired': 16, 'certificate-host-mismatch': 2 },
      sendingMtaIps: [
        { ip: '192.0.2.1', failedSessions: 8, failureDetails: 2 },
        { ip: '192.0.2.3', failedSessions: 7, failureDetails: 1 },
        { ip: '203.0.113.5', failedSessions: 2, failureDetails: 1 },
        { ip: null, failedSessions: 1, failureDetails: 1 },
      ],
      receivingIps: [
        { ip: '198.51.100.1', failedSessions: 11, failureDetails: 4 },
        { ip: null, failedSessions: 7, failureDetails: 1 },
      ],
      senders: [
        { organization: 'Google Inc.', failedSessions: 13 },
        { organization: 'Mail.ru', failedSessions: 3 },
        { organization: 'Microsoft Corporation', failedSessions: 2 },
      ],
      reconciliation: { failedSessions: 26, failedWithoutDetails: 0, detailsBeyondTotal: 0 },
      detailsBeyondTotal: 0,
      byDay: [
        { day: '2026-01-10', failedSessions: 8 },
        { day: '2026-01-12', failedSessions: 7 },
        { day: '2026-01-20', failedSessions: 3 },
      ],
    });
  });

  it('narrows to a time range', () => {
    expect(mxHostDetail(db, januaryEleventhAndTwelfth, MX1)).toEqual({
      mx: MX1,
      failedSessions: 12,
      byResultType: { 'certificate-expired': 12 },
      sendingMtaIps: [
        { ip: '192.0.2.3', failedSessions: 7, failureDetails: 1 },
        { ip: '192.0.2.9', failedSessions: 5, failureDetails: 1 },
      ],
      receivingIps: [
        { ip: null, failedSessions: 7, failureDetails: 1 },
        { ip: '198.51.100.9', failedSessions: 5, failureDetails: 1 },
      ],
      senders: [
        { organization: 'Google Inc.', failedSessions: 7 },
        { organization: 'Yahoo', failedSessions: 5 },
      ],
      reconciliation: { failedSessions: 13, failedWithoutDetails: 0, detailsBeyondTotal: 0 },
      detailsBeyondTotal: 0,
      byDay: [
        { day: '2026-01-11', failedSessions: 5 },
        { day: '2026-01-12', failedSessions: 7 },
      ],
    });
  });

  it('answers null with the failures that named no MX host', () => {
    expect(mxHostDetail(db, {}, null)).toEqual({
      mx: null,
      failedSessions: 3,
      byResultType: { 'sts-policy-fetch-error': 3 },
      sendingMtaIps: [{ ip: '203.0.113.5', failedSessions: 3, failureDetails: 1 }],
      receivingIps: [{ ip: null, failedSessions: 3, failureDetails: 1 }],
      senders: [{ organization: 'Microsoft Corporation', failedSessions: 3 }],
      reconciliation: { failedSessions: 31, failedWithoutDetails: 0, detailsBeyondTotal: 0 },
      detailsBeyondTotal: 0,
      byDay: [
        { day: '2026-01-10', failedSessions: 3 },
        { day: '2026-01-11', failedSessions: 0 },
        { day: '2026-01-12', failedSessions: 0 },
        { day: '2026-01-20', failedSessions: 0 },
      ],
    });
  });

  it('answers a host without failures with empty lists', () => {
    expect(mxHostDetail(db, {}, 'mx9.example.com')).toEqual({
      mx: 'mx9.example.com',
      failedSessions: 0,
      byResultType: {},
      sendingMtaIps: [],
      receivingIps: [],
      senders: [],
      reconciliation: { failedSessions: 31, failedWithoutDetails: 0, detailsBeyondTotal: 0 },
      detailsBeyondTotal: 0,
      byDay: [
        { day: '2026-01-10', failedSessions: 0 },
        { day: '2026-01-11', failedSessions: 0 },
        { day: '2026-01-12', failedSessions: 0 },
        { day: '2026-01-20', failedSessions: 0 },
      ],
    });
  });

  it.each<[string, ReportFilter, string | null]>([
    ['all time', {}, MX1],
    ['a time range', januaryEleventhAndTwelfth, MX1],
    ['a policy domain', { policyDomain: 'example.com' }, MX1],
    ['a policy domain and a time range', { ...januaryEleventhAndTwelfth, policyDomain: 'example.com' }, MX1],
    ['no host named', januaryEleventhAndTwelfth, null],
  ])('finds the host’s rows by the MX host index (%s)', (_name, filter, mx) => {
    const query = mxHostDetailQuery(filter, mx);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(query.params) as { detail: string }[])
      .map((step) => step.detail)
      .join('\n');
    expect(plan).toMatch(/SEARCH f USING INDEX failure_details_by_mx_host \(receiving_mx_hostname=\?/);
    if (filter.fromTime != null) expect(plan).toContain('start_time>? AND start_time<?');
  });
});

describe('the policy domains of each MX host (mxHostPolicyDomains)', () => {
  it('names every domain a host failed for, over all time and for bounds the rollups cannot answer', () => {
    expect(Object.fromEntries(mxHostPolicyDomains(db, {}))).toEqual({
      [MX1]: ['example.com', 'example.org'],
      [MX2]: ['example.com'],
      null: ['example.com'],
    });
    // A bound inside a day: only the details can answer; 2026-01-11 (E, example.org) and on.
    const inside = { fromTime: day('2026-01-11') + 1 };
    expect(rollupScope(inside, { byDomain: true })).toBeNull();
    expect(Object.fromEntries(mxHostPolicyDomains(db, inside))).toEqual({
      [MX1]: ['example.com'],
      [MX2]: ['example.com'],
    });
    expect(
      Object.fromEntries(mxHostPolicyDomains(db, { fromTime: day('2026-01-11'), toTime: day('2026-01-12') })),
    ).toEqual({ [MX1]: ['example.org'] });
  });
});

describe('the policy domains of the listed hosts (policyDomainsOfHosts)', () => {
  it('answer as mxHostPolicyDomains does, for every filter, from the all-time days and a seek between them', () => {
    const allTime = mxHostDomainDays(db);
    expect(Object.fromEntries([...allTime].map(([mx, domains]) => [mx, Object.fromEntries(domains)]))).toEqual({
      [MX1]: {
        'example.com': { firstDay: day('2026-01-10') / 86_400, lastDay: day('2026-01-20') / 86_400 },
        'example.org': { firstDay: day('2026-01-11') / 86_400, lastDay: day('2026-01-11') / 86_400 },
      },
      [MX2]: { 'example.com': { firstDay: day('2026-01-10') / 86_400, lastDay: day('2026-01-12') / 86_400 } },
      null: { 'example.com': { firstDay: day('2026-01-10') / 86_400, lastDay: day('2026-01-10') / 86_400 } },
    });
    const filters: ReportFilter[] = [
      {},
      { fromTime: day('2026-01-11') },
      { fromTime: day('2026-01-10'), toTime: day('2026-01-11') },
      { fromTime: day('2026-01-11'), toTime: day('2026-01-12') },
      // Strictly between example.com's first and last failure at MX1 (a seek), with and without one.
      { fromTime: day('2026-01-13'), toTime: day('2026-01-20') },
      { fromTime: day('2026-01-11'), toTime: day('2026-01-13') },
      { fromTime: day('2026-01-11') + 1 },
      { policyDomain: 'example.org' },
      { policyDomain: 'example.com', fromTime: day('2026-01-11') },
      { fromTime: day('2026-02-01'), toTime: day('2026-03-01') },
    ];
    for (const filter of filters) {
      expect(Object.fromEntries(policyDomainsOfHosts(db, filter, allTime)), JSON.stringify(filter)).toEqual(
        Object.fromEntries(mxHostPolicyDomains(db, filter)),
      );
    }
  });
});

describe('the mxHost method', () => {
  let handlers: ApiHandlers;
  beforeAll(() => {
    handlers = createApiHandlers({ db, databasePath: 'x', transport: 'http', allowPaths: false }).handlers;
  });

  it('answers through the contract, for a host and for none named', async () => {
    expect(await dispatch(handlers, 'mxHost', { filter: {}, mx: MX2 })).toMatchObject({
      ok: true,
      value: { mx: MX2, failedSessions: 5, senders: [{ organization: 'Google Inc.', failedSessions: 5 }] },
    });
    expect(await dispatch(handlers, 'mxHost', { filter: {}, mx: null })).toMatchObject({
      ok: true,
      value: { mx: null, failedSessions: 3 },
    });
    expect(await dispatch(handlers, 'mxHosts', { filter: {} })).toMatchObject({
      ok: true,
      value: {
        hosts: [{ mx: MX1 }, {}, {}],
        failedSessions: 31,
        failedWithoutDetails: 0,
      },
    });
    // The hosts' policy domains, asked beside the list.
    expect(await dispatch(handlers, 'mxHostPolicyDomains', { filter: {} })).toMatchObject({ ok: true });
    const domains = await handlers.mxHostPolicyDomains({ filter: {} });
    expect(Object.fromEntries(domains.map((entry) => [String(entry.mx), entry.policyDomains]))).toEqual({
      [MX1]: ['example.com', 'example.org'],
      [MX2]: ['example.com'],
      null: ['example.com'],
    });
    const inRange = await handlers.mxHostPolicyDomains({
      filter: { fromTime: day('2026-01-11'), toTime: day('2026-01-12') },
    });
    expect(inRange.find((entry) => entry.mx === MX1)?.policyDomains).toEqual(['example.org']);
  });

  it.each([
    ['a missing host', { filter: {} }, /mx/],
    ['a host that is not text', { filter: {}, mx: 5 }, /mx/],
    ['an empty host', { filter: {}, mx: '' }, /mx/],
    ['a host too long', { filter: {}, mx: 'x'.repeat(2000) }, /mx/],
    ['a bad filter', { filter: { fromTime: 'yesterday' }, mx: MX1 }, /filter\.fromTime/],
    ['an extra field', { filter: {}, mx: MX1, sql: 'DROP TABLE reports' }, /Unrecognized key/],
  ])('refuses %s', async (_name, request, message) => {
    const result = await dispatch(handlers, 'mxHost', request);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    if (!result.ok) expect(result.error.message).toMatch(message);
  });
});

/*
 * Senders that leave failure details out or over-count in them, worked out
 * by hand (summary total → details):
 *
 *   Mail.ru,   example.net: 1 → fetch-error 2 at mxA              (1 beyond, all at mxA)
 *   Over Inc., example.net: 3 → expired 4 at mxA, expired 2 at mxB (3 beyond: mxA up to 3, mxB up to 2)
 *   Quiet Inc., example.net: 10 → expired 4 at mxB                 (6 without details)
 */
describe('a host’s failure details beyond their totals', () => {
  const MXA = 'mxa.example.net';
  const MXB = 'mxb.example.net';
  let overDb: WritableDatabase;
  const overReport = (organization: string, failed: number, details: Record<string, unknown>[]): string =>
    reportJson({
      organization,
      reportId: `${organization}-1`,
      start: '2026-02-01T00:00:00Z',
      end: '2026-02-01T23:59:59Z',
      policies: [policyEntry({ domain: 'example.net', successful: 50, failed, details })],
    });

  beforeAll(() => {
    overDb = openDatabase(join(tempDir(), 'over.sqlite'));
    storeReportDocuments(overDb, [
      overReport('Mail.ru', 1, [detail('sts-policy-fetch-error', 2, MXA, undefined, undefined)]),
      overReport('Over Inc.', 3, [
        detail('certificate-expired', 4, MXA, '192.0.2.1', undefined),
        detail('certificate-expired', 2, MXB, '192.0.2.1', undefined),
      ]),
      overReport('Quiet Inc.', 10, [detail('certificate-expired', 4, MXB, '192.0.2.2', undefined)]),
    ]);
  });

  it.each<[string, ReportFilter]>([
    ['all time, from the rollups', {}],
    ['a bound inside a day, from the detail rows', { fromTime: day('2026-02-01') - 3600 }],
  ])('charges each over-counting policy to a host up to its details there (%s)', (_name, filter) => {
    const a = mxHostDetail(overDb, filter, MXA);
    const b = mxHostDetail(overDb, filter, MXB);
    expect([a.failedSessions, a.detailsBeyondTotal]).toEqual([6, 4]);
    expect([b.failedSessions, b.detailsBeyondTotal]).toEqual([6, 2]);
    expect(mxHostDetail(overDb, filter, null).detailsBeyondTotal).toBe(0);
    // The whole range: 12 in details + 6 without − 4 beyond = the 14 summarized.
    expect(a.reconciliation).toEqual({ failedSessions: 14, failedWithoutDetails: 6, detailsBeyondTotal: 4 });
  });

  it('gives a sender’s page what its MX table needs to add up to its total', async () => {
    const { handlers } = createApiHandlers({ db: overDb, databasePath: 'x', transport: 'http', allowPaths: false });
    for (const organization of ['Mail.ru', 'Over Inc.', 'Quiet Inc.']) {
      const sender = await handlers.sender({ filter: {}, organization });
      const byMx = sender.byMx.reduce((sum, entry) => sum + entry.failedSessions, 0);
      expect(byMx + sender.failedWithoutDetails - sender.detailsBeyondTotal).toBe(sender.failedSessions);
    }
    const over = await handlers.sender({ filter: {}, organization: 'Over Inc.' });
    expect(over).toMatchObject({ failedSessions: 3, failedWithoutDetails: 0, detailsBeyondTotal: 3 });
    expect(over.byMx.map((entry) => [entry.mx, entry.failedSessions])).toEqual([
      [MXA, 4],
      [MXB, 2],
    ]);
    const quiet = await handlers.sender({ filter: {}, organization: 'Quiet Inc.' });
    expect(quiet).toMatchObject({ failedSessions: 10, failedWithoutDetails: 6, detailsBeyondTotal: 0 });
  });
});
