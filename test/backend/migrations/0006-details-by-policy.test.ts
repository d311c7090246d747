// Migration 0006: the index a report's page reads its failure details by.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest } from '../../../electron/backend/db/migrations/index.js';
import { insertVersion1FailureDetail, insertVersion1Policy, insertVersion1Report } from '../../helpers/old-schema.js';

describe('migration 0006 (details by policy)', () => {
  it('indexes failure details by their policy, keeps every row, and the per-policy read seeks it', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrateToLatest(db, MIGRATIONS.slice(0, 1));
    const report = insertVersion1Report(db, 'Org', 'r', { failed: 2 });
    const first = insertVersion1Policy(db, report, { type: 'sts', domain: 'example.com', successful: 0, failed: 1 });
    const second = insertVersion1Policy(db, report, {
      position: 1,
      type: 'sts',
      domain: 'example.org',
      successful: 0,
      failed: 1,
    });
    for (const policy of [first, second]) {
      insertVersion1FailureDetail(db, policy, report, {
        domain: 'example.com',
        resultType: 'certificate-expired',
        mx: 'mx.example.com',
        failed: 1,
      });
    }
    migrateToLatest(db, MIGRATIONS.slice(0, 5));
    const indexes = (): string[] =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'failure_details'")
        .pluck()
        .all() as string[];
    expect(indexes()).not.toContain('failure_details_by_policy');
    migrateToLatest(db, MIGRATIONS.slice(0, 6));
    expect(indexes()).toContain('failure_details_by_policy');
    expect(db.prepare('SELECT policy_rowid FROM failure_details ORDER BY id').pluck().all()).toEqual([first, second]);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT id FROM failure_details WHERE policy_rowid = ? ORDER BY id')
      .all(first) as { detail: string }[];
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING (COVERING )?INDEX failure_details_by_policy/);
    expect(plan.map((step) => step.detail).join('\n')).not.toMatch(/TEMP B-TREE/);
    db.close();
  });
});
