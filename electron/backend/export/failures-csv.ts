import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { FailureQuery, FailureSortColumn, Sort } from '../../../shared/api/contract.js';
import type { ReadableDatabase } from '../db/database.js';
import { iterateFailures } from '../db/failure-queries.js';

export type FailureSort = Sort<FailureSortColumn> | undefined;

/** Spreadsheets run cells that start like a formula; report fields are written by strangers. */
function csvCell(value: string | number | null): string | number {
  if (value === null) return '';
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(value)) return `'${value}`;
  return value;
}

const CSV_COLUMNS = [
  'report_start',
  'organization',
  'policy_domain',
  'policy_type',
  'result_type',
  'sending_mta_ip',
  'receiving_mx_hostname',
  'receiving_mx_helo',
  'receiving_ip',
  'failed_sessions',
  'failure_reason_code',
  'additional_information',
];

/**
 * Rows turned into CSV text at a time: a few hundred KiB, the most an export
 * holds (a 100,000-row export held as one answer took 400 MB).
 */
const CHUNK_ROWS = 2000;

/**
 * The failure details of a query as CSV (RFC 4180, CRLF), {@link CHUNK_ROWS}
 * rows at a time, each chunk made only when the consumer asks for it (so a
 * slow reader holds one chunk, not the export). The header comes with the
 * first rows, so that a query that fails does so before anything is sent.
 * Returns the number of rows. A consumer that stops early calls `return()`,
 * which ends the query.
 */
export function* failuresCsvChunks(
  db: ReadableDatabase,
  query: FailureQuery,
  sort: FailureSort,
): Generator<string, number, undefined> {
  let header = stringify([CSV_COLUMNS], { record_delimiter: 'windows' });
  let chunk: (string | number)[][] = [];
  let rows = 0;
  for (const row of iterateFailures(db, query, sort)) {
    chunk.push(
      [
        new Date(row.startTime * 1000).toISOString(),
        row.organization,
        row.policyDomain,
        row.policyType,
        row.resultType,
        row.sendingMtaIp,
        row.receivingMxHostname,
        row.receivingMxHelo,
        row.receivingIp,
        row.failedSessions,
        row.failureReasonCode,
        row.additionalInformation,
      ].map(csvCell),
    );
    rows += 1;
    if (chunk.length >= CHUNK_ROWS) {
      yield header + stringify(chunk, { record_delimiter: 'windows' });
      header = '';
      chunk = [];
    }
  }
  if (chunk.length > 0 || header !== '') yield header + stringify(chunk, { record_delimiter: 'windows' });
  return rows;
}

/** Why a CSV file could not be written, in words. */
export class CsvWriteError extends Error {
  override name = 'CsvWriteError';
}

/**
 * Writes the failures of a query to `file` as CSV, chunk by chunk as the disk
 * takes them (the desktop app's save dialog chose the path). The text goes to
 * a temporary name beside it, renamed over `file` once whole: a full disk or
 * a crash never leaves half an export under the chosen name, nor destroys
 * the file it replaces.
 */
export async function writeFailuresCsv(
  db: ReadableDatabase,
  query: FailureQuery,
  sort: FailureSort,
  file: string,
): Promise<{ rows: number }> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.part`);
  const chunks = failuresCsvChunks(db, query, sort);
  const out = createWriteStream(temporary, { flags: 'wx' });
  try {
    const rows = await new Promise<number>((resolve, reject) => {
      out.once('error', reject);
      const pump = (): void => {
        try {
          for (;;) {
            const step = chunks.next();
            if (step.done) {
              out.end(() => {
                resolve(step.value);
              });
              return;
            }
            // Full buffer: wait for the disk before making the next chunk.
            if (!out.write(step.value)) {
              out.once('drain', pump);
              return;
            }
          }
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      pump();
    });
    await rename(temporary, file);
    return { rows };
  } catch (error) {
    chunks.return(0);
    out.destroy();
    await unlink(temporary).catch(() => undefined);
    throw new CsvWriteError(describeWriteFailure(error, file));
  }
}

function describeWriteFailure(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return `the disk is full: ${file} was not written (free some space, then export again)`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return `${file} cannot be written here (no permission, or a read-only disk): choose another folder`;
  if (code === 'ENOENT') return `the folder of ${file} does not exist`;
  return `${file} was not written: ${error instanceof Error ? error.message : String(error)}`;
}
