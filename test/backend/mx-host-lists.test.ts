import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MxHostLists } from '../../electron/backend/api/mx-host-lists.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { mxHostPolicyDomains } from '../../electron/backend/db/mx-queries.js';
import { mxHostFailures } from '../../electron/backend/db/summary-queries.js';
import type { ReportFilter } from '../../shared/summary/types.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';

// The MX hosts view's kept answers (api/mx-host-lists.ts) against the queries that read everything anew.

const tempDir = useTempDir();
const day = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;
const HOSTS = ['mx1.example.com', 'mx2.example.com', 'mx.hosted.example.net', undefined];
const TYPES = ['certificate-expired', 'starttls-not-supported', 'validation-failure', 'sts-policy-fetch-error'];
const DOMAINS = ['example.com', 'example.org'];

/** The n-th report of a deterministic stream: days out of order, shared and unnamed hosts, two domains. */
function nthReport(n: number): string {
  const date = new Date(Date.UTC(2026, 0, 1 + ((n * 7) % 40))).toISOString().slice(0, 10);
  const details = [0, 1, 2].slice(0, 1 + (n % 3)).map((k) =>
    failureDetail(TYPES[(n + k) % TYPES.length] ?? 'validation-failure', 1 + ((n * 3 + k) % 5), {
      'receiving-mx-hostname': HOSTS[(n * 5 + k) % HOSTS.length],
      'sending-mta-ip': `192.0.2.${(n % 200) + 1}`,
    }),
  );
  const failed = details.reduce((sum, entry) => sum + Number(entry['failed-session-count']), 0);
  return reportJson({
    organization: ['Google Inc.', 'Microsoft Corporation', 'Yahoo'][n % 3],
    reportId: `report-${n}`,
    start: `${date}T00:00:00Z`,
    end: `${date}T23:59:59Z`,
    policies: [policyEntry({ domain: DOMAINS[n % 2] ?? 'example.com', successful: 50, failed, details })],
  });
}

const RANGE: ReportFilter = { fromTime: day('2026-01-10'), toTime: day('2026-01-31') };
const FILTERS: ReportFilter[] = [
  {},
  RANGE,
  // A bound inside a day: the failure details answer, not the rollups.
  { fromTime: day('2026-01-05') + 3600 },
  { policyDomain: 'example.org' },
  { policyDomain: 'example.com', fromTime: day('2026-01-15'), toTime: day('2026-01-22') },
];

/** What the view shows: for each listed host, its policy domains as a fresh query finds them. */
function policyDomainsOfListedHosts(db: WritableDatabase, lists: MxHostLists, filter: ReportFilter): unknown {
  const listed = mxHostFailures(db, filter).map((host) => host.mx);
  const kept = new Map(lists.policyDomains(filter).map((entry) => [entry.mx, entry.policyDomains]));
  const fresh = mxHostPolicyDomains(db, filter);
  return listed.map((mx) => ({ mx, kept: kept.get(mx) ?? [], fresh: fresh.get(mx) ?? [] }));
}

function expectListsToMatchFreshQueries(db: WritableDatabase, lists: MxHostLists): void {
  for (const filter of FILTERS) {
    const context = JSON.stringify(filter);
    expect(lists.hosts(filter), context).toEqual(mxHostFailures(db, filter));
    for (const entry of policyDomainsOfListedHosts(db, lists, filter) as { kept: string[]; fresh: string[] }[])
      expect(entry.kept, context).toEqual(entry.fresh);
  }
}

let db: WritableDatabase;
beforeEach(() => {
  db = openDatabase(join(tempDir(), `lists-${Math.random().toString(36).slice(2)}.sqlite`));
});

describe('the MX hosts view’s kept answers', () => {
  it('follow every batch of stored reports exactly, for ranges, a domain and bounds inside a day', () => {
    const lists = new MxHostLists(db);
    expect(lists.hosts({})).toEqual([]);
    let next = 0;
    for (const batch of [1, 1, 5, 2, 20, 1, 40]) {
      storeReportDocuments(
        db,
        Array.from({ length: batch }, () => nthReport(next++)),
      );
      expectListsToMatchFreshQueries(db, lists);
    }
    expect(lists.hosts({}).map((host) => host.mx)).toEqual(expect.arrayContaining([...HOSTS.slice(0, 3), null]));
  });

  it('add what new details say instead of reading the rollups again, up to a bound, then read them whole', () => {
    // A twin database with the same reports is the truth; this one's rollups are emptied after the first
    // answer, so an answer that read them again would lose the first reports.
    const twin = openDatabase(join(tempDir(), 'twin.sqlite'));
    const first = Array.from({ length: 12 }, (_, n) => nthReport(n));
    storeReportDocuments(db, first);
    storeReportDocuments(twin, first);
    const lists = new MxHostLists(db, { mostAddedDetails: 6 });
    const filter = RANGE;
    expect(lists.hosts(filter)).toEqual(mxHostFailures(twin, filter));
    db.exec('DELETE FROM rollup_mx; DELETE FROM rollup_domain_mx');

    // Two reports, at most six details: added to the kept answer.
    const added = [nthReport(100), nthReport(101)];
    storeReportDocuments(db, added);
    storeReportDocuments(twin, added);
    expect(lists.hosts(filter)).toEqual(mxHostFailures(twin, filter));

    // More details than the bound since the last answer: read whole, from the (emptied) rollups.
    const many = Array.from({ length: 5 }, (_, n) => nthReport(200 + n));
    storeReportDocuments(db, many);
    storeReportDocuments(twin, many);
    expect(lists.hosts(filter)).toEqual(mxHostFailures(db, filter));
    expect(lists.hosts(filter)).not.toEqual(mxHostFailures(twin, filter));
    twin.close();
  });

  it('read whole again after a write they had seen was rolled back', () => {
    storeReportDocuments(
      db,
      Array.from({ length: 6 }, (_, n) => nthReport(n)),
    );
    const lists = new MxHostLists(db);
    db.exec('BEGIN');
    storeReportDocuments(db, [nthReport(50), nthReport(51)]);
    expectListsToMatchFreshQueries(db, lists);
    db.exec('ROLLBACK');
    expectListsToMatchFreshQueries(db, lists);
    // The ids the rolled-back rows had are handed out again, to other reports.
    storeReportDocuments(db, [nthReport(60), nthReport(61)]);
    expectListsToMatchFreshQueries(db, lists);
  });

  it('follow reports that another connection stores (a `tlsrpt import` beside the app)', () => {
    const file = db.name;
    storeReportDocuments(db, [nthReport(0), nthReport(1)]);
    const lists = new MxHostLists(db);
    expectListsToMatchFreshQueries(db, lists);
    const other = openDatabase(file);
    storeReportDocuments(
      other,
      Array.from({ length: 9 }, (_, n) => nthReport(10 + n)),
    );
    other.close();
    expectListsToMatchFreshQueries(db, lists);
  });
});
