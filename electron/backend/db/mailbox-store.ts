import type { MessageOutcome } from '../../../shared/mailbox/account.js';
import { prepared, type ReadableDatabase, type WritableDatabase } from './database.js';

export interface MailboxProgress {
  uidValidity: string;
  lastUid: number;
}

/** Where a mailbox's sync stands; null before its first sync. */
export function mailboxProgress(db: ReadableDatabase, accountKey: string, mailbox: string): MailboxProgress | null {
  const row = prepared(
    db,
    'SELECT uidvalidity AS uidValidity, last_uid AS lastUid FROM mailbox_state WHERE account_key = ? AND mailbox = ?',
  ).get(accountKey, mailbox) as MailboxProgress | undefined;
  return row ?? null;
}

/** Starts a mailbox over under a new UIDVALIDITY: every UID is new again. */
export function resetMailboxProgress(
  db: WritableDatabase,
  accountKey: string,
  mailbox: string,
  uidValidity: string,
): void {
  db.prepare(
    `INSERT INTO mailbox_state (account_key, mailbox, uidvalidity, last_uid) VALUES (?, ?, ?, 0)
     ON CONFLICT (account_key, mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = 0`,
  ).run(accountKey, mailbox, uidValidity);
}

/**
 * Records what happened to a batch of messages and moves the mailbox's mark
 * past them, in one transaction. Their reports were stored before, in the
 * batch's own transaction: a crash in between means the batch is fetched
 * again and its reports found to be duplicates, never lost or stored twice.
 */
export function recordMessages(
  db: WritableDatabase,
  accountKey: string,
  mailbox: string,
  uidValidity: string,
  outcomes: readonly MessageOutcome[],
  now = Math.floor(Date.now() / 1000),
): void {
  if (outcomes.length === 0) return;
  const insert = db.prepare(
    `INSERT INTO mailbox_messages (account_key, mailbox, uidvalidity, uid, status, message, reports_imported, processed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account_key, mailbox, uidvalidity, uid) DO UPDATE SET
       status = excluded.status, message = excluded.message,
       reports_imported = excluded.reports_imported, processed_at = excluded.processed_at`,
  );
  const advance = db.prepare(
    `UPDATE mailbox_state SET last_uid = MAX(last_uid, ?) WHERE account_key = ? AND mailbox = ? AND uidvalidity = ?`,
  );
  db.transaction(() => {
    let last = 0;
    for (const outcome of outcomes) {
      insert.run(
        accountKey,
        mailbox,
        uidValidity,
        outcome.uid,
        outcome.status,
        outcome.message,
        outcome.reportsImported,
        now,
      );
      last = Math.max(last, outcome.uid);
    }
    advance.run(last, accountKey, mailbox, uidValidity);
  }).immediate();
}

export function recordSyncEnd(db: WritableDatabase, accountKey: string, mailbox: string, error: string | null): void {
  db.prepare('UPDATE mailbox_state SET last_sync_at = ?, last_error = ? WHERE account_key = ? AND mailbox = ?').run(
    Math.floor(Date.now() / 1000),
    error,
    accountKey,
    mailbox,
  );
}

/** The per-message log of a mailbox, newest first. */
export function mailboxMessages(
  db: ReadableDatabase,
  accountKey: string,
  mailbox: string,
  limit = 500,
): (MessageOutcome & { processedAt: number })[] {
  return prepared(
    db,
    `SELECT uid, status, message, reports_imported AS reportsImported, processed_at AS processedAt
       FROM mailbox_messages WHERE account_key = ? AND mailbox = ? ORDER BY processed_at DESC, uid DESC LIMIT ?`,
  ).all(accountKey, mailbox, limit) as (MessageOutcome & { processedAt: number })[];
}

export interface SavedAccountRow {
  name: string;
  settingsJson: string;
  secretEncrypted: Buffer | null;
  /** The OAuth client secret as the vault sealed it. */
  clientSecretEncrypted: Buffer | null;
  /** A client secret migration 0007 took out of the settings, until the vault seals it. */
  clientSecretToSeal: string | null;
}

const ACCOUNT_COLUMNS = `name, settings_json AS settingsJson, secret_encrypted AS secretEncrypted,
  client_secret_encrypted AS clientSecretEncrypted, client_secret_to_seal AS clientSecretToSeal`;

