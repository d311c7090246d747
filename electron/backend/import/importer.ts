import { createHash } from 'node:crypto';
import { open, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { FileOutcome, ImportProgress, ImportTotals, ReportOutcome } from '../../../shared/import/types.js';
import { addToTotals, emptyTotals, fileStatus } from '../../../shared/import/types.js';
import { parseTlsRptReport } from '../../../shared/report/parse.js';
import type { WritableDatabase } from '../db/database.js';
import { ReportWriter, type ReportSourceKind } from '../db/store-report.js';
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

/**
 * The one import path of the app: the command line, drag-and-drop, uploads
 * in serve mode and IMAP sync all end here. Every report is stored whole in
 * its own transaction, and no input, however broken, stops the others.
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
    for (const file of files) record(await this.importFile(file));
    return { files: outcomes, totals };
  }

  /** Imports one file from disk. */
  async importFile(path: string): Promise<FileOutcome> {
    let bytes: Uint8Array;
    try {
      const info = await stat(path);
      if (info.size > MAX_INPUT_FILE_BYTES) {
        return rejectedFile(
          path,
          `the file is ${formatBytes(info.size)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`,
        );
      }
      const head = await readHead(path);
      const kind = classifyInput(basename(path), head);
      if (kind.kind === 'skip') return skippedFile(path, kind.reason);
      if (kind.kind === 'reject') return rejectedFile(path, kind.reason);
      bytes = await readFile(path);
    } catch (error) {
      return rejectedFile(path, `cannot read the file: ${describeIoError(error)}`);
    }
    return this.importBytes(bytes, { kind: 'file', ref: path });
  }

  /**
   * Imports the bytes of one file or message: a report (JSON or gzip) or a
   * report e-mail, told apart by their content.
   */
  async importBytes(bytes: Uint8Array, source: ImportSource, name = basename(source.ref)): Promise<FileOutcome> {
    if (bytes.length > MAX_INPUT_FILE_BYTES) {
      return rejectedFile(
        source.ref,
        `${formatBytes(bytes.length)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`,
      );
    }
    const kind = classifyInput(name, bytes.subarray(0, HEAD_BYTES));
    switch (kind.kind) {
      case 'skip':
        return skippedFile(source.ref, kind.reason);
      case 'reject':
        return rejectedFile(source.ref, kind.reason);
      case 'report':
        return summarizeFile(source.ref, [this.importReport(bytes, source, null, null)]);
      case 'email':
        return this.importEmail(bytes, source);
    }
  }

  private async importEmail(bytes: Uint8Array, source: ImportSource): Promise<FileOutcome> {
    let email;
    try {
      email = await findReportsInEmail(bytes);
    } catch (error) {
      return rejectedFile(
        source.ref,
        `cannot read the e-mail: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (email.noReportReason !== null) return skippedFile(source.ref, email.noReportReason);
    const outcomes = email.attachments.map((attachment, index) =>
      this.importReport(attachment.content, source, attachment.filename ?? `part ${index + 1}`, email.date),
    );
    return summarizeFile(source.ref, outcomes);
  }

  /** Decodes, parses and stores one report document; never throws for bad input. */
  private importReport(
    bytes: Uint8Array,
    source: ImportSource,
    part: string | null,
    receivedAt: number | null,
  ): ReportOutcome {
    let payload;
    try {
      payload = decodeReportPayload(bytes);
    } catch (error) {
      if (error instanceof RejectedInput) return { status: 'rejected', field: null, error: error.message, part };
      throw error;
    }
    let parsed;
    try {
      parsed = parseTlsRptReport(payload.text);
    } catch (error) {
      // The parser turns every fault it knows into a rejection; anything else is a bug, but still one file's.
      const detail = error instanceof Error ? error.message : String(error);
      return { status: 'rejected', field: null, error: `could not be read: ${detail}`, part };
    }
    if (!parsed.ok) return { status: 'rejected', field: parsed.error.field, error: parsed.error.message, part };
    // Identity of the content, not of the bytes: the same report pretty-printed,
    // compact or gzipped is the same report.
    const contentSha256 = createHash('sha256').update(JSON.stringify(parsed.report)).digest('hex');
    const report = { ...parsed.report, reportId: parsed.report.reportId ?? `sha256:${contentSha256}` };
    let stored;
    try {
      stored = this.writer.store({
        report,
        warnings: parsed.warnings,
        source: { kind: source.kind, ref: part === null ? source.ref : `${source.ref} [${part}]` },
        receivedAt,
        rawGzip: payload.rawGzip,
        contentSha256,
      });
    } catch (error) {
      // The transaction was rolled back: nothing of this report is stored.
      const detail = error instanceof Error ? error.message : String(error);
      return { status: 'rejected', field: null, error: `could not be stored: ${detail}`, part };
    }
    const identity = { organization: report.organizationName, reportId: report.reportId, part };
    return stored.status === 'imported'
      ? { status: 'imported', ...identity, warnings: parsed.warnings.length }
      : { status: 'duplicate', ...identity, sameContent: stored.sameContent };
  }
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

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
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
