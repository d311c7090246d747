// A worker thread with its own read-only connection that makes CSV exports
// (see export-thread.ts), so that the thread answering requests stays free.
import { parentPort, workerData } from 'node:worker_threads';
import type { FailureQuery } from '../../../shared/api/contract.js';
import { openDatabase } from '../db/database.js';
import { failuresCsvChunks, type FailureSort } from './failures-csv.js';

/**
 * The thread asks for one chunk at a time (`next`), when the client has taken
 * the last one: an export that nobody reads stops where it is, holding one
 * chunk. `cancel` ends it (the client went away).
 */
export type ExportRequest =
  | { id: number; start: { query: FailureQuery; sort: FailureSort } }
  | { id: number; next: true }
  | { id: number; cancel: true };

export type ExportReply = { id: number; chunk: string } | { id: number; rows: number } | { id: number; error: string };

/** The connection's page cache, KiB (better-sqlite3's default is 16 MiB). */
const EXPORT_CACHE_KIB = 4096;

const port = parentPort;
if (port) {
  const db = openDatabase((workerData as { databaseFile: string }).databaseFile, { readonly: true });
  // An export reads each page once, in order: a big cache buys nothing. SQLite's sorter (an ORDER BY
  // without an index) spills to a temporary file past this size too, instead of holding every row.
  db.pragma(`cache_size = -${EXPORT_CACHE_KIB}`);
  // Exports interleave, each with its own statement: a slow client does not hold the others.
  const running = new Map<number, Generator<string, number, undefined>>();
  const reply = (message: ExportReply): void => {
    port.postMessage(message);
  };
  port.on('message', (request: ExportRequest) => {
    try {
      if ('cancel' in request) {
        running.get(request.id)?.return(0);
        running.delete(request.id);
        return;
      }
      if ('start' in request) running.set(request.id, failuresCsvChunks(db, request.start.query, request.start.sort));
      const chunks = running.get(request.id);
      if (!chunks) return;
      const step = chunks.next();
      if (step.done) {
        running.delete(request.id);
        reply({ id: request.id, rows: step.value });
      } else {
        reply({ id: request.id, chunk: step.value });
      }
    } catch (error) {
      running.get(request.id)?.return(0);
      running.delete(request.id);
      reply({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}
