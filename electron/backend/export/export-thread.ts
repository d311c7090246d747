import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FailureQuery } from '../../../shared/api/contract.js';
import type { ExportReply, ExportRequest } from './export-worker.js';
import type { FailureSort } from './failures-csv.js';

const WORKER_FILE = fileURLToPath(new URL('./export-worker.js', import.meta.url));

/**
 * CSV exports in a worker thread over its own read-only connection: a
 * 172,750-row export took 4.6 s on the thread that answers requests, and
 * eight at once pushed the Overview's p95 to 3.8 s. Each export is a stream
 * that asks the worker for its next chunk only when the client has read the
 * last: memory stays at a chunk an export, whatever its size.
 */
export class ExportThread {
  private worker: Worker | null = null;
  private nextId = 0;
  /** The open exports, by id: what to do with the worker's next reply for each. */
  private readonly exports = new Map<number, { answer: (reply: ExportReply) => void; stream: Readable }>();

  constructor(private readonly databaseFile: string) {}

  /** Whether exports can run in a worker here (the compiled worker exists: not when running from sources). */
  static available(): boolean {
    return existsSync(WORKER_FILE);
  }

  /** The CSV text of the failures, chunk by chunk; destroying the stream ends the export. */
  failuresCsv(query: FailureQuery, sort: FailureSort): Readable {
    const worker = this.start();
    const id = this.nextId++;
    let asked = false;
    let started = false;
    const send = (request: ExportRequest): void => {
      worker.postMessage(request);
    };
    const stream = new Readable({
      // One chunk asked for at a time, when the consumer wants more.
      read: () => {
        if (asked) return;
        asked = true;
        send(started ? { id, next: true } : { id, start: { query, sort } });
        started = true;
      },
      destroy: (error, callback) => {
        // Gone before the end (the client went away): the worker drops its query.
        if (this.exports.delete(id) && started) send({ id, cancel: true });
        callback(error);
      },
    });
    const answer = (reply: ExportReply): void => {
      asked = false;
      if ('chunk' in reply) {
        stream.push(reply.chunk);
        return;
      }
      this.exports.delete(id);
      if ('rows' in reply) stream.push(null);
      else stream.destroy(new Error(reply.error));
    };
    this.exports.set(id, { answer, stream });
    return stream;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_FILE, {
      workerData: { databaseFile: this.databaseFile },
      // Each chunk leaves a few MB of short-lived rows and strings: V8's default young generation let
      // them pile up to ~50 MB before a scavenge (four exports grew serve by 135 MB; with 4 MB, 58 MB).
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    // An idle export thread does not keep the process alive.
    worker.unref();
    worker.on('message', (reply: ExportReply) => {
      this.exports.get(reply.id)?.answer(reply);
    });
    const fail = (error: unknown): void => {
      if (this.worker === worker) this.worker = null;
      const reason = error instanceof Error ? error : new Error(`the export thread stopped (${String(error)})`);
      const open = [...this.exports.values()];
      this.exports.clear();
      for (const { stream } of open) stream.destroy(reason);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.exports.size > 0) fail(new Error(`the export thread exited with ${code}`));
      if (this.worker === worker) this.worker = null;
    });
    this.worker = worker;
    return worker;
  }
}
