import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { MAX_FILES_PER_UPLOAD, MAX_UPLOAD_REQUEST_BYTES } from '../../../shared/api/upload.js';
import { MAX_INPUT_FILE_BYTES, formatBytes } from './limits.js';

/** Why an upload was not taken; `status` is the HTTP answer. */
export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UploadRefused';
  }
}

/** A spooled upload, ready to import by path. */
export interface SpooledUpload {
  id: string;
  name: string;
  path: string;
}

/** One file of a multi-file upload: spooled, or refused with the reason. */
export type SpooledPart = { name: string; upload: SpooledUpload } | { name: string; refused: string };

export interface SpoolLimits {
  maxFileBytes?: number;
  maxConcurrent?: number;
  maxSpooledBytes?: number;
}

/** Uploads received but not yet imported, in bytes: a browser that never asks to import them fills no disk. */
const MAX_SPOOLED_BYTES = 2 * 1024 * 1024 * 1024;
/** Uploads received at once; a browser sends a few at a time (ImportProvider sends two). */
const MAX_CONCURRENT_UPLOADS = 4;
/** Spooled files that no import asked for are removed after this long. */
const ABANDONED_AFTER_MS = 30 * 60 * 1000;

/**
 * Files uploaded by a browser in serve mode, written to a private temporary
 * folder as they arrive (never whole in memory), then imported by path like
 * any file, by the worker threads of the import. A body over the file limit
 * is refused by its Content-Length before it is read, or cut off when it
 * passes the limit without one.
 */
export class UploadSpool {
  private readonly maxFileBytes: number;
  private readonly maxConcurrent: number;
  private readonly maxSpooledBytes: number;
  private dir: Promise<string> | null = null;
  private readonly files = new Map<string, SpooledUpload & { bytes: number; at: number }>();
  private spooledBytes = 0;
  private receiving = 0;

  /** The limits default to a browser's uploads; the HTTPS report receiver (report-receiver.ts) sets its own. */
  constructor(limits: SpoolLimits = {}) {
    this.maxFileBytes = limits.maxFileBytes ?? MAX_INPUT_FILE_BYTES;
    this.maxConcurrent = limits.maxConcurrent ?? MAX_CONCURRENT_UPLOADS;
    this.maxSpooledBytes = limits.maxSpooledBytes ?? MAX_SPOOLED_BYTES;
  }

