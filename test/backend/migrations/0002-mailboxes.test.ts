// Migration 0002: saved mailboxes, their progress and what happened to each
// message, added beside the reports without touching them.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest, schemaVersion } from '../../../electron/backend/db/migrations/index.js';
import { insertVersion1Report } from '../../helpers/old-schema.js';

function version1(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrateToLatest(db, MIGRATIONS.slice(0, 1));
  return db;
}

describe('migration 0002 (mailboxes)', () => {
  it('adds the mailbox tables and leaves the stored reports as they were', () => {
    const db = version1();
    insertVersion1Report(db, 'Google Inc.', 'r1', { startTime: 86_400, successful: 12, failed: 3 });
    const before = db.prepare('SELECT * FROM reports').all();
    migrateToLatest(db, MIGRATIONS.slice(0, 2));
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare('SELECT * FROM reports').all()).toEqual(before);
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mailbox%' ORDER BY name`)
      .pluck()
      .all();
    expect(tables).toEqual(['mailbox_accounts', 'mailbox_messages', 'mailbox_state']);
  });

  it('keeps one account per name, one progress per account and folder, one outcome per message', () => {
    const db = version1();
    migrateToLatest(db, MIGRATIONS.slice(0, 2));
    const account = db.prepare(
      `INSERT INTO mailbox_accounts (name, settings_json, secret_encrypted, created_at, updated_at)
       VALUES (?, '{}', NULL, 0, 0)`,
    );
    account.run('work');
    expect(() => account.run('work')).toThrow(/UNIQUE constraint failed/);
    const progress = db.prepare(
      `INSERT INTO mailbox_state (account_key, mailbox, uidvalidity, last_uid) VALUES ('a@h:993', ?, '1', 5)`,
    );
    progress.run('INBOX');
    progress.run('Reports');
    expect(() => progress.run('INBOX')).toThrow(/UNIQUE constraint failed/);
    const message = db.prepare(
      `INSERT INTO mailbox_messages (account_key, mailbox, uidvalidity, uid, status, message, reports_imported,
         processed_at)
       VALUES ('a@h:993', 'INBOX', '1', ?, ?, '', 0, 0)`,
    );
    message.run(1, 'imported');
    message.run(2, 'no-report');
    expect(() => message.run(1, 'duplicate')).toThrow(/UNIQUE constraint failed/);
    // Only the four outcomes the sync writes.
    expect(() => message.run(3, 'lost')).toThrow(/CHECK constraint failed/);
  });
});
