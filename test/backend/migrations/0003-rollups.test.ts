// Migration 0003: the rollup tables, filled from a version-2 database's
// reports, worked out by hand for three reports over two weeks.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest } from '../../../electron/backend/db/migrations/index.js';
import { insertVersion1FailureDetail, insertVersion1Policy, insertVersion1Report } from '../../helpers/old-schema.js';

// 20454 is a multiple of 7 (2026-01-01 is day 20454): the first day of a rollup week.
const MONDAY = 20_454;
const seconds = (day: number): number => day * 86_400;

function version2WithReports(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrateToLatest(db, MIGRATIONS.slice(0, 2));
  const a = insertVersion1Report(db, 'Google Inc.', 'a', { startTime: seconds(MONDAY), successful: 10, failed: 2 });
  const aSts = insertVersion1Policy(db, a, {
    startTime: seconds(MONDAY),
    type: 'sts',
    domain: 'example.com',
    successful: 10,
    failed: 2,
  });
  insertVersion1FailureDetail(db, aSts, a, {
    startTime: seconds(MONDAY),
    domain: 'example.com',
    resultType: 'certificate-expired',
    mx: 'mx1.example.com',
    failed: 2,
  });
  const day2 = seconds(MONDAY + 1);
  const b = insertVersion1Report(db, 'Google Inc.', 'b', { startTime: day2, successful: 8, failed: 1 });
  const bSts = insertVersion1Policy(db, b, {
    startTime: day2,
    type: 'sts',
    domain: 'example.com',
    successful: 5,
    failed: 1,
  });
  // An older release kept a blank policy-type and an empty result-type.
  insertVersion1Policy(db, b, {
    position: 1,
    startTime: day2,
    type: ' ',
    domain: 'example.org',
    successful: 3,
    failed: 0,
  });
  insertVersion1FailureDetail(db, bSts, b, {
    startTime: day2,
    domain: 'example.com',
    resultType: '',
    mx: 'mx2.example.com',
    failed: 1,
  });
  const nextWeek = seconds(MONDAY + 7);
  const c = insertVersion1Report(db, 'Microsoft Corporation', 'c', { startTime: nextWeek, successful: 7 });
  insertVersion1Policy(db, c, { startTime: nextWeek, type: 'tlsa', domain: 'example.com', successful: 7, failed: 0 });
  migrateToLatest(db, MIGRATIONS.slice(0, 3));
  return db;
}

function rows(db: Database.Database, table: string, span: number): unknown[][] {
  return db.prepare(`SELECT * FROM ${table} WHERE span = ? ORDER BY 2, 3, 4, 5`).raw().all(span) as unknown[][];
}

describe('migration 0003 (rollups)', () => {
  it('reads a blank policy-type and an empty result-type as missing', () => {
    const db = version2WithReports();
    expect(db.prepare('SELECT COUNT(*) FROM policies WHERE policy_type IS NULL').pluck().get()).toBe(1);
    expect(db.prepare('SELECT COUNT(*) FROM failure_details WHERE result_type IS NULL').pluck().get()).toBe(1);
  });

  it('sums each sender by day, by week and over all time', () => {
    const db = version2WithReports();
    // span, day, organization, reports, policies, successful, failed, last start time
    expect(rows(db, 'rollup_senders', 1)).toEqual([
      [1, MONDAY, 'Google Inc.', 1, 1, 10, 2, seconds(MONDAY)],
      [1, MONDAY + 1, 'Google Inc.', 1, 2, 8, 1, seconds(MONDAY + 1)],
      [1, MONDAY + 7, 'Microsoft Corporation', 1, 1, 7, 0, seconds(MONDAY + 7)],
    ]);
    expect(rows(db, 'rollup_senders', 7)).toEqual([
      [7, MONDAY, 'Google Inc.', 2, 3, 18, 3, seconds(MONDAY + 1)],
      [7, MONDAY + 7, 'Microsoft Corporation', 1, 1, 7, 0, seconds(MONDAY + 7)],
    ]);
    expect(rows(db, 'rollup_senders', 0)).toEqual([
      [0, 0, 'Google Inc.', 2, 3, 18, 3, seconds(MONDAY + 1)],
      [0, 0, 'Microsoft Corporation', 1, 1, 7, 0, seconds(MONDAY + 7)],
    ]);
  });

  it('sums each domain and policy type, with a missing type as the empty string', () => {
    const db = version2WithReports();
    // span, day, policy domain, policy type, policies, successful, failed
    expect(rows(db, 'rollup_domains', 0)).toEqual([
      [0, 0, 'example.com', 'sts', 2, 15, 3],
      [0, 0, 'example.com', 'tlsa', 1, 7, 0],
      [0, 0, 'example.org', '', 1, 3, 0],
    ]);
    expect(rows(db, 'rollup_domains', 7)).toEqual([
      [7, MONDAY, 'example.com', 'sts', 2, 15, 3],
      [7, MONDAY, 'example.org', '', 1, 3, 0],
      [7, MONDAY + 7, 'example.com', 'tlsa', 1, 7, 0],
    ]);
  });

  it('sums the failure details by MX host, by sender and by result type', () => {
    const db = version2WithReports();
    // ..., keys, failure details, failed sessions
    expect(rows(db, 'rollup_mx', 0)).toEqual([
      [0, 0, 'mx1.example.com', 'certificate-expired', 1, 2],
      [0, 0, 'mx2.example.com', '', 1, 1],
    ]);
    expect(rows(db, 'rollup_sender_mx', 1)).toEqual([
      [1, MONDAY, 'Google Inc.', 'mx1.example.com', 'certificate-expired', 1, 2],
      [1, MONDAY + 1, 'Google Inc.', 'mx2.example.com', '', 1, 1],
    ]);
    expect(rows(db, 'rollup_sender_results', 0)).toEqual([
      [0, 0, 'Google Inc.', '', 1, 1],
      [0, 0, 'Google Inc.', 'certificate-expired', 1, 2],
    ]);
  });

  it('drops the indexes the rollups answer for, and adds the per-domain and per-host ones', () => {
    const db = version2WithReports();
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).pluck().all();
    expect(indexes).not.toContain('failure_details_by_policy');
    expect(indexes).not.toContain('failure_details_by_mx');
    expect(indexes).not.toContain('policies_by_start_time');
    expect(indexes).toEqual(expect.arrayContaining(['failure_details_by_domain', 'failure_details_by_mx_host']));
  });
});
