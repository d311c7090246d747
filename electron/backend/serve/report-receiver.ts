import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileOutcome } from '../../../shared/import/types.js';
import type { ReportImporter } from '../import/importer.js';
import { formatBytes } from '../import/limits.js';
import { PreparePool } from '../import/prepare-pool.js';
import { UploadRefused, UploadSpool } from '../import/upload-spool.js';
import { RateLimiter } from './rate-limit.js';
import { SECURITY_HEADERS } from './static-files.js';

/** The media types of RFC 8460 §5.3 (and §6): a report, gzip-compressed or not. */
const REPORT_TYPES = new Set(['application/tlsrpt+gzip', 'application/tlsrpt+json']);

/**
 * A sender's report body, compressed: "a commonly observed receiver limit is
 * ten megabytes" (RFC 8460 §5.1), and the largest real reports are a few
 * hundred KiB gzipped.
 */
const DEFAULT_RECEIVE_MAX_BYTES = 10 * 1024 * 1024;
/** Reports a minute from one address: a provider's end-of-day burst for hundreds of domains passes. */
const DEFAULT_RECEIVE_RATE = 600;
/** Reports received at once; more wait for an answer of 503 and come again (senders retry, §5.4). */
const DEFAULT_RECEIVE_CONCURRENCY = 8;
/** A sender that is told to slow down, or that the receiver is busy, tries again after this long at the earliest. */
const BUSY_RETRY_SECONDS = 5;

export interface ReceiverOptions {
  importer: ReportImporter;
  /** The path senders POST to, as published in the `rua=https:` URI. */
  path: string;
  maxBytes?: number;
  /** Reports a minute per client address (the burst is as many). */
  ratePerMinute?: number;
  maxConcurrent?: number;
  /** After each import: how long it took and what became of it (the metrics' histogram). */
  onImported?: (seconds: number, outcome: FileOutcome) => void;
}

/**
 * `rua=https:` (RFC 8460 §3, §5.3): senders POST one report each, as
 * application/tlsrpt+gzip or application/tlsrpt+json. Each is bounded before
 * anything is read (its Content-Length, the sender's rate, the requests
 * being received), written to a private spool while it arrives (never whole
 * in memory, cut off past the limit), and imported by path like any file: the
 * same parse, limits, duplicates and warnings, in a worker thread.
 */
export class ReportReceiver {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly maxConcurrent: number;
  private readonly limiter: RateLimiter;
  private readonly spool: UploadSpool;
  private receiving = 0;
  private pool: PreparePool | null = null;

  constructor(private readonly options: ReceiverOptions) {
    this.path = options.path;
    this.maxBytes = options.maxBytes ?? DEFAULT_RECEIVE_MAX_BYTES;
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_RECEIVE_CONCURRENCY;
    this.limiter = new RateLimiter(options.ratePerMinute ?? DEFAULT_RECEIVE_RATE);
    this.spool = new UploadSpool({
      maxFileBytes: this.maxBytes,
      maxConcurrent: this.maxConcurrent,
      maxSpooledBytes: this.maxBytes * this.maxConcurrent,
    });
  }

