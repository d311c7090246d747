import type Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { preMigrationBackupName } from '../../database-files.js';
import { DatabaseProblem } from '../database-problems.js';
import { migration0001Initial } from './0001-initial.js';
import { migration0002Mailboxes } from './0002-mailboxes.js';
import { migration0003Rollups } from './0003-rollups.js';
import { migration0004CountedSessions } from './0004-counted-sessions.js';
import { migration0005NotifiedFindings } from './0005-notified-findings.js';
import { migration0006DetailsByPolicy } from './0006-details-by-policy.js';
import { migration0007SealedClientSecrets } from './0007-sealed-client-secrets.js';

export interface Migration {
  /** Becomes PRAGMA user_version once applied; strictly increasing from 1. */
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Every migration ever released, in order. Released ones are never edited: add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  migration0001Initial,
  migration0002Mailboxes,
  migration0003Rollups,
  migration0004CountedSessions,
  migration0005NotifiedFindings,
  migration0006DetailsByPolicy,
  migration0007SealedClientSecrets,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Thrown for a database written by a newer tlsrpt-viewer. Opening it with
 * this version could damage data the newer schema relies on, so we refuse.
 */
export class DatabaseFromFutureError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `this database has schema version ${found}, but this tlsrpt-viewer only knows versions up to ${supported}: ` +
        'it was written by a newer release. Update tlsrpt-viewer, or use another --db file.',
    );
    this.name = 'DatabaseFromFutureError';
  }
}

export function schemaVersion(db: Pick<Database.Database, 'pragma'>): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration above the database's version, each in its own
 * transaction together with its user_version bump, so a crash leaves the
 * database at one version or the next, never between.
 */
export function migrateToLatest(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  backupOf: string | null = null,
): void {
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) throw new DatabaseFromFutureError(current, latest);
  if (backupOf !== null && current > 0 && current < latest) backUpBeforeMigrating(db, backupOf, current);
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

/**
 * A copy of the database as it was, before a migration changes it: a
 * migration that goes wrong on someone's data, or a newer release given up,
 * leaves the old file to go back to. VACUUM INTO writes a consistent,
 * compact copy without stopping readers.
 */
function backUpBeforeMigrating(db: Database.Database, file: string, version: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const backup = preMigrationBackupName(file, version, stamp);
  try {
    db.prepare('VACUUM INTO ?').run(backup);
  } catch (error) {
    // A copy cut short is no backup: each attempt on a full disk left a 0-byte one behind.
    for (const partial of [backup, `${backup}-journal`]) rmSync(partial, { force: true });
    throw backupFailure(error, file, backup, db);
  }
  return backup;
}

/** Why the copy kept before a migration could not be written, in words; nothing was migrated. */
function backupFailure(error: unknown, file: string, backup: string, db: Database.Database): Error {
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' ? raw : '';
  const bytes =
    (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const needed = `${Math.ceil(bytes / 1024 / 1024)} MB`;
  if (code.startsWith('SQLITE_FULL')) {
    return new DatabaseProblem(
      'disk-full',
      file,
      `the disk holding ${file} is full: this release keeps a copy of the database (about ${needed}) before it ` +
        'upgrades its schema, and the copy could not be written. Nothing was changed, and no partial copy is left. ' +
        'Free some space and run it again.',
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    return new DatabaseProblem(
      'read-only',
      file,
      `the copy of ${file} kept before its schema is upgraded cannot be written beside it (${backup}: the folder ` +
        'is read-only or belongs to another user). Nothing was changed. Make the folder writable, or open the file ' +
        'with the release that wrote it.',
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
