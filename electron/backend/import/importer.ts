import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type { FileOutcome, ImportProgress, ImportTotals, ReportOutcome } from '../../../shared/import/types.js';
import { addToTotals, emptyTotals, fileStatus } from '../../../shared/import/types.js';
import type { WritableDatabase } from '../db/database.js';
import { checkBeforeFirstWrite } from '../db/database-problems.js';
import { ReportWriter } from '../db/store-report.js';
import { PreparePool } from './prepare-pool.js';
import { ReadAhead } from './read-ahead.js';
import { describeIoError, displayPath, prepareBytes, type ImportSource, type PreparedFile } from './prepare-file.js';

export type { ImportSource } from './prepare-file.js';

/** The bytes of one file or message to import, with where they came from and their name. */
export interface ByteInput {
  bytes: Uint8Array;
  source: ImportSource;
  name: string;
}

export interface ImportPathsResult {
  files: FileOutcome[];
  totals: ImportTotals;
}

export interface ImportPathsOptions {
  /** Called after each file, in order. */
  onFile?: (outcome: FileOutcome, progress: ImportProgress) => void;
  /** Return every file's outcome in the result (default); false keeps only the totals, for huge imports. */
  keepOutcomes?: boolean;
  /** Worker threads that prepare files; default one per core but one. */
  threads?: number;
  /**
   * Prepare even a handful of files in worker threads: the calling thread
   * answers requests (serve), and one stranger's file parsed there held
   * every request for up to 26 s.
   */
  offThread?: boolean;
  /**
   * Files per transaction. Each commit holds the thread that writes: about
   * 0.2 ms a report, so 1,024 files block it for about 200 ms; where that
   * thread also answers requests (serve mode), fewer keep the answers quick,
   * and where nothing watches (the command line) more make the import faster
   * (BULK_BATCH_FILES). Default 1,024.
   */
  batchFiles?: number;
  /** How each path is named to the user and stored, when not by itself (uploads spooled to disk). */
  sourceOf?: (path: string) => ImportSource;
  /**
   * Worker threads kept by the caller across imports (serve's report receiver: starting a thread for each
   * report cost more than the report); used as they are, and not closed here.
   */
  pool?: PreparePool;
}
const MiB = 1024 * 1024;
/** Files prepared before their reports are written in one transaction, where progress shows as it goes. */
const BATCH_FILES = 1024;
/**
 * Files per transaction for an import that nothing watches file by file (the
 * command line, a folder): each commit costs a WAL write and the rollups'
 * upserts whatever its size, and fewer commits are most of what makes the
 * store fast (see database.ts). A kill -9 still leaves whole batches.
 */
export const BULK_BATCH_FILES = 10_240;
/** …or fewer, when the memory their prepared reports hold adds up to this much. */
const BATCH_BYTES = 64 * MiB;
/** Files handed to worker threads ahead of the writer, so they work while it writes (see read-ahead.ts)… */
const AHEAD_FILES = 3072;
/** …as long as the prepared files waiting for the writer hold less than this. */
const AHEAD_BYTES = 16 * MiB;
/** Below this many files, starting worker threads costs more than it saves. */
const MIN_FILES_FOR_THREADS = 64;

/**
 * The one import path of the app: the command line, drag-and-drop, uploads
 * in serve mode and IMAP sync all end here. Files are read and parsed (in
 * worker threads for many files), then their reports written in one
 * transaction per batch, each report whole or not at all (see
 * ReportWriter.storeMany); no input, however broken, stops the others.
 * Outcomes are announced only once their batch is committed.
 */
export class ReportImporter {
  private readonly writer: ReportWriter;
  private readonly importedListeners: (() => void)[] = [];

  constructor(private readonly db: WritableDatabase) {
    this.writer = new ReportWriter(db);
  }

  /**
   * Called when an import ends (a set of files, an upload, a mailbox sync's
   * run), whatever it stored: the notifier checks for new findings then, once
   * per import rather than per transaction.
   */
  onImported(listener: () => void): void {
    this.importedListeners.push(listener);
  }

