import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseProblem, checkDatabaseFile, describeSqliteFailure } from './database-problems.js';
import {
  DatabaseFromFutureError,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  migrateToLatest,
  schemaVersion,
} from './migrations/index.js';

declare const writable: unique symbol;

// better-sqlite3 reads this once, when its addon loads (on the first open in
// the process): SQLite then takes `file:` URIs, which openReadOnly needs for
// `immutable`. A plain path is opened as before.
process.env['SQLITE_USE_URI'] ??= '1';

/** Page cache of the writing connection, KiB. */
const WRITER_CACHE_KIB = 32 * 1024;

/**
 * Page size of a new database. An import's commit writes every page it
 * touched to the WAL (rows, seven rollup tables, their indexes): measured
 * on the schema with 10,240-report transactions, 16 KiB pages took the
 * writer to 0.68 of its time at 4 KiB (0.48 WAL frames a report, 41 % less
 * I/O), with every guarantee kept. It applies only when the file is made:
 * an existing database keeps its pages (only VACUUM would change them).
 */
const NEW_DATABASE_PAGE_BYTES = 16 * 1024;

/**
 * The WAL grows to about this before it is copied back to the database: a
 * checkpoint's cost is mostly its fsync, and larger ones are fewer.
 */
const CHECKPOINT_BYTES = 64 * 1024 * 1024;

/**
 * A handle that may only be read through (as Signal Desktop's ReadableDB).
 * Query functions take this type, so the compiler shows which code can change
 * the database: it has no exec or transaction, and SQL reaches it only
 * through prepared() and statementToIterate(), whose statements cannot run().
 */
export type ReadableDatabase = Omit<Database.Database, 'exec' | 'transaction' | 'prepare'>;

/** A statement a read runs: what better-sqlite3's Statement offers, but `run`, which writes. */
export interface ReadStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  pluck(toggle?: boolean): ReadStatement;
  raw(toggle?: boolean): ReadStatement;
}

/** The statements each handle has prepared, by their SQL. */
const statementsOf = new WeakMap<object, Map<string, Database.Statement>>();
/**
 * Filters give each query a few shapes (which rollup table, which
 * conditions): some dozens of texts in all. The bound only keeps a
 * pathological caller from growing the cache without end.
 */
const MAX_CACHED_STATEMENTS = 512;

/**
 * A read statement of a handle, prepared once and kept (as Signal Desktop's
 * `prepare(db, sql)`): preparing a query with joins and CTEs costs tens of
 * microseconds, more than running many of them over the rollups. Its modes
 * are reset on each use, so one caller's `pluck()` does not leak into the
 * next. A statement that is iterated while others run on the handle (an
 * export) is prepared on its own instead.
 */
function readerOf(db: ReadableDatabase, sql: string): Database.Statement {
  const statement = (db as Database.Database).prepare(sql);
  if (!statement.reader) throw new Error('prepared() is for statements that read');
  return statement;
}

/**
 * A read statement of its own, for a caller that iterates it while others
 * use the handle (an export): a kept statement is busy until its iteration ends.
 */
export function statementToIterate(db: ReadableDatabase, sql: string): ReadStatement {
  return readerOf(db, sql);
}

export function prepared(db: ReadableDatabase, sql: string): ReadStatement {
  let statements = statementsOf.get(db);
  if (!statements) {
    statements = new Map();
    statementsOf.set(db, statements);
  }
  let statement = statements.get(sql);
  if (statement) {
    // Most recently used last: the first entry is the one to drop.
    statements.delete(sql);
  } else {
    statement = readerOf(db, sql);
    if (statements.size >= MAX_CACHED_STATEMENTS) {
      const oldest = statements.keys().next().value;
      if (oldest !== undefined) statements.delete(oldest);
    }
  }
  statements.set(sql, statement);
  return statement.pluck(false).raw(false);
}

/** A handle opened for writing, after migrations have run. */
export type WritableDatabase = Database.Database & { readonly [writable]: true };

export interface OpenOptions {
  /** Open an existing database without creating or migrating it. */
  readonly?: boolean;
  /**
   * The compiled better-sqlite3 addon to load, when it is not the one in
   * node_modules: the desktop app's backend runs in Electron, whose Node ABI
   * differs from the Node that runs the tests and the command line.
   */
  nativeBinding?: string | undefined;
}

