import { existsSync } from 'node:fs';
import { openDatabase, type ReadableDatabase } from '../../backend/db/database.js';
import { DatabaseProblem, describeSqliteFailure } from '../../backend/db/database-problems.js';
import { integrityCheck, lastReportRowid } from '../../backend/db/salvage-queries.js';
import { schemaVersion } from '../../backend/db/migrations/index.js';
import { salvageByPages, salvageDatabase } from '../../backend/import/salvage.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { printable } from '../text.js';
import { EXIT_DATABASE, EXIT_OK, EXIT_SOME_REJECTED, UsageError, parseCommandArgs, stringOption } from '../usage.js';

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

  let db: ReadableDatabase;
  try {
    db = openDatabase(path, { readonly: true });
  } catch (error) {
    if (!(error instanceof DatabaseProblem) || (error.kind !== 'damaged' && error.kind !== 'not-a-database'))
      throw error;
    return unopenable(path, error, salvageTo, values.json === true, out);
  }
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

/**
 * A file SQLite cannot open at all: its first page (the header and the
 * schema) is overwritten, or the file was cut short. --salvage then reads it
 * page by page (salvageByPages) for the reports still on it; without it, the
 * way to do so is named. Exit 1 when the file was taken for a damaged
 * database, 4 when nothing in it looked like one.
 */
async function unopenable(
  path: string,
  problem: DatabaseProblem,
  salvageTo: string | undefined,
  json: boolean,
  out: NodeJS.WritableStream,
): Promise<number> {
  const salvage = salvageTo === undefined ? null : await salvageByPages(path, salvageTo);
  const foundNothing = problem.kind === 'not-a-database' && (salvage === null || salvage.salvaged === 0);
  const status = foundNothing ? EXIT_DATABASE : EXIT_SOME_REJECTED;
  if (json) {
    out.write(
      `${JSON.stringify({ file: path, ok: false, problems: [problem.message], schemaVersion: null, salvage: salvage && { salvaged: salvage.salvaged, rejected: salvage.rejected, pagesRead: salvage.scan.pages, byPages: true, mailboxRows: 0 } })}\n`,
    );
    return status;
  }
  out.write(`${printable(path)} cannot be opened by SQLite:\n  ${printable(problem.message)}\n`);
  if (salvage === null) {
    // A damaged file's message already names --salvage.
    if (problem.kind === 'not-a-database')
      out.write(
        `If it was a tlsrpt-viewer database, "tlsrpt check-db --db ${printable(path)} --salvage NEW.sqlite" reads its ` +
          'pages one by one and copies every report still on them into a new file (mailbox settings cannot be ' +
          'recovered that way).\n',
      );
    return status;
  }
  const cause = salvage.scan.headerIntact
    ? 'SQLite cannot open the file: a page it needs first is damaged, or the file was cut short'
    : 'its first page, which holds the header and the schema, is overwritten';
  out.write(
    `salvaged ${salvage.salvaged} reports into ${printable(salvageTo ?? '')}, found by reading its ` +
      `${salvage.scan.pages} pages one by one (${cause}); ${salvage.rejected} stored documents found there were ` +
      'not reports the import takes. Reports on pages that are gone are lost, and mailbox settings and sync ' +
      'progress cannot be recovered this way: add the mailboxes again in the new file.\n',
  );
  return status;
}