  async receive(name: string, body: Readable, declaredLength: number | null): Promise<SpooledUpload> {
    this.forgetAbandoned();
    if (declaredLength !== null && declaredLength > this.maxFileBytes) {
      throw new UploadRefused(
        413,
        `the file is ${formatBytes(declaredLength)}, over the ${formatBytes(this.maxFileBytes)} limit`,
      );
    }
    if (this.receiving >= this.maxConcurrent) {
      throw new UploadRefused(503, `already receiving ${this.maxConcurrent} uploads; send this one again after them`);
    }
    if (this.spooledBytes + (declaredLength ?? 0) > this.maxSpooledBytes) {
      throw new UploadRefused(507, 'too many uploads waiting to be imported; import them first');
    }
    this.receiving += 1;
    const id = randomUUID();
    const folder = join(await this.folder(), id);
    // The file's own name, so that the import tells a .json.gz from an .eml as it does on disk.
    const path = join(folder, safeFileName(name));
    let bytes = 0;
    const maxFileBytes = this.maxFileBytes;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxFileBytes) {
          callback(new UploadRefused(413, `the file is over the ${formatBytes(maxFileBytes)} limit; upload stopped`));
          return;
        }
        callback(null, chunk);
      },
    });
    try {
      await mkdir(folder);
      await pipeline(body, limit, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      if (error instanceof UploadRefused) throw error;
      throw new UploadRefused(400, `the upload was cut off: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.receiving -= 1;
    }
    const upload = { id, name, path, bytes, at: Date.now() };
    this.files.set(id, upload);
    this.spooledBytes += bytes;
    return { id, name, path };
  }

  /**
   * Many files in one request (multipart/form-data, one part per file): the
   * per-request cost (a round trip, a spool folder) is paid once for up to
   * MAX_FILES_PER_UPLOAD files. Each part is written to disk as it arrives
   * and checked against the file limit on its own; a part over it is refused
   * alone, and the others are kept.
   */
  async receiveMany(body: Readable, headers: IncomingHttpHeaders): Promise<SpooledPart[]> {
    this.forgetAbandoned();
    const declared = headers['content-length'] === undefined ? null : Number(headers['content-length']);
    if (declared !== null && declared > MAX_UPLOAD_REQUEST_BYTES) {
      throw new UploadRefused(
        413,
        `the upload is ${formatBytes(declared)}, over the ${formatBytes(MAX_UPLOAD_REQUEST_BYTES)} limit for one request`,
      );
    }
    const contentType = headers['content-type'];
    if (contentType === undefined) throw new UploadRefused(415, 'a multi-file upload carries multipart/form-data');
    if (this.receiving >= MAX_CONCURRENT_UPLOADS) {
      throw new UploadRefused(
        503,
        `already receiving ${MAX_CONCURRENT_UPLOADS} uploads; send this one again after them`,
      );
    }
    if (this.spooledBytes + (declared ?? 0) > MAX_SPOOLED_BYTES) {
      throw new UploadRefused(507, 'too many uploads waiting to be imported; import them first');
    }
    this.receiving += 1;
    const folder = join(await this.folder(), randomUUID());
    const parts: Promise<SpooledPart>[] = [];
    // The parts still being written: a request that fails (cut off, over its limit, timed out) ends them, or
    // their writes would wait forever for the rest of a body that never comes, holding a slot and their files.
    const open = new Set<BusboyFileStream>();
    let requestBytes = 0;
    try {
      await mkdir(folder);
      const parser = Busboy({
        headers: { ...headers, 'content-type': contentType },
        // Folder drops name files by their path inside the drop: kept for display, cut for the disk.
        preservePath: true,
        limits: { files: MAX_FILES_PER_UPLOAD, fields: 0, fileSize: MAX_INPUT_FILE_BYTES, parts: MAX_FILES_PER_UPLOAD },
      });
      const over = { files: false };
      // Busboy counts files among parts: either limit means one part too many.
      parser.on('filesLimit', () => {
        over.files = true;
      });
      parser.on('partsLimit', () => {
        over.files = true;
      });
      parser.on('file', (_field: string, stream: BusboyFileStream, filename: string) => {
        const name = filename === '' ? 'upload' : filename;
        // One folder per request; the position keeps two parts of the same name apart.
        const path = join(folder, `${parts.length}-${safeFileName(name)}`);
        open.add(stream);
        stream.once('close', () => open.delete(stream));
        parts.push(
          this.writePart(stream, path).then((bytes) => {
            requestBytes += bytes ?? 0;
            return bytes === null
              ? { name, refused: `the file is over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit` }
              : { name, upload: this.keep(name, path, bytes) };
          }),
        );
      });
      // Without a Content-Length, the request is cut off once it passes its limit.
      let received = 0;
      const bounded = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (received > MAX_UPLOAD_REQUEST_BYTES) {
            callback(new UploadRefused(413, `over the ${formatBytes(MAX_UPLOAD_REQUEST_BYTES)} limit for one request`));
            return;
          }
          callback(null, chunk);
        },
      });
      await pipeline(body, bounded, parser);
      const settled = await Promise.all(parts);
      if (over.files) {
        throw new UploadRefused(413, `at most ${MAX_FILES_PER_UPLOAD} files in one upload request`);
      }
      if (requestBytes > MAX_UPLOAD_REQUEST_BYTES) {
        throw new UploadRefused(413, `over the ${formatBytes(MAX_UPLOAD_REQUEST_BYTES)} limit for one request`);
      }
      return settled;
    } catch (error) {
      // Nothing of a request that failed is kept: the browser sends it again or says why.
      for (const stream of open) stream.destroy(error instanceof Error ? error : new Error(String(error)));
      const settled = await Promise.allSettled(parts);
      this.take(
        settled.flatMap((part) =>
          part.status === 'fulfilled' && 'upload' in part.value ? [part.value.upload.id] : [],
        ),
      );
      await rm(folder, { recursive: true, force: true });
      if (error instanceof UploadRefused) throw error;
      throw new UploadRefused(400, `the upload was cut off: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.receiving -= 1;
    }
  }

  /** Writes one part; its bytes, or null when it passed the file limit (then nothing of it is kept). */
  private async writePart(stream: BusboyFileStream, path: string): Promise<number | null> {
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(stream, count, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    if (stream.truncated) {
      await rm(path, { force: true });
      return null;
    }
    return bytes;
  }

  private keep(name: string, path: string, bytes: number): SpooledUpload {
    const id = randomUUID();
    this.files.set(id, { id, name, path, bytes, at: Date.now() });
    this.spooledBytes += bytes;
    return { id, name, path };
  }

  /** The uploads with these ids, handed to an import: each is taken once. */
  take(ids: readonly string[]): SpooledUpload[] {
    const taken: SpooledUpload[] = [];
    for (const id of ids) {
      const upload = this.files.get(id);
      if (!upload) continue;
      this.files.delete(id);
      this.spooledBytes -= upload.bytes;
      taken.push({ id: upload.id, name: upload.name, path: upload.path });
    }
    return taken;
  }

  /** Removes imported uploads from disk, and their request's folder once it is empty. */
  async release(uploads: readonly SpooledUpload[]): Promise<void> {
    const dir = this.dir === null ? null : await this.dir;
    if (dir === null) return;
    const folders = new Set<string>();
    await Promise.all(
      uploads.map(async (upload) => {
        await rm(upload.path, { force: true });
        folders.add(dirname(upload.path));
      }),
    );
    for (const folder of folders) {
      if (!folder.startsWith(dir) || folder === dir) continue;
      // Another import may still hold files of the same request: the folder goes with the last of them.
      await rmdir(folder).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const dir = this.dir === null ? null : await this.dir;
    this.files.clear();
    this.spooledBytes = 0;
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }

  private folder(): Promise<string> {
    // The process id in the name lets the next start tell a killed serve's spool from a running one's.
    this.dir ??= mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
    return this.dir;
  }

  private forgetAbandoned(): void {
    const cutoff = Date.now() - ABANDONED_AFTER_MS;
    const old = [...this.files.values()].filter((upload) => upload.at < cutoff);
    void this.release(this.take(old.map((upload) => upload.id)));
  }
}

const SPOOL_PREFIX = 'tlsrpt-uploads-';

/**
 * Removes the spool folders of serve processes that are gone (killed, or
 * stopped by a crash before they could clean up): run when serve starts. A
 * folder whose process still runs is another serve's, and is left alone.
 * Returns the folders removed.
 */
export async function reclaimAbandonedSpools(): Promise<string[]> {
  const removed: string[] = [];
  const root = tmpdir();
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = new RegExp(`^${SPOOL_PREFIX}(\\d+)-[^/]+$`).exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    const folder = join(root, name);
    const info = await lstat(folder).catch(() => null);
    // Only our own folders: another user's /tmp entries are not ours to judge.
    if (!info?.isDirectory() || (process.getuid !== undefined && info.uid !== process.getuid())) continue;
    await rm(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The last part of a browser's file name, without anything a file system would read as a folder. */
function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters have no place in a file name
  const base = (name.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f]/g, '').slice(-200);
  return base === '' || base === '.' || base === '..' ? 'upload' : base;
}
