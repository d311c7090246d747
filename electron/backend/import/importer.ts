import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { FileOutcome, ImportProgress, ImportTotals, ReportOutcome } from '../../../shared/import/types.js';
import { addToTotals, emptyTotals, fileStatus } from '../../../shared/import/types.js';
import { parseTlsRptReport } from '../../../shared/report/parse.js';
import type { WritableDatabase } from '../db/database.js';
import { ReportWriter, type ReportSourceKind, type ReportToStore } from '../db/store-report.js';
import { classifyInput } from './classify.js';
import { findReportsInEmail } from './email.js';
import { MAX_INPUT_FILE_BYTES, formatBytes } from './limits.js';
import { RejectedInput, decodeReportPayload } from './payload.js';

export interface ImportSource {
  kind: ReportSourceKind;
  /** Path, upload name or mailbox URL; shown to the user and stored with each report. */
  ref: string;
}

export interface ImportPathsResult {
  files: FileOutcome[];
  totals: ImportTotals;
}

export interface ImportPathsOptions {
  /** Called after each file, in order. */
  onFile?: (outcome: FileOutcome, progress: ImportProgress) => void;
}

const HEAD_BYTES = 4096;
/** Files prepared before their reports are written in one transaction. */
const BATCH_FILES = 256;
/** …or fewer, when their report bytes add up to this much. */
const BATCH_BYTES = 16 * 1024 * 1024;

/** A report decoded and parsed, ready to store; or why it cannot be. */
type PreparedReport =
  | { kind: 'done'; outcome: ReportOutcome }
  | { kind: 'store'; item: ReportToStore; part: string | null; warnings: number };

/** A file (or upload, or message) read and parsed: everything but the database write. */
interface PreparedFile {
  file: string;
  /** Set when the file holds no report: skipped with this reason. */
  skipped: string | null;
  reports: PreparedReport[];
  bytes: number;
}

/**
 * The one import path of the app: the command line, drag-and-drop, uploads
 * in serve mode and IMAP sync all end here. Files are read and parsed, then
 * their reports written in one transaction per batch, each report whole or
 * not at all (a savepoint each); no input, however broken, stops the others.
 * Outcomes are announced only once their batch is committed.
 */
export class ReportImporter {
  private readonly writer: ReportWriter;

  constructor(db: WritableDatabase) {
    this.writer = new ReportWriter(db);
  }

