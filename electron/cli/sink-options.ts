// `--sink postgresql://…` on serve and `tlsrpt sync`: export to PostgreSQL after every import batch.
import type { ReadableDatabase } from '../backend/db/database.js';
import { ContinuousSink } from '../backend/sink/continuous-sink.js';
import { defaultSinkSource } from '../backend/sink/pg-exporter.js';
import { SinkUrlError, parseSinkUrl, redactSinkUrl } from '../backend/sink/pg-url.js';
import { printable } from './text.js';
import { UsageError, stringOption, type OptionValues } from './usage.js';

export const SINK_OPTIONS = { sink: { type: 'string' } } as const;

/** The sink URL the options name, checked (a usage error in words, without its password), or null. */
export function sinkUrlFromArgs(values: OptionValues): URL | null {
  const text = stringOption(values, 'sink');
  if (text === undefined) return null;
  try {
    return parseSinkUrl(text);
  } catch (error) {
    if (error instanceof SinkUrlError) throw new UsageError(`--sink: ${error.message}`);
    throw error;
  }
}

/**
 * A sink that follows the database's imports, under the same source name as
 * `tlsrpt export` of that database; its messages go to `err`, prefixed with
 * the command's name.
 */
export function continuousSink(
  url: URL,
  db: ReadableDatabase,
  databasePath: string,
  err: NodeJS.WritableStream,
  command: string,
): ContinuousSink {
  return new ContinuousSink(db, {
    url,
    source: defaultSinkSource(databasePath),
    onProblem: (message) => err.write(`${command}: ${printable(message)}\n`),
    onExported: (progress) =>
      err.write(
        `${command}: exported ${progress.reportsWritten} new reports to ${printable(redactSinkUrl(url.toString()))}` +
          ` (up to report row ${progress.watermark})\n`,
      ),
  });
}
