import { existsSync } from 'node:fs';
import { openDatabase } from '../../backend/db/database.js';
import { describeSqliteFailure } from '../../backend/db/database-problems.js';
import { integrityCheck, lastReportRowid } from '../../backend/db/salvage-queries.js';
import { schemaVersion } from '../../backend/db/migrations/index.js';
import { salvageDatabase } from '../../backend/import/salvage.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { printable } from '../text.js';
import { EXIT_OK, EXIT_SOME_REJECTED, UsageError, parseCommandArgs, stringOption } from '../usage.js';

/**
 * Checks the database file with SQLite's integrity_check, and with
 * --salvage copies every report that can still be read into a new file.
 * Exit status 0 when no damage was found, 1 when some was, 4 when the file
 * cannot be opened at all.
 */
export async function runCheckDb(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    salvage: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const path = resolveDatabasePath(stringOption(values, 'db'));
  if (!existsSync(path)) throw new UsageError(`no database at ${path}`);
  const salvageTo = stringOption(values, 'salvage');
  if (salvageTo !== undefined && existsSync(salvageTo)) {
    throw new UsageError(`${salvageTo} already exists; --salvage writes a new file`);
  }

  const db = openDatabase(path, { readonly: true });
  try {
    let problems: string[];
    try {
      problems = integrityCheck(db).problems;
    } catch (error) {
      problems = [describeSqliteFailure(error, path)?.message ?? String(error)];
    }
    const version = schemaVersion(db);
    const reportsUpTo = lastReportRowid(db);
    const salvage = salvageTo === undefined ? null : await salvageDatabase(db, salvageTo);
    if (values.json === true) {
      out.write(
        `${JSON.stringify({ file: path, ok: problems.length === 0, problems, schemaVersion: version, salvage })}\n`,
      );
    } else {
      if (problems.length === 0) {
        out.write(`${printable(path)}: no damage found (SQLite integrity_check: ok; schema version ${version})\n`);
      } else {
        out.write(`${printable(path)} is damaged:\n${problems.map((line) => `  ${printable(line)}\n`).join('')}`);
        if (salvage === null) {
          out.write(
            `Copy what can still be read into a new file with "tlsrpt check-db --db ${printable(path)} --salvage NEW.sqlite", ` +
              'then use that file (--db, or move it in place of this one).\n',
          );
        }
      }
      if (salvage !== null && salvageTo !== undefined) {
        out.write(
          `salvaged ${salvage.salvaged} reports into ${printable(salvageTo)}` +
            (reportsUpTo === null ? '' : ` (the highest report number was ${reportsUpTo})`) +
            `; ${salvage.unreadable} could not be read, ${salvage.rejected} were refused on import; ` +
            `mailbox rows: ${salvage.mailboxRows} copied, ${salvage.mailboxRowsLost} lost\n`,
        );
      }
    }
    return problems.length === 0 && (salvage === null || salvage.unreadable === 0) ? EXIT_OK : EXIT_SOME_REJECTED;
  } finally {
    db.close();
  }
}
