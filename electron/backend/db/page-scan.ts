import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

// Reads a database file page by page, without SQLite, for `tlsrpt check-db
// --salvage` when SQLite cannot open the file at all: its first page (the
// schema) is overwritten, or the file was cut short. Every table leaf page
// that can still be read is taken apart as SQLite's file format describes
// (https://www.sqlite.org/fileformat2.html, sections 1.6 and 2.1), and the
// gzip blobs in its rows are handed back: a stored report keeps the original
// document gzipped (reports.raw_gzip), from which the importer rebuilds it.
// The write-ahead log beside the file is read too, for the pages committed
// there and not yet copied back.

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** B-tree page kinds (the first byte of a page's header): interior/leaf, index/table. */
const PAGE_KINDS = new Set([0x02, 0x05, 0x0a, 0x0d]);
const TABLE_LEAF = 0x0d;
const CANDIDATE_PAGE_SIZES = [4096, 16_384, 8192, 65_536, 32_768, 1024, 2048, 512];
/** Pages sampled to guess the page size of a file whose header is gone. */
const SAMPLED_PAGES = 256;
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

export interface PageScanResult {
  /** Pages read from the file (and its write-ahead log). */
  pages: number;
  /** The page size used: the header's, or, when the header is gone, the one that fits the pages best. */
  pageSize: number;
  /** Whether the first 100 bytes (the file header) were still readable. */
  headerIntact: boolean;
}

/** Something whose bytes can be read at an offset: the file, or its write-ahead log. */
interface PageSource {
  fd: number;
  /** Page number → byte offset of that page in this source; null past its end. */
  offset: (page: number) => number | null;
  pages: number;
}

/**
 * The gzip blobs (starting 1f 8b) of every row on every readable table leaf
 * page, in file order, each whole (its overflow pages followed); `onDone`
 * gets what was read. A damaged cell or a broken overflow chain costs that
 * row only. Memory: a page, and the blob being put together.
 */
export function* gzipBlobsInPages(file: string, onDone?: (result: PageScanResult) => void): Generator<Buffer> {
  const fd = openSync(file, 'r');
  const walFile = `${file}-wal`;
  const walFd = existsSync(walFile) ? openSync(walFile, 'r') : null;
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(100);
    readSync(fd, head, 0, 100, 0);
    const headerIntact = head.subarray(0, 16).equals(HEADER);
    const pageSize = headerIntact ? headerPageSize(head) : guessPageSize(fd, size);
    const reserved = headerIntact ? (head[20] ?? 0) : 0;
    const usable = pageSize - reserved;
    const main: PageSource = {
      fd,
      pages: Math.floor(size / pageSize),
      offset: (page) => (page >= 1 && page <= Math.floor(size / pageSize) ? (page - 1) * pageSize : null),
    };
    // The log's newest copy of a page wins, as SQLite reads it.
    const wal = walFd === null ? null : walSource(walFd, pageSize);
    const read = (page: number): Buffer | null => {
      const source = wal && wal.offset(page) !== null ? wal : main;
      const at = source.offset(page);
      if (at === null) return null;
      const buffer = Buffer.alloc(pageSize);
      return readSync(source.fd, buffer, 0, pageSize, at) === pageSize ? buffer : null;
    };
    let pages = 0;
    const lastPage = Math.max(main.pages, wal?.pages ?? 0);
    for (let page = 1; page <= lastPage; page++) {
      const data = read(page);
      if (!data) continue;
      pages += 1;
      const headerAt = page === 1 ? 100 : 0;
      if (data[headerAt] !== TABLE_LEAF) continue;
      yield* blobsOnLeaf(data, headerAt, usable, read);
    }
    onDone?.({ pages, pageSize, headerIntact });
  } finally {
    closeSync(fd);
    if (walFd !== null) closeSync(walFd);
  }
}

function headerPageSize(head: Buffer): number {
  const value = head.readUInt16BE(16);
  return value === 1 ? 65_536 : value;
}

