import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ReportOutcome } from '../../../shared/import/types.js';
import { parseTlsRptReport } from '../../../shared/report/parse.js';
import type { ReportSourceKind } from '../../../shared/report/types.js';
import type { ReportToStore } from '../db/store-report.js';
import { describeFileError, withRegularFile } from '../files/regular-file.js';
import { classifyInput, type InputKind } from './classify.js';
import { findReportsInEmail } from './email.js';
import { MAX_INPUT_FILE_BYTES, formatBytes } from './limits.js';
import { RejectedInput, decodeReportPayload } from './payload.js';

// Everything an import does before the database: read a file, tell what it
// is, decode and parse its reports. No database here, so it runs as well in
// a worker thread as in the thread that writes.

export interface ImportSource {
  kind: ReportSourceKind;
  /** Path, upload name or mailbox URL; shown to the user and stored with each report. */
  ref: string;
}

const HEAD_BYTES = 4096;

/** A report decoded and parsed, ready to store; or why it cannot be. */
type PreparedReport =
  | { kind: 'done'; outcome: ReportOutcome }
  | { kind: 'store'; item: ReportToStore; part: string | null; warnings: number; heldBytes: number };

/** A file (or upload, or message) read and parsed: everything but the database write. */
export interface PreparedFile {
  file: string;
  /** Set when the file holds no report: skipped with this reason. */
  skipped: string | null;
  reports: PreparedReport[];
  /**
   * About the memory it holds until it is written: what read-ahead and
   * batches are bounded by. A report with 10,000 policies is a few dozen KiB
   * of gzip but megabytes of parsed objects, so it is counted by its text.
   */
  heldBytes: number;
}

/** A prepared file's own fields, paths and outcomes, whatever its reports. */
const FILE_OVERHEAD_BYTES = 512;
/**
 * The objects JSON.parse makes, per character of report text: measured 1.6
 * (1.8 KB of heap for 1.1 KB of text, synthetic reports); 2 leaves room.
 */
const TREE_BYTES_PER_CHAR = 2;

function heldBytesOf(reports: readonly PreparedReport[]): number {
  return reports.reduce((sum, report) => sum + (report.kind === 'store' ? report.heldBytes : 0), FILE_OVERHEAD_BYTES);
}

export async function prepareFile(path: string | Uint8Array): Promise<PreparedFile> {
  const file = displayPath(path);
  let read: Uint8Array | { skipped: string } | { rejected: string };
  // What the head of a large file said, so that its bytes are not classified again.
  let known: InputKind | null = null;
  try {
    // Synchronous reads: one small file after another, where awaiting the thread pool costs more than the read.
    // Only regular files, opened without waiting: a FIFO or /proc/kmsg in a folder must not hang the import.
    read = withRegularFile(asPathLike(path), MAX_INPUT_FILE_BYTES, (opened) => {
      // Also what /proc and /sys files report: nothing to import, and reading some of them has side effects.
      if (opened.size === 0) return { skipped: 'an empty file' };
      if (opened.size > HEAD_BYTES) {
        // Look at the start first, so a large file that is no report is not read whole.
        const kind = classifyInput(basename(file), opened.head(HEAD_BYTES));
        if (kind.kind === 'skip') return { skipped: kind.reason };
        if (kind.kind === 'reject') return { rejected: kind.reason };
        known = kind;
      }
      return opened.all();
    });
  } catch (error) {
    return rejectedPrepared(file, `cannot read the file: ${describeIoError(error)}`);
  }
  if ('skipped' in read) return skippedPrepared(file, read.skipped);
  if ('rejected' in read) return rejectedPrepared(file, read.rejected);
  return prepareBytes(read, { kind: 'file', ref: file }, basename(file), known);
}

export async function prepareBytes(
  bytes: Uint8Array,
  source: ImportSource,
  name: string,
  known: InputKind | null = null,
): Promise<PreparedFile> {
  if (bytes.length > MAX_INPUT_FILE_BYTES) {
    return rejectedPrepared(
      source.ref,
      `${formatBytes(bytes.length)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`,
    );
  }
  const kind = known ?? classifyInput(name, bytes.subarray(0, HEAD_BYTES));
  switch (kind.kind) {
    case 'skip':
      return skippedPrepared(source.ref, kind.reason);
    case 'reject':
      return rejectedPrepared(source.ref, kind.reason);
    case 'report': {
      const reports = [prepareReport(bytes, source, null, null)];
      return { file: source.ref, skipped: null, reports, heldBytes: heldBytesOf(reports) };
    }
    case 'email':
      return prepareEmail(bytes, source);
  }
}

async function prepareEmail(bytes: Uint8Array, source: ImportSource): Promise<PreparedFile> {
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
    prepareReport(attachment.content, source, attachment.filename ?? `part ${index + 1}`, email.date),
  );
  return { file: source.ref, skipped: null, reports, heldBytes: heldBytesOf(reports) };
}

/** Decodes and parses one report document; never throws for bad input. */
function prepareReport(
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
    heldBytes: payload.rawGzip.byteLength + TREE_BYTES_PER_CHAR * payload.text.length,
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

function skippedPrepared(file: string, reason: string): PreparedFile {
  return { file, skipped: reason, reports: [], heldBytes: FILE_OVERHEAD_BYTES };
}

function rejectedPrepared(file: string, error: string): PreparedFile {
  return {
    file,
    skipped: null,
    reports: [{ kind: 'done', outcome: { status: 'rejected', field: null, error, part: null } }],
    heldBytes: FILE_OVERHEAD_BYTES,
  };
}

export function describeIoError(error: unknown): string {
  return describeFileError(error);
}

/**
 * A path as shown and stored: file names that are not UTF-8 (old Latin-1
 * folders) arrive as bytes, read with U+FFFD where a byte is not UTF-8.
 */
export function displayPath(path: string | Uint8Array): string {
  return typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('utf8');
}

/** A path that crossed to a worker thread arrives as a Uint8Array; node:fs takes it as a Buffer. */
function asPathLike(path: string | Uint8Array): string | Buffer {
  return typeof path === 'string' || Buffer.isBuffer(path)
    ? path
    : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}
