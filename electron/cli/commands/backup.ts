import { existsSync, linkSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { openDatabase } from '../../backend/db/database.js';
import { integrityCheck } from '../../backend/db/salvage-queries.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { printable } from '../text.js';
import { EXIT_DATABASE, EXIT_OK, UsageError, parseCommandArgs, stringOption } from '../usage.js';

/**
 * Copies the database with SQLite's online backup API: a consistent copy
 * while the app or an import goes on using it, then checks the copy.
 */
export async function runBackup(
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { db: { type: 'string' } });
  const [destination, extra] = positionals;
  if (destination === undefined) throw new UsageError('name the file to write the backup to');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const path = resolveDatabasePath(stringOption(values, 'db'));
  if (!existsSync(path)) throw new UsageError(`no database at ${path}`);
  if (existsSync(destination)) throw new UsageError(`${destination} already exists; name a new file`);
  checkDestination(destination);

  // The copy is written and checked under a name of its own, and only then given the name asked for: a backup
  // killed half-way (or a damaged copy) never sits under the name the user will restore from.
  const partial = join(dirname(destination), `.${basename(destination)}.partial-${process.pid}`);
  rmSync(partial, { force: true });
  try {
    const db = openDatabase(path, { readonly: true });
    let pages: number;
    try {
      pages = (await db.backup(partial)).totalPages;
    } finally {
      db.close();
    }
    const copy = openDatabase(partial, { readonly: true });
    try {
      let problems: string[];
      try {
        problems = integrityCheck(copy, 5).problems;
      } catch (error) {
        // A page so damaged that the check itself stops (with 16 KiB pages, an index's root page).
        problems = [error instanceof Error ? error.message : String(error)];
      }
      if (problems.length > 0) {
        err.write(
          `tlsrpt backup: the copy of ${printable(path)} is damaged (${printable(problems.join('; '))}), ` +
            `so is the database; nothing was written to ${printable(destination)}. ` +
            `Run "tlsrpt check-db --db ${printable(path)}".\n`,
        );
        return EXIT_DATABASE;
      }
    } finally {
      copy.close();
    }
    // A hard link, unlike rename, never replaces a file that appeared under the name meanwhile.
    try {
      linkSync(partial, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new UsageError(`${destination} already exists; name a new file`);
    }
    out.write(`backed up ${printable(path)} to ${printable(destination)} (${pages} pages), and checked the copy: ok\n`);
    return EXIT_OK;
  } finally {
    // The check's read-only connection leaves the copy's (empty) -wal and -shm behind: they go with it.
    for (const file of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(file, { force: true });
  }
}

/** Names SQLite gives to its own files beside a database: a backup under one is deleted by the next open. */
const SQLITE_SIDE_FILES = /-(wal|shm|journal)$/i;

function checkDestination(destination: string): void {
  if (SQLITE_SIDE_FILES.test(destination)) {
    throw new UsageError(
      `${destination} ends in -wal, -shm or -journal, names SQLite uses for its own files beside a database (the next open of that database would delete it); name the backup otherwise`,
    );
  }
  const folder = dirname(resolve(destination));
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) throw new UsageError(`the folder ${folder} does not exist; create it or name a file in another one`);
}
