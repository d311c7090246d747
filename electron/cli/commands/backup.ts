import { existsSync } from 'node:fs';
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

  const db = openDatabase(path, { readonly: true });
  let pages: number;
  try {
    pages = (await db.backup(destination)).totalPages;
  } finally {
    db.close();
  }
  const copy = openDatabase(destination, { readonly: true });
  try {
    const check = integrityCheck(copy, 5);
    if (!check.ok) {
      err.write(
        `tlsrpt backup: the copy in ${printable(destination)} is damaged (${printable(check.problems.join('; '))}): ` +
          `so is ${printable(path)}; run "tlsrpt check-db --db ${printable(path)}".\n`,
      );
      return EXIT_DATABASE;
    }
  } finally {
    copy.close();
  }
  out.write(`backed up ${printable(path)} to ${printable(destination)} (${pages} pages), and checked the copy: ok\n`);
  return EXIT_OK;
}
