import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { summarize } from '../../electron/backend/db/summary-queries.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';

/*
 * A small, hand-made data set whose breakdowns are worked out by hand in the
 * expectations below.
 *
 *   A: Google,    2026-01-10, example.com: 100 ok / 10 failed (mx1 expired 6, mx2 starttls 4)
 *                             example.org:  50 ok /  0 failed
 *   B: Microsoft, 2026-01-10, example.com:  20 ok /  5 failed (mx1 expired 2, no mx: fetch-error 3)
 *   C: Google,    2026-01-12, example.com:  30 ok /  1 failed (mx2 starttls 1)
 *   D: Mail.ru,   2026-01-20, no policies at all
 */
const tempDir = useTempDir();
let db: WritableDatabase;

const day = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;

beforeAll(() => {
  db = openDatabase(join(tempDir(), 'summary.sqlite'));
  const documents = [
    reportJson({
      organization: 'Google Inc.',
      reportId: 'A',
      start: '2026-01-10T00:00:00Z',
      policies: [
        policyEntry({
          domain: 'example.com',
          successful: 100,
          failed: 10,
          details: [
            failureDetail('certificate-expired', 6, { 'receiving-mx-hostname': 'mx1.example.com' }),
            failureDetail('starttls-not-supported', 4, { 'receiving-mx-hostname': 'mx2.example.com' }),
          ],
        }),
        policyEntry({ domain: 'example.org', successful: 50, failed: 0 }),
      ],
    }),
    reportJson({
      organization: 'Microsoft Corporation',
      reportId: 'B',
      start: '2026-01-10T00:00:00Z',
      policies: [
        policyEntry({
          domain: 'example.com',
          successful: 20,
          failed: 5,
          details: [
            failureDetail('certificate-expired', 2, { 'receiving-mx-hostname': 'mx1.example.com' }),
            failureDetail('sts-policy-fetch-error', 3, { 'receiving-mx-hostname': undefined }),
          ],
        }),
      ],
    }),
    reportJson({
      organization: 'Google Inc.',
      reportId: 'C',
      start: '2026-01-12T00:00:00Z',
      end: '2026-01-12T23:59:59Z',
      policies: [
        policyEntry({
          domain: 'example.com',
          successful: 30,
          failed: 1,
          details: [failureDetail('starttls-not-supported', 1, { 'receiving-mx-hostname': 'mx2.example.com' })],
        }),
      ],
    }),
    reportJson({
      organization: 'Mail.ru',
      reportId: 'D',
      start: '2026-01-20T00:00:00Z',
      end: '2026-01-21T00:00:00Z',
      policies: [],
    }),
  ];
  storeReportDocuments(db, documents);
});

describe('summarize over all reports', () => {
  it('totals every report, session and sender', () => {
    const summary = summarize(db);
    expect(summary).toMatchObject({ reports: 4, senders: 3, successfulSessions: 200, failedSessions: 16 });
    expect(summary.failureRate).toBeCloseTo(16 / 216, 12);
  });

  it('breaks down per sender, most failures first, counting a report without policies', () => {
    expect(summarize(db).bySender).toEqual([
      {
        organization: 'Google Inc.',
        reports: 2,
        successfulSessions: 180,
        failedSessions: 11,
        failureRate: 11 / 191,
        lastReportTime: day('2026-01-12'),
        mainResultType: 'certificate-expired',
      },
      {
        organization: 'Microsoft Corporation',
        reports: 1,
        successfulSessions: 20,
        failedSessions: 5,
        failureRate: 5 / 25,
        lastReportTime: day('2026-01-10'),
        mainResultType: 'sts-policy-fetch-error',
      },
      {
        organization: 'Mail.ru',
        reports: 1,
        successfulSessions: 0,
        failedSessions: 0,
        failureRate: null,
        lastReportTime: day('2026-01-20'),
        mainResultType: null,
      },
    ]);
  });

  it('breaks down per MX host and result type, with unnamed hosts as null', () => {
    expect(summarize(db).byMx).toEqual([
      {
        mx: 'mx1.example.com',
        failedSessions: 8,
        byResultType: { 'certificate-expired': 8 },
        firstSeen: '2026-01-10',
        lastSeen: '2026-01-10',
      },
      {
        mx: 'mx2.example.com',
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

  it('breaks down per result type, per policy domain and per day', () => {
    const summary = summarize(db);
    expect(summary.byResultType).toEqual({
      'certificate-expired': 8,
      'starttls-not-supported': 5,
      'sts-policy-fetch-error': 3,
    });
    expect(summary.byDomain).toEqual([
      { domain: 'example.com', successfulSessions: 150, failedSessions: 16, failureRate: 16 / 166 },
      { domain: 'example.org', successfulSessions: 50, failedSessions: 0, failureRate: 0 },
    ]);
    expect(summary.byDay).toEqual([
      { day: '2026-01-10', successfulSessions: 170, failedSessions: 15 },
      { day: '2026-01-12', successfulSessions: 30, failedSessions: 1 },
    ]);
  });
});

describe('summarize with filters', () => {
  it('limits to a time range by the start of each report (from inclusive, to exclusive)', () => {
    const summary = summarize(db, { fromTime: day('2026-01-11'), toTime: day('2026-01-20') });
    expect(summary).toMatchObject({ reports: 1, senders: 1, successfulSessions: 30, failedSessions: 1 });
    expect(summary.byMx).toEqual([
      {
        mx: 'mx2.example.com',
        failedSessions: 1,
        byResultType: { 'starttls-not-supported': 1 },
        firstSeen: '2026-01-12',
        lastSeen: '2026-01-12',
      },
    ]);
    expect(summarize(db, { fromTime: day('2026-01-20') }).reports).toBe(1);
    expect(summarize(db, { toTime: day('2026-01-10') }).reports).toBe(0);
  });

  it('limits to one policy domain, counting only that domain’s sessions', () => {
    const summary = summarize(db, { policyDomain: 'example.org' });
    expect(summary).toMatchObject({ reports: 1, senders: 1, successfulSessions: 50, failedSessions: 0 });
    expect(summary.bySender).toEqual([
      {
        organization: 'Google Inc.',
        reports: 1,
        successfulSessions: 50,
        failedSessions: 0,
        failureRate: 0,
        lastReportTime: day('2026-01-10'),
        mainResultType: null,
      },
    ]);
    expect(summary.byMx).toEqual([]);
    expect(
      summarize(db, { policyDomain: 'example.com', fromTime: day('2026-01-10'), toTime: day('2026-01-11') }),
    ).toMatchObject({
      reports: 2,
      successfulSessions: 120,
      failedSessions: 15,
    });
  });

  it('answers an empty range with zeros and no failure rate', () => {
    expect(summarize(db, { fromTime: day('2030-01-01') })).toEqual({
      reports: 0,
      successfulSessions: 0,
      failedSessions: 0,
      failedWithoutDetails: 0,
      detailsBeyondTotal: 0,
      failureRate: null,
      senders: 0,
      bySender: [],
      byMx: [],
      byResultType: {},
      byDomain: [],
      byDay: [],
    });
  });
});
