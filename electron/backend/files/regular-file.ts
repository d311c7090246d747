import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** A path named by a request, a command line or a folder that cannot be read as an ordinary file. */
class UnreadableFileError extends Error {
  override name = 'UnreadableFileError';

  /** Callers that print `String(error)` show the reason alone. */
  override toString(): string {
    return this.message;
  }
}

const MiB = 1024 * 1024;

/** A CA bundle: Debian's whole ca-certificates.crt is about 220 KiB. */
export const MAX_CA_FILE_BYTES = 1 * MiB;

/**
 * Opening with O_NONBLOCK returns at once for a FIFO with no writer (a plain
 * open waits for one forever) and makes reads of files like /proc/kmsg fail
 * with EAGAIN instead of waiting for the next kernel message; regular files
 * ignore the flag.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

const CHUNK_BYTES = 64 * 1024;

/**
 * Files up to this size (nearly every report: 0.5–3 KiB gzipped) are read in
 * one call sized from fstat. Larger ones keep the chunked read: measured on
 * the hostile-cost test's four files (gzip of 60 MB of text and more), the
 * sized read shifted V8's collections so that a rejected 60 MB document was
 * still uncollected while the next one was parsed (peak 332 MB against 271),
 * and a large file is read twice anyway (its head first, see prepare-file.ts).
 */
const SIZED_READ_MAX_BYTES = 16 * 1024;

/** An opened regular file, read only through these bounded calls. */
export interface RegularFile {
  /** The size the file system reports; 0 for /proc files, whatever they hold. */
  readonly size: number;
  /** Up to `bytes` from the start. */
  head(bytes: number): Buffer;
  /** The whole file, or an error once it passes the cap given to {@link withRegularFile}. */
  all(): Buffer;
}

/**
 * Opens a file that someone else named (a CA file in a request, a file in a
 * folder to import) and lets `use` read it: only a regular file, at most
 * `maxBytes`, never waiting on a FIFO, a device or a kernel file. /dev/zero
 * would otherwise fill the memory (measured: 290 MB/s until killed at 7 GB),
 * a FIFO freeze the thread. The type and size are checked on the file
 * actually opened, and reading stops at the cap even where the size reported
 * is 0 (/proc files).
 */
export function withRegularFile<T>(path: string | Buffer, maxBytes: number, use: (file: RegularFile) => T): T {
  let handle: number;
  try {
    handle = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw new UnreadableFileError(describeFileError(error));
  }
  try {
    const info = fstatSync(handle);
    if (!info.isFile()) throw new UnreadableFileError(`not a regular file (${fileKind(info)})`);
    if (info.size > maxBytes) {
      throw new UnreadableFileError(`the file is ${formatSize(info.size)}, over the ${formatSize(maxBytes)} limit`);
    }
    return use({
      size: info.size,
      head: (bytes) => readUpTo(handle, Math.min(bytes, maxBytes), false),
      all: () =>
        info.size > 0 && info.size <= SIZED_READ_MAX_BYTES
          ? readSized(handle, info.size)
          : readUpTo(handle, maxBytes, true),
    });
  } finally {
    closeSync(handle);
  }
}

/** The whole of a regular file of at most `maxBytes`; see {@link withRegularFile}. */
export function readRegularFile(path: string | Buffer, maxBytes: number): Buffer {
  return withRegularFile(path, maxBytes, (file) => file.all());
}

/**
 * A file whose size the file system reports, read in one call into a buffer
 * of exactly that size. The size was checked against the cap on this very
 * handle, and no more than it is read, so the cap holds even for a file that
 * grows meanwhile (its new end is not imported: a file written while it is
 * read is torn anyway). Measured on 20,000 reports of ~2 KiB, this halved the
 * read (a 64 KiB buffer per file and a second read to see the end cost 23 µs
 * a file, against 13.5 for readFileSync). The buffer is its own memory, not a
 * slice of Node's shared pool: a worker thread moves it to the writer
 * instead of copying it.
 */
function readSized(handle: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafeSlow(size);
  let total = 0;
  while (total < size) {
    const read = readChunk(handle, buffer, total, size - total, total);
    // The file was shortened since fstat: what it holds now.
    if (read === 0) return buffer.subarray(0, total);
    total += read;
  }
  return buffer;
}

function readChunk(handle: number, buffer: Buffer, offset: number, length: number, position: number): number {
  try {
    return readSync(handle, buffer, offset, length, position);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
      throw new UnreadableFileError('reading it would wait for data (a kernel or device file, not a report)');
    }
    throw new UnreadableFileError(describeFileError(error));
  }
}

/** Reads in chunks up to a limit: for files whose size says nothing (/proc files report 0). */
function readUpTo(handle: number, limit: number, failOverLimit: boolean): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  // One byte past the limit tells a file of exactly `limit` bytes from a longer one.
  const wanted = failOverLimit ? limit + 1 : limit;
  while (total < wanted) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, wanted - total));
    const read = readChunk(handle, chunk, 0, chunk.length, total);
    if (read === 0) break;
    chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
    total += read;
  }
  if (failOverLimit && total > limit) throw new UnreadableFileError(`the file is over the ${formatSize(limit)} limit`);
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, total);
}

function fileKind(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

export function describeFileError(error: unknown): string {
  if (error instanceof UnreadableFileError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  if (code === 'ELOOP') return 'too many symbolic links';
  if (code === 'ENXIO') return 'not a regular file (a socket or device with nothing behind it)';
  return code ?? (error instanceof Error ? error.message : String(error));
}

function formatSize(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}
