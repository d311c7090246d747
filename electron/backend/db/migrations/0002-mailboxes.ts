import type { Migration } from './index.js';

/**
 * IMAP sync: saved accounts (settings, and the secret only as the OS
 * keychain encrypted it), per-mailbox progress (UIDVALIDITY and the highest
 * UID done), and what happened to each message.
 *
 * `account_key` is `user@host:port`, so a sync from the command line with no
 * saved account keeps its progress too.
 */
export const migration0002Mailboxes: Migration = {
  version: 2,
  name: 'mailboxes',
  up(db) {
    db.exec(`
      CREATE TABLE mailbox_accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        settings_json TEXT NOT NULL,
        -- Encrypted by Electron's safeStorage; NULL when no secret is saved.
        secret_encrypted BLOB,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE mailbox_state (
        account_key TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        uidvalidity TEXT NOT NULL,
        last_uid INTEGER NOT NULL,
        last_sync_at INTEGER,
        last_error TEXT,
        PRIMARY KEY (account_key, mailbox)
      );

      CREATE TABLE mailbox_messages (
        account_key TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        uidvalidity TEXT NOT NULL,
        uid INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('imported', 'duplicate', 'no-report', 'error')),
        message TEXT NOT NULL,
        reports_imported INTEGER NOT NULL,
        processed_at INTEGER NOT NULL,
        PRIMARY KEY (account_key, mailbox, uidvalidity, uid)
      );
    `);
  },
};