/**
 * Opens (and creates, and migrates) the database file. WAL lets the UI read
 * while an import writes; NORMAL synchronous is safe in WAL mode (a power
 * cut may lose the last transactions, never corrupt the file).
 */
export function openDatabase(file: string, options: { readonly: true }): ReadableDatabase;
export function openDatabase(file: string, options?: OpenOptions): WritableDatabase;
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  if (file !== ':memory:') checkDatabaseFile(file);
  let db: Database.Database;
  try {
    db = options.readonly
      ? new Database(readOnlyName(file), { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding })
      : new Database(file, { nativeBinding: options.nativeBinding });
  } catch (error) {
    throw describeSqliteFailure(error, file) ?? error;
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Reading the schema reads the first page whole: a damaged one fails here, before any write.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (options.readonly) return db;
    // Refused before anything is written: switching to WAL alone rewrites the file's header.
    const version = schemaVersion(db);
    if (version > LATEST_SCHEMA_VERSION) throw new DatabaseFromFutureError(version, LATEST_SCHEMA_VERSION);
    // Before WAL mode and the first table: either one writes the file's header.
    if (isEmptyDatabase(db)) db.pragma(`page_size = ${NEW_DATABASE_PAGE_BYTES}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // An import adds to many places of the indexes and rollups at once (reports come in
    // any order of time); SQLite's default 2 MiB page cache would reread them from disk.
    db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
    // Each commit of an import rewrites the pages it touched into the WAL, and each
    // checkpoint copies them back: checkpoint less often (the WAL may reach ~64 MiB,
    // whatever the page size of this file).
    const pageBytes = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.round(CHECKPOINT_BYTES / pageBytes))}`);
    migrateToLatest(db, MIGRATIONS, file === ':memory:' ? null : file);
  } catch (error) {
    db.close();
    throw describeSqliteFailure(error, file) ?? error;
  }
  return db;
}

/** A file with nothing in it yet (new, or zero bytes): its page size can still be chosen. */
function isEmptyDatabase(db: Database.Database): boolean {
  return db.pragma('page_count', { simple: true }) === 0;
}

/**
 * The name to open a database read-only by. A WAL-mode file is read through
 * its shared-memory file (-shm), which SQLite creates beside it, even to read:
 * in a folder that cannot be written (a read-only disk, a backup mounted
 * read-only) `summary` and `check-db` failed with "cannot open". There, when
 * no write-ahead log waits beside the file (so the file alone is the whole
 * database), it is opened `immutable`: no -shm, no locks, as SQLite allows
 * for a file nothing can change. Elsewhere, the path itself.
 */
function readOnlyName(file: string): string {
  if (file === ':memory:' || folderWritable(file) || !inWalMode(file)) return file;
  try {
    if (statSync(`${file}-wal`).size > 0) return file;
  } catch {
    // No log: the file is the database.
  }
  return `${pathToFileURL(file).href}?mode=ro&immutable=1`;
}

function folderWritable(file: string): boolean {
  try {
    accessSync(dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Bytes 18 and 19 of the header are 2 in WAL mode (https://www.sqlite.org/fileformat.html §1.3.3). */
function inWalMode(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(20);
      return readSync(fd, head, 0, 20, 0) === 20 && head[18] === 2 && head[19] === 2;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Opens an existing database for the commands that only read it (`tlsrpt
 * summary`, `check`, `lint --db`): read-only, so that they never write to
 * the file, migrate it or hold its write lock. A database of an older schema
 * is migrated first, as any release opening it would.
 */
export function openDatabaseToRead(file: string, options: Pick<OpenOptions, 'nativeBinding'> = {}): ReadableDatabase {
  const db = openDatabase(file, { ...options, readonly: true });
  const version = schemaVersion(db);
  if (version === LATEST_SCHEMA_VERSION) return db;
  db.close();
  if (version > LATEST_SCHEMA_VERSION) throw new DatabaseFromFutureError(version, LATEST_SCHEMA_VERSION);
  if (!folderWritable(file)) {
    throw new DatabaseProblem(
      'read-only',
      file,
      `${file} was written by an older release (schema ${version}): this one upgrades its schema before reading ` +
        'it, which writes to the file and keeps a copy beside it, and its folder cannot be written (a read-only ' +
        'disk, or a folder of another user). Copy the file to a writable folder and name the copy with --db.',
    );
  }
  openDatabase(file, options).close();
  return openDatabase(file, { ...options, readonly: true });
}
