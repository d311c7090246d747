import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { withRegularFile } from '../files/regular-file.js';
import type { DatabaseProblemKind } from '../database-files.js';
import type { QuickCheckReply } from './quick-check-worker.js';

// Defined beside the pre-migration backup names, which main may import; the backend names it from here.
export type { DatabaseProblemKind };

export class DatabaseProblem extends Error {
  override name = 'DatabaseProblem';

  constructor(
    readonly kind: DatabaseProblemKind,
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** Every SQLite database file starts with these 16 bytes (https://www.sqlite.org/fileformat.html §1.3). */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Checks, before SQLite opens it, that an existing file is a regular file
 * (SQLite would block on a FIFO) holding an SQLite database: a report, a
 * text file or a ZIP named by mistake must not be answered with a raw error,
 * and must never be written to. An empty file is a new database to SQLite.
 */
export function checkDatabaseFile(file: string): void {
  let head: Buffer;
  try {
    head = withRegularFile(file, Number.MAX_SAFE_INTEGER, (opened) => opened.head(100));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || String(error) === 'no such file or folder') return;
    throw new DatabaseProblem('cannot-open', file, `cannot open the database ${file}: ${String(error)}`);
  }
  if (head.length === 0) return;
  if (head.length < SQLITE_MAGIC.length || !head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw notADatabase(file);
  }
  if (head.length < 100) throw damaged(file, 'the file is shorter than its own header');
}

/** A SQLite failure in words, or null when it is not one of these. */
export function describeSqliteFailure(error: unknown, file: string): DatabaseProblem | null {
  if (error instanceof DatabaseProblem) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  // Extended codes (SQLITE_CORRUPT_INDEX, SQLITE_IOERR_WRITE, …) name their primary code first.
  const base = code.split('_').slice(0, 2).join('_');
  switch (base) {
    case 'SQLITE_NOTADB':
      return notADatabase(file);
    case 'SQLITE_CORRUPT':
      return damaged(file, error instanceof Error ? error.message : code);
    case 'SQLITE_FULL':
      return new DatabaseProblem(
        'disk-full',
        file,
        `the disk holding ${file} is full: the step that failed wrote nothing (every report is stored whole or not ` +
          'at all). Free some space and run it again.',
      );
    case 'SQLITE_READONLY':
      return new DatabaseProblem(
        'read-only',
        file,
        `${file} cannot be written (the file or its folder is read-only, or belongs to another user): check its ` +
          'permissions, or name a writable file with --db.',
      );
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new DatabaseProblem(
        'locked',
        file,
        `${file} is locked by another program that writes to it; try again when it has finished.`,
      );
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new DatabaseProblem(
        'cannot-open',
        file,
        `cannot open the database ${file} (its folder is missing or not accessible): name another file with --db.`,
      );
    case 'SQLITE_IOERR':
      return new DatabaseProblem(
        'cannot-open',
        file,
        `reading or writing ${file} failed (${code}): the disk may be failing or was removed.`,
      );
    default:
      return null;
  }
}

function notADatabase(file: string): DatabaseProblem {
  return new DatabaseProblem(
    'not-a-database',
    file,
    `${file} is not a tlsrpt-viewer database (not an SQLite file at all). Nothing was written to it. Name the ` +
      'right file with --db, or move this one away to start a new database there.',
  );
}

function damaged(file: string, detail: string): DatabaseProblem {
  return new DatabaseProblem(
    'damaged',
    file,
    `${file} is damaged (${detail}). Nothing more is written to it. Run "tlsrpt check-db --db ${file} --salvage ` +
      'NEW.sqlite" to copy every report that can still be read into a new file, then use that one.',
  );
}

/** Handles on which SQLite reported damage: no write goes to them any more. */
const damagedHandles = new WeakMap<Database.Database, DatabaseProblem>();
/** Handles checked with quick_check before their first write. */
const checkedHandles = new WeakSet<Database.Database>();

/** Remembers that this handle's file is damaged, when the error says so. */
export function noteDatabaseFailure(db: Database.Database, error: unknown): DatabaseProblem | null {
  const problem = describeSqliteFailure(error, db.name);
  if (problem?.kind === 'damaged' || problem?.kind === 'not-a-database') damagedHandles.set(db, problem);
  return problem;
}

/**
 * Called before a write: refuses a handle whose file was found damaged, and
 * checks the file once per handle with `PRAGMA quick_check` (the b-trees'
 * structure, without the slower index-content check of integrity_check), so
 * that a file damaged in the middle, which opens and answers some reads, is
 * not written to. Importers call {@link checkBeforeFirstWrite} first, which
 * does this off the thread; here it runs inline only if they did not.
 */
export function assertWritable(db: Database.Database): void {
  const known = damagedHandles.get(db);
  if (known) throw known;
  if (checkedHandles.has(db)) return;
  let lines: string[];
  try {
    lines = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((row) => row.quick_check);
  } catch (error) {
    throw noteDatabaseFailure(db, error) ?? error;
  }
  recordQuickCheck(db, lines);
}

function recordQuickCheck(db: Database.Database, lines: readonly string[]): void {
  if (lines.length !== 1 || lines[0] !== 'ok') {
    const problem = damaged(db.name, lines.slice(0, 3).join('; '));
    damagedHandles.set(db, problem);
    throw problem;
  }
  checkedHandles.add(db);
}

const QUICK_CHECK_WORKER = fileURLToPath(new URL('./quick-check-worker.js', import.meta.url));
const runningChecks = new WeakMap<Database.Database, Promise<void>>();

/**
 * The check of {@link assertWritable}, in a worker thread over its own
 * read-only connection: quick_check reads the whole file (measured: about
 * 9 ms per MB, some 20 s at a million reports), which serve mode's request
 * thread must not spend. Once per handle; later calls wait for the same check.
 */
export function checkBeforeFirstWrite(db: Database.Database, nativeBinding?: string): Promise<void> {
  const known = damagedHandles.get(db);
  if (known) return Promise.reject(known);
  if (checkedHandles.has(db)) return Promise.resolve();
  if (db.memory || !existsSync(QUICK_CHECK_WORKER)) {
    try {
      assertWritable(db);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
  let running = runningChecks.get(db);
  if (!running) {
    running = new Promise<void>((resolve, reject) => {
      const worker = new Worker(QUICK_CHECK_WORKER, { workerData: { file: db.name, nativeBinding } });
      worker.once('message', (reply: QuickCheckReply) => {
        try {
          if (reply.ok) recordQuickCheck(db, reply.lines);
          else
            throw (
              noteDatabaseFailure(db, Object.assign(new Error(reply.message), { code: reply.code })) ??
              new Error(reply.message)
            );
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      let answered = false;
      worker.once('message', () => (answered = true));
      // No answer from the worker (it could not load SQLite, as in a runtime with another ABI): the same check, here.
      const inline = (): void => {
        if (answered) return;
        answered = true;
        try {
          assertWritable(db);
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      worker.once('error', inline);
      worker.once('exit', inline);
    }).finally(() => runningChecks.delete(db));
    runningChecks.set(db, running);
  }
  return running;
}
