import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { prepareBytes, prepareFile, type ImportSource, type PreparedFile } from './prepare-file.js';
import type { PrepareRequest } from './prepare-worker.js';

/** A file to read by its path (bytes where the name is not UTF-8), or the bytes of one (a message, an upload). */
export type PrepareInput = { path: string | Uint8Array } | { bytes: Uint8Array; source: ImportSource; name: string };

interface Pending {
  input: PrepareInput;
  resolve: (prepared: PreparedFile) => void;
}

function prepareHere(input: PrepareInput): Promise<PreparedFile> {
  return 'path' in input ? prepareFile(input.path) : prepareBytes(input.bytes, input.source, input.name);
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
}

/**
 * A worker's heap holds one file at a time (64 MiB at most, see limits.ts) and
 * its garbage: bounded, so that the import's memory stays small. A worker that
 * runs out dies, and its files are prepared again in the calling thread.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 };

const WORKER_FILE = fileURLToPath(new URL('./prepare-worker.js', import.meta.url));

/**
 * Worker threads to prepare files while the calling thread writes: reading,
 * gunzip and JSON parsing are most of an import's work, and the database
 * has one writer anyway. Default: one thread per core but one, for the writer.
 */
function defaultPrepareThreads(): number {
  const configured = Number(process.env['TLSRPT_IMPORT_THREADS']);
  if (Number.isInteger(configured) && configured >= 0) return configured;
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * Prepares files in worker threads, or in this thread when there are none
 * (threads set to 0, the worker script not built, a worker that failed):
 * the outcome is the same, only slower. A file whose worker dies is
 * prepared again here, so no file is lost.
 */
export class PreparePool {
  private readonly threads: Thread[] = [];
  private nextId = 0;
  private nextThread = 0;

  constructor(threads: number = defaultPrepareThreads()) {
    // Running from TypeScript sources (the unit tests) there is no compiled worker to start.
    if (threads === 0 || !existsSync(WORKER_FILE)) return;
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(WORKER_FILE, { resourceLimits: WORKER_LIMITS });
      const thread: Thread = { worker, pending: new Map(), alive: true };
      thread.worker.on('message', (message: { id: number; prepared: PreparedFile }) => {
        const pending = thread.pending.get(message.id);
        thread.pending.delete(message.id);
        pending?.resolve(message.prepared);
      });
      const fail = (): void => {
        if (!thread.alive) return;
        thread.alive = false;
        for (const pending of thread.pending.values()) void prepareHere(pending.input).then(pending.resolve);
        thread.pending.clear();
      };
      thread.worker.on('error', fail);
      thread.worker.on('exit', fail);
      this.threads.push(thread);
    }
  }

  /** Worker threads still running. */
  get threadCount(): number {
    return this.threads.filter((thread) => thread.alive).length;
  }

  /** Whether files go to worker threads. */
  get parallel(): boolean {
    return this.threads.some((thread) => thread.alive);
  }

  prepare(path: string | Uint8Array): Promise<PreparedFile> {
    return this.prepareInput({ path });
  }

  /** Prepares the bytes of one file or message; they are copied to the thread, and stay usable here. */
  prepareBytes(bytes: Uint8Array, source: ImportSource, name: string): Promise<PreparedFile> {
    return this.prepareInput({ bytes, source, name });
  }

  private prepareInput(input: PrepareInput): Promise<PreparedFile> {
    const alive = this.threads.filter((thread) => thread.alive);
    const thread = alive[this.nextThread++ % Math.max(1, alive.length)];
    if (!thread) return prepareHere(input);
    return new Promise((resolve) => {
      const request: PrepareRequest = { id: this.nextId++, ...input };
      thread.pending.set(request.id, { input, resolve });
      thread.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    for (const thread of threads) thread.alive = false;
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }
}