  private announceImported(): void {
    for (const listener of this.importedListeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own to report; it must not fail the import that already stored its reports.
      }
    }
  }

  /**
   * Imports files and folders (recursively, in name order). The folders are
   * walked as the import goes, never listed whole (a million paths held at
   * once cost about 100 MB), and the files read ahead of the writer and the
   * batch being written are bounded by the memory they hold: memory stays
   * the same at a thousand files or a million, small reports or huge ones.
   * `total` in the progress is what has been found so far.
   */
  async importPaths(paths: readonly string[], options: ImportPathsOptions = {}): Promise<ImportPathsResult> {
    try {
      return await this.importPathsInBatches(paths, options);
    } finally {
      this.announceImported();
    }
  }

  private async importPathsInBatches(
    paths: readonly string[],
    options: ImportPathsOptions,
  ): Promise<ImportPathsResult> {
    // A damaged file is refused before the first write; the check runs off this thread.
    await checkBeforeFirstWrite(this.db);
    const outcomes: FileOutcome[] = [];
    const keep = options.keepOutcomes !== false;
    const totals = emptyTotals();
    let found = 0;
    let done = 0;
    const record = (outcome: FileOutcome): void => {
      done += 1;
      if (keep) outcomes.push(outcome);
      addToTotals(totals, outcome);
      options.onFile?.(outcome, { done, total: Math.max(found, done), totals: { ...totals } });
    };
    let batch: PreparedFile[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      this.commit(batch).forEach(record);
      batch = [];
      batchBytes = 0;
      // Let other work (HTTP requests in serve mode, IPC) run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    };
    const named = (path: string): string => (options.sourceOf ? options.sourceOf(path).ref : path);
    const ordered = [...paths].sort((a, b) => compareIntakeNames(named(a), named(b)));
    const entries = walkInputFiles(ordered)[Symbol.asyncIterator]();
    // The first files tell whether threads pay: a handful is prepared faster here.
    const head: InputEntry[] = [];
    let walked = false;
    while (head.length < MIN_FILES_FOR_THREADS) {
      const next = await entries.next();
      if (next.done === true) {
        walked = true;
        break;
      }
      head.push(next.value);
    }
    const pool = options.pool ?? new PreparePool(walked && options.offThread !== true ? 0 : options.threads);
    try {
      // Files are prepared ahead, in order, while earlier batches are written. A path that
      // cannot be read has its outcome already; it waits in line so that outcomes stay in order.
      const ahead: Promise<PreparedFile | FileOutcome>[] = [];
      const budget = new ReadAhead(AHEAD_FILES, AHEAD_BYTES);
      const take = (entry: InputEntry): void => {
        found += 1;
        budget.started();
        const prepared = entry.kind === 'file' ? pool.prepare(entry.path) : Promise.resolve(entry.outcome);
        ahead.push(
          prepared.then((result) => {
            budget.prepared(heldBytes(result));
            return result;
          }),
        );
      };
      const fill = async (): Promise<void> => {
        while (budget.hasRoom()) {
          const fromHead = head.shift();
          if (fromHead) {
            take(fromHead);
            continue;
          }
          if (walked) return;
          const next = await entries.next();
          if (next.done === true) {
            walked = true;
            return;
          }
          take(next.value);
        }
      };
      await fill();
      for (let promise = ahead.shift(); promise; promise = ahead.shift()) {
        const prepared = await promise;
        budget.taken(heldBytes(prepared));
        await fill();
        if ('status' in prepared) {
          // Nothing to write for it, but it is told after the files before it.
          await flush();
          record(prepared);
          continue;
        }
        batch.push(options.sourceOf ? relabel(prepared, options.sourceOf(prepared.file)) : prepared);
        batchBytes += prepared.heldBytes;
        if (batch.length >= (options.batchFiles ?? BATCH_FILES) || batchBytes >= BATCH_BYTES) await flush();
      }
      await flush();
    } finally {
      if (!options.pool) await pool.close();
    }
    return { files: outcomes, totals };
  }

  /**
   * Imports the bytes of one file or message: a report (JSON or gzip) or a
   * report e-mail, told apart by their content.
   */
  async importBytes(bytes: Uint8Array, source: ImportSource, name = basename(source.ref)): Promise<FileOutcome> {
    await checkBeforeFirstWrite(this.db);
    const outcome = this.commitOne(await prepareBytes(bytes, source, name));
    this.announceImported();
    return outcome;
  }

  /** Imports the bytes of several reports or messages in one transaction; their outcomes, in order. */
  async importBytesBatch(
    items: readonly { bytes: Uint8Array; source: ImportSource; name: string }[],
  ): Promise<FileOutcome[]> {
    await checkBeforeFirstWrite(this.db);
    const prepared: PreparedFile[] = [];
    for (const item of items) prepared.push(await prepareBytes(item.bytes, item.source, item.name));
    const outcomes = this.commit(prepared);
    this.announceImported();
    return outcomes;
  }

  /**
   * Runs batches of bytes (an IMAP sync's messages, a batch per FETCH) through
   * one set of worker threads: each batch is read and parsed in the threads,
   * then written in one transaction. Starting threads costs some 30 ms, so
   * they are started once for the whole run, not per batch.
   */
  async importByteBatches<T>(
    run: (importBatch: (items: readonly ByteInput[]) => Promise<FileOutcome[]>) => Promise<T>,
    threads?: number,
  ): Promise<T> {
    await checkBeforeFirstWrite(this.db);
    let pool: PreparePool | null = null;
    try {
      return await run(async (items) => {
        // A watched mailbox's new message or two would wait longer for threads to start than to be parsed here.
        pool ??= new PreparePool(items.length < MIN_FILES_FOR_THREADS ? 0 : threads);
        const started = pool;
        // This thread would only wait for the batch (the next FETCH cannot start before it is stored):
        // it prepares every other message itself. Measured on 300 report e-mails, the writer sat idle
        // for 1.0 s of 1.8 s while one worker parsed them.
        const here = started.parallel ? started.threadCount + 1 : 1;
        const prepared = await Promise.all(
          items.map((item, index) =>
            index % here === here - 1
              ? prepareBytes(item.bytes, item.source, item.name)
              : started.prepareBytes(item.bytes, item.source, item.name),
          ),
        );
        return this.commit(prepared);
      });
    } finally {
      await (pool as PreparePool | null)?.close();
      this.announceImported();
    }
  }

  private commitOne(prepared: PreparedFile): FileOutcome {
    const [outcome] = this.commit([prepared]);
    if (!outcome) throw new Error('a prepared file has no outcome');
    return outcome;
  }

  /** Writes the prepared reports of some files in one transaction; their outcomes, in order. */
  private commit(files: readonly PreparedFile[]): FileOutcome[] {
    const pending = files.flatMap((file) => file.reports.filter((report) => report.kind === 'store'));
    const stored = this.writer.storeMany(pending.map((report) => report.item));
    const results = new Map(pending.map((report, index) => [report, stored[index]]));
    return files.map((file) => {
      if (file.skipped !== null) return skippedFile(file.file, file.skipped);
      const reports = file.reports.map((report): ReportOutcome => {
        if (report.kind === 'done') return report.outcome;
        const result = results.get(report) ?? { status: 'failed', error: 'not stored' };
        const { organizationName: organization, reportId } = report.item.report;
        const part = report.part;
        if (result.status === 'failed') {
          // The savepoint was rolled back: nothing of this report is stored.
          return { status: 'rejected', field: null, error: `could not be stored: ${result.error}`, part };
        }
        return result.status === 'imported'
          ? { status: 'imported', organization, reportId, warnings: report.warnings, part }
          : { status: 'duplicate', organization, reportId, sameContent: result.sameContent, part };
      });
      return summarizeFile(file.file, reports);
    });
  }
}

