import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import {
  DatabaseFromFutureError,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  migrateToLatest,
  schemaVersion,
  type Migration,
} from '../../electron/backend/db/migrations/index.js';
import { useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();

function columns(db: Database.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name);
}

describe('migrations', () => {
  it('are numbered 1, 2, 3… in order', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
  });

  it('build the whole schema in a new file, in WAL mode', () => {
    const file = join(tempDir(), 'sub', 'new.sqlite');
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(columns(db, 'reports')).toContain('content_sha256');
    expect(columns(db, 'failure_details')).toEqual([
      'id',
      'policy_rowid',
      'report_rowid',
      'start_time',
      'policy_domain',
      'result_type',
      'sending_mta_ip',
      'receiving_mx_hostname',
      'receiving_mx_helo',
      'receiving_ip',
      'failed_sessions',
      'additional_information',
      'failure_reason_code',
      'counted',
    ]);
    db.close();
  });

  it('leave an up-to-date database as it is when opened again', () => {
    const file = join(tempDir(), 'again.sqlite');
    openDatabase(file).close();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('refuse a database from a newer release, without touching it', () => {
    const file = join(tempDir(), 'future.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.exec('CREATE TABLE from_the_future (x)');
    raw.close();
    expect(() => openDatabase(file)).toThrow(DatabaseFromFutureError);
    const check = new Database(file);
    expect(schemaVersion(check)).toBe(LATEST_SCHEMA_VERSION + 5);
    expect(columns(check, 'from_the_future')).toEqual(['x']);
    check.close();
  });

  it('roll a failing migration back whole and keep the version before it', () => {
    const db = new Database(':memory:');
    const failing: Migration[] = [
      {
        version: 1,
        name: 'one',
        up: (d) => {
          d.exec('CREATE TABLE one (x)');
        },
      },
      {
        version: 2,
        name: 'two',
        up: (d) => {
          d.exec('CREATE TABLE two (x)');
          throw new Error('migration bug');
        },
      },
    ];
    expect(() => {
      migrateToLatest(db, failing);
    }).toThrow('migration bug');
    expect(schemaVersion(db)).toBe(1);
    expect(columns(db, 'one')).toEqual(['x']);
    expect(columns(db, 'two')).toEqual([]);
  });
});

describe('migration 0001 (initial schema)', () => {
  function migrated(): Database.Database {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrateToLatest(db, MIGRATIONS.slice(0, 1));
    return db;
  }

  function insertReport(db: Database.Database, org: string, id: string): number {
    return Number(
      db
        .prepare(
          `INSERT INTO reports (organization_name, report_id, start_time, end_time, successful_sessions, failed_sessions,
             source_kind, source_ref, imported_at, warnings_json, raw_gzip, content_sha256)
           VALUES (?, ?, 0, 86399, 1, 0, 'file', '/x.json', 0, '[]', x'1f8b', 'abc')`,
        )
        .run(org, id).lastInsertRowid,
    );
  }

  it('allows one report per organization and report-id', () => {
    const db = migrated();
    insertReport(db, 'Google Inc.', 'r1');
    insertReport(db, 'Microsoft Corporation', 'r1');
    expect(() => insertReport(db, 'Google Inc.', 'r1')).toThrow(/UNIQUE constraint failed/);
  });

  it('deletes policies and failure details with their report', () => {
    const db = migrated();
    const report = insertReport(db, 'Google Inc.', 'r1');
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
