// A worker thread with its own read-only connection that writes CSV exports
// (see export-thread.ts), so that the thread answering requests stays free.
import { parentPort, workerData } from 'node:worker_threads';
import type { FailureQuery } from '../../../shared/api/contract.js';
import { openDatabase } from '../db/database.js';
import { failuresCsv, type FailureSort } from './failures-csv.js';

export interface ExportRequest {
  id: number;
  query: FailureQuery;
  sort: FailureSort;
}

export type ExportReply = { id: number; csv: string; rows: number } | { id: number; error: string };

const port = parentPort;
if (port) {
  const db = openDatabase((workerData as { databaseFile: string }).databaseFile, { readonly: true });
  port.on('message', (request: ExportRequest) => {
    try {
      const { csv, rows } = failuresCsv(db, request.query, request.sort);
      port.postMessage({ id: request.id, csv, rows } satisfies ExportReply);
    } catch (error) {
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies ExportReply);
    }
  });
}