/** The page size at which the most sampled pages start like a b-tree page. */
function guessPageSize(fd: number, size: number): number {
  let best = 4096;
  let bestScore = -1;
  const byte = Buffer.alloc(1);
  for (const candidate of CANDIDATE_PAGE_SIZES) {
    const pages = Math.floor(size / candidate);
    if (pages < 2) continue;
    const step = Math.max(1, Math.floor(pages / SAMPLED_PAGES));
    let looked = 0;
    let fit = 0;
    for (let page = 2; page <= pages; page += step) {
      readSync(fd, byte, 0, 1, (page - 1) * candidate);
      looked += 1;
      if (PAGE_KINDS.has(byte[0] ?? 0)) fit += 1;
    }
    const score = looked === 0 ? 0 : fit / looked;
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** The pages of a write-ahead log whose frames match the page size; the last frame of a page wins. */
function walSource(fd: number, pageSize: number): PageSource | null {
  const size = fstatSync(fd).size;
  if (size < WAL_HEADER_BYTES) return null;
  const head = Buffer.alloc(WAL_HEADER_BYTES);
  readSync(fd, head, 0, WAL_HEADER_BYTES, 0);
  if (head.readUInt32BE(8) !== pageSize) return null;
  const frame = WAL_FRAME_HEADER_BYTES + pageSize;
  const where = new Map<number, number>();
  const frameHead = Buffer.alloc(WAL_FRAME_HEADER_BYTES);
  let pages = 0;
  for (let at = WAL_HEADER_BYTES; at + frame <= size; at += frame) {
    readSync(fd, frameHead, 0, WAL_FRAME_HEADER_BYTES, at);
    const page = frameHead.readUInt32BE(0);
    if (page === 0) continue;
    where.set(page, at + WAL_FRAME_HEADER_BYTES);
    pages = Math.max(pages, page);
  }
  return { fd, pages, offset: (page) => where.get(page) ?? null };
}

/** A varint at `at`: its value and its length in bytes; null past the end. */
function varint(data: Buffer, at: number, end: number): [number, number] | null {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) return null;
    const byte = data[at + i] ?? 0;
    if (i === 8) return [value * 256 + byte, 9];
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  return null;
}

function* blobsOnLeaf(
  data: Buffer,
  headerAt: number,
  usable: number,
  read: (page: number) => Buffer | null,
): Generator<Buffer> {
  const cells = data.readUInt16BE(headerAt + 3);
  const maxLocal = usable - 35;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  for (let cell = 0; cell < cells; cell++) {
    const pointerAt = headerAt + 8 + cell * 2;
    if (pointerAt + 2 > data.length) return;
    let at = data.readUInt16BE(pointerAt);
    if (at < headerAt + 8 || at >= usable) continue;
    const size = varint(data, at, usable);
    if (!size) continue;
    at += size[1];
    const rowid = varint(data, at, usable);
    if (!rowid) continue;
    at += rowid[1];
    const payloadSize = size[0];
    let local = payloadSize;
    if (payloadSize > maxLocal) {
      const spill = minLocal + ((payloadSize - minLocal) % (usable - 4));
      local = spill <= maxLocal ? spill : minLocal;
    }
    if (at + local > usable) continue;
    const payload = wholePayload(data, at, local, payloadSize, usable, read);
    if (payload) yield* gzipBlobsInRecord(payload);
  }
}

/** A cell's payload, its overflow pages followed; null when the chain is broken. */
function wholePayload(
  data: Buffer,
  at: number,
  local: number,
  payloadSize: number,
  usable: number,
  read: (page: number) => Buffer | null,
): Buffer | null {
  if (local === payloadSize) return data.subarray(at, at + local);
  // Only rows whose local part could start a gzip blob are worth following.
  const parts: Buffer[] = [data.subarray(at, at + local)];
  let have = local;
  let next = data.readUInt32BE(at + local);
  const seen = new Set<number>();
  while (have < payloadSize) {
    if (next === 0 || seen.has(next)) return null;
    seen.add(next);
    const page = read(next);
    if (!page) return null;
    const take = Math.min(usable - 4, payloadSize - have);
    parts.push(page.subarray(4, 4 + take));
    have += take;
    next = page.readUInt32BE(0);
  }
  return Buffer.concat(parts, payloadSize);
}

/** The blobs of a record (the row's columns) that start like gzip. */
function* gzipBlobsInRecord(payload: Buffer): Generator<Buffer> {
  const headerSize = varint(payload, 0, payload.length);
  if (!headerSize || headerSize[0] > payload.length) return;
  let typeAt = headerSize[1];
  let valueAt = headerSize[0];
  while (typeAt < headerSize[0]) {
    const type = varint(payload, typeAt, headerSize[0]);
    if (!type) return;
    typeAt += type[1];
    const length = serialLength(type[0]);
    if (valueAt + length > payload.length) return;
    if (
      type[0] >= 12 &&
      type[0] % 2 === 0 &&
      length > 18 &&
      payload[valueAt] === 0x1f &&
      payload[valueAt + 1] === 0x8b
    ) {
      yield Buffer.from(payload.subarray(valueAt, valueAt + length));
    }
    valueAt += length;
  }
}

/** The length of a value of a record serial type (fileformat2, 2.1). */
function serialLength(type: number): number {
  if (type >= 12) return Math.floor((type - (type % 2 === 0 ? 12 : 13)) / 2);
  return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][type] ?? 0;
}
