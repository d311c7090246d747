import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  private dir: Promise<string> | null = null;
  private readonly files = new Map<string, SpooledUpload & { bytes: number; at: number }>();
  private spooledBytes = 0;
  private receiving = 0;

  async receive(name: string, body: Readable, declaredLength: number | null): Promise<SpooledUpload> {
    this.forgetAbandoned();
    if (declaredLength !== null && declaredLength > MAX_INPUT_FILE_BYTES) {
      throw new UploadRefused(
        413,
        `the file is ${formatBytes(declaredLength)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`,
      );
    }
    if (this.receiving >= MAX_CONCURRENT_UPLOADS) {
      throw new UploadRefused(
        503,
        `already receiving ${MAX_CONCURRENT_UPLOADS} uploads; send this one again after them`,
      );
    }
    if (this.spooledBytes + (declaredLength ?? 0) > MAX_SPOOLED_BYTES) {
      throw new UploadRefused(507, 'too many uploads waiting to be imported; import them first');
    }
    this.receiving += 1;
    const id = randomUUID();
    const folder = join(await this.folder(), id);
    // The file's own name, so that the import tells a .json.gz from an .eml as it does on disk.
    const path = join(folder, safeFileName(name));
    let bytes = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > MAX_INPUT_FILE_BYTES) {
          callback(
            new UploadRefused(413, `the file is over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit; upload stopped`),
          );
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

  /** Removes imported uploads from disk. */
  async release(uploads: readonly SpooledUpload[]): Promise<void> {
    const dir = this.dir === null ? null : await this.dir;
    if (dir === null) return;
    await Promise.all(uploads.map((upload) => rm(join(dir, upload.id), { recursive: true, force: true })));
  }

  async close(): Promise<void> {
    const dir = this.dir === null ? null : await this.dir;
    this.files.clear();
    this.spooledBytes = 0;
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }

  private folder(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'tlsrpt-uploads-'));
    return this.dir;
  }

  private forgetAbandoned(): void {
    const cutoff = Date.now() - ABANDONED_AFTER_MS;
    const old = [...this.files.values()].filter((upload) => upload.at < cutoff);
    void this.release(this.take(old.map((upload) => upload.id)));
  }
}

/** The last part of a browser's file name, without anything a file system would read as a folder. */
function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters have no place in a file name
  const base = (name.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f]/g, '').slice(-200);
  return base === '' || base === '.' || base === '..' ? 'upload' : base;
}