/**
 * The order in which one import takes the files and folders it is given,
 * whatever order they came in (named on the command line, dropped, chosen,
 * uploaded): by their file name, then by the whole name, bytewise; each
 * folder's entries are then taken in name order too (walkInputFiles).
 *
 * It matters for a report re-sent under one id with other content: of the
 * copies of one report (organization-name and report-id), the first stored
 * is kept and every later one is counted as a duplicate "with different
 * content; the stored one is kept" (ReportWriter). With one order for every
 * intake path, the same files keep the same copy by every path. The name,
 * not the path alone, comes first because an upload knows only the file's
 * name, where the desktop app and the command line know its folder too.
 */
export function compareIntakeNames(a: string, b: string): number {
  return (
    Buffer.compare(Buffer.from(basename(a)), Buffer.from(basename(b))) || Buffer.compare(Buffer.from(a), Buffer.from(b))
  );
}

/** One thing a walk over the paths to import found: a file to read, or why a path gives none. */
type InputEntry = { kind: 'file'; path: string | Buffer } | { kind: 'outcome'; outcome: FileOutcome };

/**
 * Walks files and folders (recursively, sorted, each real folder once) and
 * yields the files to import as it finds them; only one folder's names are
 * held at a time. A name that is not UTF-8 is kept as its bytes: decoded, it
 * would name no file.
 */