export function savedAccounts(db: ReadableDatabase): SavedAccountRow[] {
  return prepared(db, `SELECT ${ACCOUNT_COLUMNS} FROM mailbox_accounts ORDER BY name`).all() as SavedAccountRow[];
}

export function savedAccount(db: ReadableDatabase, name: string): SavedAccountRow | null {
  const row = prepared(db, `SELECT ${ACCOUNT_COLUMNS} FROM mailbox_accounts WHERE name = ?`).get(name) as
    SavedAccountRow | undefined;
  return row ?? null;
}

/**
 * Saves an account under its name, replacing `previousName` when it was
 * renamed. `secretEncrypted` undefined keeps the stored secret.
 */
export function saveAccount(
  db: WritableDatabase,
  name: string,
  settingsJson: string,
  secretEncrypted: Uint8Array | null | undefined,
  previousName: string | null,
): void {
  const now = Math.floor(Date.now() / 1000);
  db.transaction(() => {
    if (previousName !== null && previousName !== name) {
      db.prepare('UPDATE mailbox_accounts SET name = ? WHERE name = ?').run(name, previousName);
    }
    db.prepare(
      `INSERT INTO mailbox_accounts (name, settings_json, secret_encrypted, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET settings_json = excluded.settings_json, updated_at = excluded.updated_at`,
    ).run(name, settingsJson, secretEncrypted ?? null, now, now);
    if (secretEncrypted !== undefined) {
      db.prepare('UPDATE mailbox_accounts SET secret_encrypted = ? WHERE name = ?').run(secretEncrypted, name);
    }
  }).immediate();
}

const CLIENT_SECRET_SUFFIX = '\u0000client-secret';

/** The vault's name for a mailbox's OAuth client secret, beside its password or refresh token (the mailbox's name). */
export function clientSecretVaultName(name: string): string {
  return `${name}${CLIENT_SECRET_SUFFIX}`;
}

/**
 * Puts a re-sealed secret in place of the bytes it was opened from, and only
 * if they are still there: a secret saved meanwhile is newer and stays.
 * `vaultName` is the name the vault opened it by: a mailbox's name (its
 * password or refresh token), or {@link clientSecretVaultName} (its OAuth
 * client secret).
 */
export function replaceSealedSecret(
  db: WritableDatabase,
  vaultName: string,
  previous: Uint8Array,
  resealed: Uint8Array,
): boolean {
  const clientSecret = vaultName.endsWith(CLIENT_SECRET_SUFFIX);
  const name = clientSecret ? vaultName.slice(0, -CLIENT_SECRET_SUFFIX.length) : vaultName;
  const column = clientSecret ? 'client_secret_encrypted' : 'secret_encrypted';
  return (
    db
      .prepare(`UPDATE mailbox_accounts SET ${column} = ? WHERE name = ? AND ${column} = ?`)
      .run(resealed, name, previous).changes > 0
  );
}

/**
 * Stores a mailbox's sealed OAuth client secret (null: none, or one only the
 * in-memory vault holds) and drops any clear one left by migration 0007.
 */
export function saveClientSecret(db: WritableDatabase, name: string, sealed: Uint8Array | null): void {
  db.prepare(
    'UPDATE mailbox_accounts SET client_secret_encrypted = ?, client_secret_to_seal = NULL WHERE name = ?',
  ).run(sealed, name);
}

export function deleteAccount(db: WritableDatabase, name: string): boolean {
  return db.prepare('DELETE FROM mailbox_accounts WHERE name = ?').run(name).changes > 0;
}

/** Totals of what a mailbox's sync did so far. */
export function mailboxTotals(
  db: ReadableDatabase,
  accountKey: string,
  mailbox: string,
): { messagesSeen: number; reportsImported: number; lastSyncAt: number | null; lastError: string | null } {
  const totals = prepared(
    db,
    `SELECT COUNT(*) AS messagesSeen, COALESCE(SUM(reports_imported), 0) AS reportsImported
       FROM mailbox_messages WHERE account_key = ? AND mailbox = ?`,
  ).get(accountKey, mailbox) as { messagesSeen: number; reportsImported: number };
  const state = prepared(
    db,
    'SELECT last_sync_at AS lastSyncAt, last_error AS lastError FROM mailbox_state WHERE account_key = ? AND mailbox = ?',
  ).get(accountKey, mailbox) as { lastSyncAt: number | null; lastError: string | null } | undefined;
  return { ...totals, lastSyncAt: state?.lastSyncAt ?? null, lastError: state?.lastError ?? null };
}
