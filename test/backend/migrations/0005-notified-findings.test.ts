// Migration 0005: the findings already notified, beside the reports, which it leaves as they were.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest, schemaVersion } from '../../../electron/backend/db/migrations/index.js';
import { insertVersion1Report } from '../../helpers/old-schema.js';

describe('migration 0005 (notified findings)', () => {
  it('adds the table, one row per finding key, and leaves the reports as they were', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrateToLatest(db, MIGRATIONS.slice(0, 1));
    insertVersion1Report(db, 'Google Inc.', 'r1', { startTime: 86_400, successful: 12, failed: 3 });
    migrateToLatest(db, MIGRATIONS.slice(0, 4));
    const before = db.prepare('SELECT * FROM reports').all();
    migrateToLatest(db, MIGRATIONS.slice(0, 5));
    expect(schemaVersion(db)).toBe(5);
    expect(db.prepare('SELECT * FROM reports').all()).toEqual(before);
    const insert = db.prepare(
      `INSERT INTO notified_findings (finding_key, domain, code, notified_at) VALUES (?, 'a.example', 'mx-failing', 1)`,
    );
    insert.run('["mx-failing","a.example","mx1.a.example",null,"certificate-expired"]');
    insert.run('["mx-failing","a.example","mx2.a.example",null,"certificate-expired"]');
    expect(() => insert.run('["mx-failing","a.example","mx1.a.example",null,"certificate-expired"]')).toThrow(
      /UNIQUE constraint failed/,
    );
    expect(db.prepare('SELECT count(*) FROM notified_findings WHERE domain = ?').pluck().get('a.example')).toBe(2);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT finding_key FROM notified_findings WHERE domain = 'a.example'`)
      .all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' ')).toContain('notified_findings_by_domain');
  });
});