async function* walkInputFiles(paths: readonly string[]): AsyncGenerator<InputEntry> {
  const seenFolders = new Set<string>();
  async function* visit(path: string | Buffer, known: 'file' | 'folder' | null): AsyncGenerator<InputEntry> {
    const shown = displayPath(path);
    let kind = known;
    if (kind === null) {
      let info;
      try {
        info = await stat(path);
      } catch (error) {
        yield { kind: 'outcome', outcome: rejectedFile(shown, describeIoError(error)) };
        return;
      }
      if (!info.isFile() && !info.isDirectory()) {
        yield { kind: 'outcome', outcome: skippedFile(shown, 'not a regular file or folder') };
        return;
      }
      kind = info.isFile() ? 'file' : 'folder';
    }
    if (kind === 'file') {
      yield { kind: 'file', path };
      return;
    }
    // Symbolic links may loop back to a parent folder.
    let real: string;
    let entries;
    try {
      real = (await realpath(path, { encoding: 'buffer' })).toString('latin1');
      if (seenFolders.has(real)) return;
      seenFolders.add(real);
      entries = (await readdir(path, { encoding: 'buffer', withFileTypes: true })).sort((a, b) =>
        Buffer.compare(a.name, b.name),
      );
    } catch (error) {
      yield { kind: 'outcome', outcome: rejectedFile(shown, `cannot read the folder: ${describeIoError(error)}`) };
      return;
    }
    for (const entry of entries) {
      // The folder's own listing says what most entries are: a stat per file would cost the walk
      // one thread-pool round trip each. Links and the rest are looked at (and a FIFO is still
      // refused by prepare-file, which opens only regular files).
      const type = entry.isFile() ? 'file' : entry.isDirectory() ? 'folder' : null;
      yield* visit(childPath(path, entry.name), type);
    }
  }
  for (const path of paths) yield* visit(resolve(path), null);
}

function childPath(folder: string | Buffer, name: Buffer): string | Buffer {
  const text = name.toString('utf8');
  if (typeof folder === 'string' && Buffer.from(text).equals(name)) {
    return join(folder, text);
  }
  const parent = typeof folder === 'string' ? Buffer.from(folder) : folder;
  return Buffer.concat([parent, Buffer.from(sep), name]);
}

function heldBytes(prepared: PreparedFile | FileOutcome): number {
  return 'status' in prepared ? 0 : prepared.heldBytes;
}

/** A prepared file under the name its source gives it. */
function relabel(prepared: PreparedFile, source: ImportSource): PreparedFile {
  return {
    ...prepared,
    file: source.ref,
    reports: prepared.reports.map((report) =>
      report.kind === 'store'
        ? {
            ...report,
            item: {
              ...report.item,
              source: { kind: source.kind, ref: report.part === null ? source.ref : `${source.ref} [${report.part}]` },
            },
          }
        : report,
    ),
  };
}

function summarizeFile(file: string, reports: ReportOutcome[]): FileOutcome {
  const status = fileStatus(reports);
  return { file, status, reports, message: describeReports(reports) };
}

function skippedFile(file: string, reason: string): FileOutcome {
  return { file, status: 'skipped', reports: [], message: reason };
}

function rejectedFile(file: string, error: string): FileOutcome {
  return {
    file,
    status: 'rejected',
    reports: [{ status: 'rejected', field: null, error, part: null }],
    message: error,
  };
}

function describeReports(reports: readonly ReportOutcome[]): string {
  const parts = reports.map((report) => {
    const where = report.part === null ? '' : `${report.part}: `;
    switch (report.status) {
      case 'imported':
        return `${where}report ${report.reportId} from ${report.organization}${report.warnings > 0 ? ` (${plural(report.warnings, 'warning')})` : ''}`;
      case 'duplicate':
        return `${where}report ${report.reportId} from ${report.organization} is already stored${report.sameContent ? '' : ' (with different content; the stored one is kept)'}`;
      case 'rejected':
        return `${where}${report.field === null ? '' : `${report.field}: `}${report.error}`;
    }
  });
  return parts.join('; ');
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
