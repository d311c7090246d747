import { gunzipSync, gzipSync } from 'node:zlib';
import { MAX_REPORT_BYTES, formatBytes } from './limits.js';

/** A report document as bytes, ready for the parser and the store. */
export interface ReportPayload {
  text: string;
  /** The document gzip-compressed: the sender's own gzip bytes when it sent gzip. */
  rawGzip: Uint8Array;
}

/** Input that is not a usable report; the message says why in plain words. */
export class RejectedInput extends Error {
  override name = 'RejectedInput';
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns the bytes of a `.json`, a `.json.gz` or a report attachment into
 * text. Gzip is recognised by its magic number, not by a name or a label:
 * senders mislabel parts. Decompression stops at {@link MAX_REPORT_BYTES},
 * so a gzip bomb costs at most that much memory.
 *
 * node:zlib rather than pako here: measured on real reports, zlib inflates
 * 2.5–3.5 times faster (16 µs vs 38 µs for a Google report, 183 µs vs
 * 638 µs for a 4 KiB one) and has the output bound built in.
 */
export function decodeReportPayload(bytes: Uint8Array): ReportPayload {
  let document: Uint8Array;
  let rawGzip: Uint8Array;
  if (isGzip(bytes)) {
    document = gunzipBounded(bytes);
    rawGzip = ownBytes(bytes);
  } else {
    if (bytes.length > MAX_REPORT_BYTES) {
      throw new RejectedInput(
        `the report is ${formatBytes(bytes.length)}, over the ${formatBytes(MAX_REPORT_BYTES)} limit`,
      );
    }
    document = bytes;
    rawGzip = gzipSync(bytes);
  }
  let text: string;
  try {
    text = utf8.decode(document);
  } catch {
    throw new RejectedInput('not UTF-8 text (a TLS-RPT report is UTF-8 JSON)');
  }
  return { text, rawGzip };
}

/**
 * The bytes in a buffer of their own. A file is read in 64 KiB chunks, and a
 * 1 KiB report kept as a view of its chunk holds on to all 64 KiB: measured,
 * the reports in flight of an import then held 92 MB, and a worker thread
 * posting the view copies the whole chunk.
 */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

function gunzipBounded(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_REPORT_BYTES });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new RejectedInput(
        `decompresses to more than the ${formatBytes(MAX_REPORT_BYTES)} limit for a report (a gzip bomb, or not a report)`,
      );
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new RejectedInput(`damaged gzip data: ${detail}`);
  }
}
