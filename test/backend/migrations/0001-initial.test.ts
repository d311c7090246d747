// Migration 0001: the reports, their policies and failure details, and the
// constraints that keep them whole.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest } from '../../../electron/backend/db/migrations/index.js';
import { insertVersion1Report } from '../../helpers/old-schema.js';

describe('migration 0001 (initial schema)', () => {
  function migrated(): Database.Database {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrateToLatest(db, MIGRATIONS.slice(0, 1));
    return db;
  }

  it('allows one report per organization and report-id', () => {
    const db = migrated();
    insertVersion1Report(db, 'Google Inc.', 'r1');
    insertVersion1Report(db, 'Microsoft Corporation', 'r1');
    expect(() => insertVersion1Report(db, 'Google Inc.', 'r1')).toThrow(/UNIQUE constraint failed/);
  });

  it('deletes policies and failure details with their report', () => {
    const db = migrated();
    const report = insertVersion1Report(db, 'Google Inc.', 'r1');
    const policy = Number(
      db
        .prepare(
          `INSERT INTO policies (report_rowid, position, start_time, policy_type, mx_hosts_json, successful_sessions, failed_sessions)
           VALUES (?, 0, 0, 'sts', '[]', 1, 1)`,
        )
        .run(report).lastInsertRowid,
    );
    db.prepare(
      `INSERT INTO failure_details (policy_rowid, report_rowid, start_time, result_type, failed_sessions)
       VALUES (?, ?, 0, 'certificate-expired', 1)`,
    ).run(policy, report);
    db.prepare('DELETE FROM reports WHERE id = ?').run(report);
    expect(
      db.prepare('SELECT (SELECT COUNT(*) FROM policies) + (SELECT COUNT(*) FROM failure_details) AS n').get(),
    ).toEqual({
      n: 0,
    });
  });

  it('refuses an unknown source kind', () => {
    const db = migrated();
    expect(() =>
      db
        .prepare(
          `INSERT INTO reports (organization_name, report_id, start_time, end_time, successful_sessions, failed_sessions,
             source_kind, source_ref, imported_at, warnings_json, raw_gzip, content_sha256)
           VALUES ('o', 'r', 0, 0, 0, 0, 'carrier-pigeon', 'x', 0, '[]', x'', 'h')`,
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });
});
