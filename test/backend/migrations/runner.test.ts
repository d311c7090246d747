// The migration runner: numbering, a new file, an up-to-date one, a newer
// release's, and a failing migration. Each migration has its own file here.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, openDatabaseToRead } from '../../../electron/backend/db/database.js';
import {
  DatabaseFromFutureError,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  migrateToLatest,
  schemaVersion,
  type Migration,
} from '../../../electron/backend/db/migrations/index.js';
import { useTempDir } from '../../helpers/files.js';

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

describe('a database opened to read (tlsrpt summary, check, lint --db)', () => {
  it('is read-only, and an older schema is migrated first', () => {
    const file = join(tempDir(), 'old.sqlite');
    const old = new Database(file);
    migrateToLatest(old, MIGRATIONS.slice(0, 2));
    old.close();
    const db = openDatabaseToRead(file);
    expect(db.readonly).toBe(true);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    // The type has no way to write (no prepare, exec or transaction); under it, SQLite refuses too.
    expect(() => (db as unknown as Database.Database).prepare('DELETE FROM reports').run()).toThrow(/readonly/);
    db.close();
  });

  it('refuses a database from a newer release without touching it', () => {
    const file = join(tempDir(), 'future-read.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabaseToRead(file)).toThrow(DatabaseFromFutureError);
    const check = new Database(file, { readonly: true });
    expect(schemaVersion(check)).toBe(LATEST_SCHEMA_VERSION + 1);
    check.close();
  });
});
