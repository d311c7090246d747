// Migration 0004: sessions a report lists under two policies of one domain
// count once, failed sessions are reconciled with their details, and the
// per-domain rollups; worked out by hand for Microsoft's tlsa + sts pair and
// Mail.ru's details beyond the total. (rollups.test.ts checks the same
// migration against the import, over the corpus and a synthetic set.)
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest } from '../../../electron/backend/db/migrations/index.js';
import { insertVersion1FailureDetail, insertVersion1Policy, insertVersion1Report } from '../../helpers/old-schema.js';

const MONDAY = 20_454;
const seconds = (day: number): number => day * 86_400;

function version3WithReports(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrateToLatest(db, MIGRATIONS.slice(0, 3));
  const start = seconds(MONDAY);
  // Before version 4 a report's totals summed all its policies: 20 and 2.
  const m = insertVersion1Report(db, 'Microsoft Corporation', 'm', { startTime: start, successful: 20, failed: 2 });
  insertVersion1Policy(db, m, { startTime: start, type: 'tlsa', domain: 'example.com', successful: 10, failed: 1 });
  const sts = insertVersion1Policy(db, m, {
    position: 1,
    startTime: start,
    type: 'sts',
    domain: 'example.com',
    successful: 10,
    failed: 1,
  });
  insertVersion1FailureDetail(db, sts, m, {
    startTime: start,
    domain: 'example.com',
    resultType: 'certificate-expired',
    mx: 'mx1.example.com',
    failed: 1,
  });
  const next = seconds(MONDAY + 1);
  const r = insertVersion1Report(db, 'Mail.Ru', 'r', { startTime: next, successful: 5, failed: 1 });
  const ru = insertVersion1Policy(db, r, {
    startTime: next,
    type: 'sts',
    domain: 'example.org',
    successful: 5,
    failed: 1,
  });
  insertVersion1FailureDetail(db, ru, r, {
    startTime: next,
    domain: 'example.org',
    resultType: 'certificate-expired',
    mx: 'mx2.example.org',
    failed: 2,
  });
  migrateToLatest(db, MIGRATIONS.slice(0, 4));
  return db;
}

describe('migration 0004 (counted sessions)', () => {
  it('counts the first of two equal policies for one domain, and the report totals only what counts', () => {
    const db = version3WithReports();
    expect(
      db.prepare('SELECT policy_type, counted, detailed_failed_sessions FROM policies ORDER BY id').raw().all(),
    ).toEqual([
      ['tlsa', 1, 0],
      ['sts', 0, 1],
      ['sts', 1, 2],
    ]);
    expect(db.prepare('SELECT result_type, counted FROM failure_details ORDER BY id').raw().all()).toEqual([
      ['certificate-expired', 0],
      ['certificate-expired', 1],
    ]);
    expect(
      db.prepare('SELECT report_id, successful_sessions, failed_sessions FROM reports ORDER BY id').raw().all(),
    ).toEqual([
      ['m', 10, 1],
      ['r', 5, 1],
    ]);
  });

  it('keeps apart the failed sessions no detail explains and the details beyond the total', () => {
    const db = version3WithReports();
    // span, day, organization, reports, policies, successful, failed, last start, without details, beyond total
    expect(db.prepare('SELECT * FROM rollup_senders WHERE span = 0 ORDER BY organization').raw().all()).toEqual([
      [0, 0, 'Mail.Ru', 1, 1, 5, 1, seconds(MONDAY + 1), 0, 1],
      [0, 0, 'Microsoft Corporation', 1, 2, 10, 1, seconds(MONDAY), 1, 0],
    ]);
    // span, day, domain, policy type, policies, successful, failed, without details, beyond total
    expect(db.prepare('SELECT * FROM rollup_domains WHERE span = 0 ORDER BY 3, 4').raw().all()).toEqual([
      [0, 0, 'example.com', 'sts', 1, 0, 0, 0, 0],
      [0, 0, 'example.com', 'tlsa', 1, 10, 1, 1, 0],
      [0, 0, 'example.org', 'sts', 1, 5, 1, 0, 1],
    ]);
  });

  it('fills the per-domain rollups, keyed by domain first, with since when a host fails', () => {
    const db = version3WithReports();
    // span, domain, day, organization, reports, policies, successful, failed, without, beyond, last start
    expect(db.prepare('SELECT * FROM rollup_domain_senders WHERE span = 1 ORDER BY 2, 3').raw().all()).toEqual([
      [1, 'example.com', MONDAY, 'Microsoft Corporation', 1, 2, 10, 1, 1, 0, seconds(MONDAY)],
      [1, 'example.org', MONDAY + 1, 'Mail.Ru', 1, 1, 5, 1, 0, 1, seconds(MONDAY + 1)],
    ]);
    // The listed-again detail (Microsoft's sts) is left out; Mail.ru's counts as sent.
    expect(db.prepare('SELECT * FROM rollup_domain_mx WHERE span = 0').raw().all()).toEqual([
      [0, 'example.org', 0, 'mx2.example.org', 'certificate-expired', 1, 2, MONDAY + 1, MONDAY + 1],
    ]);
  });
});