  async handle(request: IncomingMessage, response: ServerResponse, client: string): Promise<void> {
    if (request.method !== 'POST') {
      answer(response, 405, `send reports here with POST (RFC 8460 §5.3), not ${request.method ?? 'nothing'}`, {
        Allow: 'POST',
      });
      return;
    }
    const retryIn = this.limiter.take(client);
    if (retryIn > 0) {
      answer(
        response,
        429,
        `too many reports from ${client}: at most ${this.limiter.ratePerMinute} a minute; try again in ${retryIn} s`,
        { 'Retry-After': String(retryIn) },
      );
      return;
    }
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!REPORT_TYPES.has(type)) {
      answer(
        response,
        415,
        `a report is sent as application/tlsrpt+gzip or application/tlsrpt+json (RFC 8460 §5.3), not ${
          type === '' ? 'without a Content-Type' : type
        }`,
      );
      return;
    }
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    // Content-Encoding gzip over a JSON report is the same bytes as a tlsrpt+gzip body: the import reads either.
    if (encoding !== 'identity' && encoding !== 'gzip') {
      answer(response, 415, `Content-Encoding ${encoding} is not read here; send the report gzip-compressed or as is`);
      return;
    }
    const declared = request.headers['content-length'];
    const length = declared === undefined ? null : Number(declared);
    if (length !== null && !(Number.isSafeInteger(length) && length >= 0)) {
      answer(response, 400, 'the Content-Length is not a number of bytes');
      return;
    }
    if (length !== null && length > this.maxBytes) {
      answer(
        response,
        413,
        `the report is ${formatBytes(length)}, over the ${formatBytes(this.maxBytes)} limit; send it gzip-compressed`,
      );
      return;
    }
    if (this.receiving >= this.maxConcurrent) {
      answer(response, 503, `already receiving ${this.maxConcurrent} reports; send this one again in a few seconds`, {
        'Retry-After': String(BUSY_RETRY_SECONDS),
      });
      return;
    }
    this.receiving += 1;
    try {
      await this.receive(request, response, client, length);
    } finally {
      this.receiving -= 1;
    }
  }

  private async receive(
    request: IncomingMessage,
    response: ServerResponse,
    client: string,
    length: number | null,
  ): Promise<void> {
    let upload;
    try {
      // Named .json: the import then reads gzip or JSON by its content, and never takes the body for an e-mail.
      upload = await this.spool.receive('report.json', request, length);
    } catch (error) {
      if (!(error instanceof UploadRefused)) throw error;
      answer(response, error.status === 507 ? 503 : error.status, error.message, {
        ...(error.status >= 500 ? { 'Retry-After': String(BUSY_RETRY_SECONDS) } : {}),
      });
      return;
    }
    const started = process.hrtime.bigint();
    let outcome: FileOutcome | undefined;
    try {
      this.spool.take([upload.id]);
      const result = await this.options.importer.importPaths([upload.path], {
        // A stranger's file is parsed in a worker thread: the UI and other senders are answered meanwhile.
        pool: this.workers(),
        sourceOf: () => ({ kind: 'upload', ref: `https POST from ${client}` }),
      });
      outcome = result.files[0];
    } catch (error) {
      // The database refused the write (damaged, read-only, full): the sender keeps the report and tries again.
      answer(
        response,
        503,
        `the report could not be stored now: ${error instanceof Error ? error.message : String(error)}`,
        {
          'Retry-After': '60',
        },
      );
      return;
    } finally {
      await this.spool.release([upload]);
    }
    if (!outcome) {
      answer(response, 500, 'the import gave no outcome for the report');
      return;
    }
    this.options.onImported?.(Number(process.hrtime.bigint() - started) / 1e9, outcome);
    const [status, text] = describe(outcome);
    answer(response, status, text);
  }

  /**
   * One worker thread for every report, started once: a thread per request
   * cost about 0.3 s a report on a loaded 2-core machine. A worker that died
   * (a report that ran it out of memory) is replaced, so that no later report
   * is parsed on the thread that answers requests.
   */
  private workers(): PreparePool {
    if (this.pool?.parallel !== true) {
      void this.pool?.close();
      this.pool = new PreparePool(1);
    }
    return this.pool;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
    await this.spool.close();
  }
}

/**
 * The answer for an import's outcome: 201 for a report stored; 200 for one
 * already stored, so that a sender whose first answer was lost stops
 * sending it again; 422 for a body that is no valid report (sending it again
 * will not help).
 */
function describe(outcome: FileOutcome): [number, string] {
  const report = outcome.reports[0];
  if (outcome.status === 'skipped' || report === undefined) return [422, `not a TLS-RPT report: ${outcome.message}`];
  switch (report.status) {
    case 'imported':
      return [201, `stored: ${outcome.message}`];
    case 'duplicate':
      return [200, outcome.message];
    case 'rejected':
      return [422, `not a valid TLS-RPT report: ${outcome.message}`];
  }
}

function answer(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  // A body that was refused unread is not read afterwards: the connection closes after the answer.
  const unread = status >= 400 && !response.req.complete;
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...(unread ? { Connection: 'close' } : {}),
    ...headers,
  });
  response.end(`${text}\n`);
}