  /** Imports files and folders (recursively, in name order). */
  async importPaths(paths: readonly string[], options: ImportPathsOptions = {}): Promise<ImportPathsResult> {
    const { files, missing } = await listInputFiles(paths);
    const outcomes: FileOutcome[] = [];
    const totals = emptyTotals();
    const total = files.length + missing.length;
    const record = (outcome: FileOutcome): void => {
      outcomes.push(outcome);
      addToTotals(totals, outcome);
      options.onFile?.(outcome, { done: outcomes.length, total, totals: { ...totals } });
    };
    missing.forEach(record);
    let batch: PreparedFile[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      this.commit(batch).forEach(record);
      batch = [];
      batchBytes = 0;
      // Let other work (HTTP requests in serve mode, IPC) run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    };
    for (const file of files) {
      const prepared = await this.prepareFile(file);
      batch.push(prepared);
      batchBytes += prepared.bytes;
      if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
    return { files: outcomes, totals };
  }

  /** Imports one file from disk. */
  async importFile(path: string): Promise<FileOutcome> {
    return this.commitOne(await this.prepareFile(path));
  }

  /**
   * Imports the bytes of one file or message: a report (JSON or gzip) or a
   * report e-mail, told apart by their content.
   */
  async importBytes(bytes: Uint8Array, source: ImportSource, name = basename(source.ref)): Promise<FileOutcome> {
    return this.commitOne(await this.prepareBytes(bytes, source, name));
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

  private async prepareFile(path: string): Promise<PreparedFile> {
    let bytes: Uint8Array;
    try {
      // Synchronous reads: one small file after another, where awaiting the thread pool costs more than the read.
      const info = statSync(path);
      if (info.size > MAX_INPUT_FILE_BYTES) {
        return rejectedPrepared(
          path,
          `the file is ${formatBytes(info.size)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`,
        );
      }
      if (info.size > HEAD_BYTES) {
        // Look at the start first, so a large file that is no report is not read whole.
        const kind = classifyInput(basename(path), readHead(path));
        if (kind.kind === 'skip') return skippedPrepared(path, kind.reason);
        if (kind.kind === 'reject') return rejectedPrepared(path, kind.reason);
      }
      bytes = readFileSync(path);
    } catch (error) {
      return rejectedPrepared(path, `cannot read the file: ${describeIoError(error)}`);
    }
    return this.prepareBytes(bytes, { kind: 'file', ref: path }, basename(path));
  }

  private async prepareBytes(bytes: Uint8Array, source: ImportSource, name: string): Promise<PreparedFile> {
    if (bytes.length > MAX_INPUT_FILE_BYTES) {
      return rejectedPrepared(
        source.ref,
        `${formatBytes(bytes.length)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`,
      );
    }
    const kind = classifyInput(name, bytes.subarray(0, HEAD_BYTES));
    switch (kind.kind) {
      case 'skip':
        return skippedPrepared(source.ref, kind.reason);
      case 'reject':
        return rejectedPrepared(source.ref, kind.reason);
      case 'report':
        return {
          file: source.ref,
          skipped: null,
          reports: [this.prepareReport(bytes, source, null, null)],
          bytes: bytes.length,
        };
      case 'email':
        return this.prepareEmail(bytes, source);
    }
  }

  private async prepareEmail(bytes: Uint8Array, source: ImportSource): Promise<PreparedFile> {
    let email;
    try {
      email = await findReportsInEmail(bytes);
    } catch (error) {
      return rejectedPrepared(
        source.ref,
        `cannot read the e-mail: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (email.noReportReason !== null) return skippedPrepared(source.ref, email.noReportReason);
    const reports = email.attachments.map((attachment, index) =>
      this.prepareReport(attachment.content, source, attachment.filename ?? `part ${index + 1}`, email.date),
    );
    return { file: source.ref, skipped: null, reports, bytes: bytes.length };
  }

  /** Decodes and parses one report document; never throws for bad input. */
  private prepareReport(
    bytes: Uint8Array,
    source: ImportSource,
    part: string | null,
    receivedAt: number | null,
  ): PreparedReport {
    const rejected = (field: string | null, error: string): PreparedReport => ({
      kind: 'done',
      outcome: { status: 'rejected', field, error, part },
    });
    let payload;
    try {
      payload = decodeReportPayload(bytes);
    } catch (error) {
      if (error instanceof RejectedInput) return rejected(null, error.message);
      throw error;
    }
    let parsed;
    try {
      parsed = parseTlsRptReport(payload.text);
    } catch (error) {
      // The parser turns every fault it knows into a rejection; anything else is a bug, but still one file's.
      return rejected(null, `could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!parsed.ok) return rejected(parsed.error.field, parsed.error.message);
    // Identity of the content, not of the bytes: the same report pretty-printed,
    // compact or gzipped is the same report.
    const contentSha256 = createHash('sha256').update(JSON.stringify(parsed.report)).digest('hex');
    const report = { ...parsed.report, reportId: parsed.report.reportId ?? `sha256:${contentSha256}` };
    return {
      kind: 'store',
      part,
      warnings: parsed.warnings.length,
      item: {
        report,
        warnings: parsed.warnings,
        source: { kind: source.kind, ref: part === null ? source.ref : `${source.ref} [${part}]` },
        receivedAt,
        rawGzip: payload.rawGzip,
        contentSha256,
      },
    };
  }
}

function skippedPrepared(file: string, reason: string): PreparedFile {
  return { file, skipped: reason, reports: [], bytes: 0 };
}

function rejectedPrepared(file: string, error: string): PreparedFile {
  return {
    file,
    skipped: null,
    reports: [{ kind: 'done', outcome: { status: 'rejected', field: null, error, part: null } }],
    bytes: 0,
  };
}

/** Expands folders (recursively, sorted, each real folder once) into the files to import. */
export async function listInputFiles(paths: readonly string[]): Promise<{ files: string[]; missing: FileOutcome[] }> {
  const files: string[] = [];
  const missing: FileOutcome[] = [];
  const seenFolders = new Set<string>();
  const visit = async (path: string): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      missing.push(rejectedFile(path, describeIoError(error)));
      return;
    }
    if (info.isFile()) {
      files.push(path);
      return;
    }
    if (!info.isDirectory()) {
      missing.push(skippedFile(path, 'not a regular file or folder'));
      return;
    }
    // Symbolic links may loop back to a parent folder.
    const real = await realpath(path);
    if (seenFolders.has(real)) return;
    seenFolders.add(real);
    let entries;
    try {
      entries = (await readdir(path)).sort();
    } catch (error) {
      missing.push(rejectedFile(path, `cannot read the folder: ${describeIoError(error)}`));
      return;
    }
    for (const entry of entries) await visit(resolve(path, entry));
  };
  for (const path of paths) await visit(resolve(path));
  return { files, missing };
}

function readHead(path: string): Uint8Array {
  const handle = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(HEAD_BYTES);
    const bytesRead = readSync(handle, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    closeSync(handle);
  }
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

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  return error instanceof Error ? error.message : String(error);
}
