import { existsSync } from 'node:fs';
import { openDatabaseToRead } from '../../backend/db/database.js';
import { plural } from '../../backend/import/importer.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { defaultSinkSource, exportToPostgres, type ExportProgress } from '../../backend/sink/pg-exporter.js';
import { parseSinkUrl, redactSecret, redactSinkUrl, SinkUrlError } from '../../backend/sink/pg-url.js';
import { connectSink } from '../../backend/sink/pg-connect.js';
import { printable } from '../text.js';
import { EXIT_OK, UsageError, parseCommandArgs, stringOption } from '../usage.js';

/** PostgreSQL could not be reached or refused the export; what was committed before stays. */
export const EXIT_SINK = 5;

const MAX_BATCH = 100_000;

/**
 * `tlsrpt export --to postgresql://…`: every report stored since the last
 * export of this database, into the PostgreSQL schema of
 * electron/backend/sink/pg-schema.ts. The password is never printed: give it
 * in the URL or, better, in $PGPASSWORD or ~/.pgpass, which the driver reads.
 */
export async function runExport(
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    to: { type: 'string' },
    source: { type: 'string' },
    batch: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${printable(redactSinkUrl(positionals[0] ?? ''))}"`);
  const to = stringOption(values, 'to');
  if (to === undefined) throw new UsageError('name the PostgreSQL database to export to: --to postgresql://…');
  let url: URL;
  try {
    url = parseSinkUrl(to);
  } catch (error) {
    if (error instanceof SinkUrlError) throw new UsageError(error.message);
    throw error;
  }
  const batchText = stringOption(values, 'batch');
  const batch = batchText === undefined ? undefined : Number(batchText);
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH)) {
    throw new UsageError(
      `--batch takes a number of reports from 1 to ${MAX_BATCH}, got "${printable(batchText ?? '')}"`,
    );
  }
  const path = resolveDatabasePath(stringOption(values, 'db'));
  if (!existsSync(path)) throw new UsageError(`no database at ${path}; import reports first with "tlsrpt import"`);
  // A database is its own source unless named: its path on this machine.
  const source = stringOption(values, 'source') ?? defaultSinkSource(path);
  const shown = redactSinkUrl(to);

  const db = openDatabaseToRead(path);
  try {
    let progress: ExportProgress;
    try {
      const client = await connectSink(url);
      try {
        progress = await exportToPostgres(db, client, {
          source,
          limits: batch === undefined ? {} : { reports: batch },
        });
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      err.write(`tlsrpt export: ${printable(redactSecret(message, url))} (exporting to ${printable(shown)})\n`);
      return EXIT_SINK;
    }
    if (values.json === true) {
      out.write(`${JSON.stringify({ to: shown, source, ...progress })}\n`);
    } else {
      const already = progress.reportsRead - progress.reportsWritten;
      out.write(
        progress.reportsRead === 0
          ? `nothing new to export to ${printable(shown)} (up to report row ${progress.watermark})\n`
          : `exported ${plural(progress.reportsWritten, 'report')} (${progress.policiesWritten} ${progress.policiesWritten === 1 ? 'policy' : 'policies'}, ` +
              `${plural(progress.failureDetailsWritten, 'failure detail')}) to ${printable(shown)}` +
              `${already > 0 ? `; ${already} were there already` : ''}; up to report row ${progress.watermark}\n`,
      );
    }
    return EXIT_OK;
  } finally {
    db.close();
  }
}
