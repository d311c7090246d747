import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ApiErrorCode, ApiResult, FailuresCsvRequest } from '../../../shared/api/contract.js';
import {
  FAILURES_CSV_REQUEST_PARAMETER,
  FAILURES_CSV_ROUTE,
  UPLOAD_NAME_HEADER,
  UPLOAD_ROUTE,
  describeValidationError,
  failuresCsvFileName,
  failuresCsvRequestSchema,
} from '../../../shared/api/contract.js';
import { checkJsonShape } from '../../../shared/report/json-shape.js';
import { dispatch } from '../api/dispatch.js';
import type { ApiHandlers } from '../api/handlers.js';
import { UploadRefused, type UploadSpool } from '../import/upload-spool.js';
import { clientAddress, isLoopbackAddress, refusedAccess, type AccessOptions } from './access.js';
import type { ReportReceiver } from './report-receiver.js';
import { SECURITY_HEADERS, resolveStaticFile } from './static-files.js';

export interface HttpServerOptions {
  handlers: ApiHandlers;
  /** The built renderer (dist/renderer); null serves the API only. */
  rendererDir: string | null;
  /** Where uploads are spooled; without one, `POST /api/upload` is refused. */
  uploads?: UploadSpool;
  /** `--receive PATH`: reports POSTed by senders (RFC 8460 §5.3), from any address the server is reachable at. */
  receiver?: ReportReceiver;
  /** `--metrics`: `GET /metrics` for Prometheus, answered to this machine only. */
  metrics?: MetricsSource;
  /** Who may use the UI and the API besides the receiver's senders; this machine and anyone by default. */
  access?: AccessOptions;
  /** The CSV export behind `GET /api/failures.csv` (createApiHandlers' failuresCsv); without one, it is refused. */
  failuresCsv?: (request: FailuresCsvRequest) => Readable;
}

/** What `GET /metrics` answers. */
interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

const METRICS_PATH = '/metrics';

/**
 * CSV downloads at once: each holds a chunk (a few hundred KiB) and a read
 * of the database; past this they are refused with 503 rather than queued.
 */
const MAX_CSV_DOWNLOADS = 4;
/**
 * A CSV download whose client has taken nothing for this long is closed: an
 * open export holds a read snapshot, which keeps SQLite from recycling its
 * write-ahead log while imports run.
 */
const CSV_STALL_TIMEOUT_MS = 60_000;

/**
 * An API call's JSON body: filters, ids and settings are a few KiB; files
 * travel through the upload route, never inside a JSON body.
 */
const MAX_JSON_BODY_BYTES = 16 * 1024 * 1024;
/** JSON bodies read at once, in bytes: four clients at the cap, not four at 256 MiB (2.08 GB measured). */
const MAX_JSON_BODIES_BYTES = 64 * 1024 * 1024;
/**
 * A request's JSON: the deepest call (a mailbox's settings) is 4 levels, the
 * longest list 10,000 entries, and the contract names a few dozen keys (1.29
 * million different ones took 4.8 s and a 17.6 MB answer).
 */
const JSON_BODY_SHAPE = { maxDepth: 16, maxContainers: 50_000, maxValues: 200_000, maxKeyNames: 1_000 };

/**
 * Connections at once. A browser opens at most 6 to one host; past the cap
 * the connection idle the longest is closed for the newcomer, so that 20,000
 * idle sockets (measured: the server unreachable for 33 s) cannot keep the
 * browser out.
 */
export const MAX_CONNECTIONS = 128;
/** Headers arrive at once from a browser on this machine or its network. */
const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, body included: a 128 MiB upload over a slow network link takes a minute or two. */
const REQUEST_TIMEOUT_MS = 5 * 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * An API call's body, from its headers to its last byte: 16 MiB in 30 s is
 * 0.5 MiB/s, far below any network a browser of this app uses; a sender
 * slower than that holds a place and a reading buffer for nothing.
 */
const JSON_BODY_DEADLINE_MS = 30_000;

/**
 * A call the backend answered with a failure of its own (no such report, a
 * damaged database, a refused password) is an answer, as over IPC: 200 with
 * `ok: false`, which the page shows in words. Only a request the contract
 * refuses, or a fault, is an HTTP error: Chromium logs every 4xx and 5xx
 * answer to a fetch as a console error, and a "not found" page is not one.
 */
const STATUS_FOR: Record<ApiErrorCode, number> = {
  'invalid-request': 400,
  'not-found': 200,
  unavailable: 200,
  failed: 200,
  internal: 500,
  // serve is the backend and never answers it; a gateway in front of a stopped one answers 503 too.
  unreachable: 503,
};

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Serve mode: the renderer and the API contract over HTTP, for a browser on
 * this machine. Requests must name this server in their Host header (a DNS
 * rebinding page cannot), and API calls must be same-origin JSON posts (a
 * cross-site page cannot send one without a CORS preflight, which is never
 * granted).
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // Node checks those timeouts every 30 s by default: idle sockets would pile up in between.
      connectionsCheckingInterval: 1000,
    },
    (request, response) => {
      handle(server, options, request, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, failure('internal', String(error)));
        else response.destroy();
      });
    },
  );
  capConnections(server);
  return server;
}

/**
 * See {@link MAX_CONNECTIONS}. A new connection past the cap closes, in this
 * order: the connection idle the longest (no request, or between two); else
 * the one still sending its request at the lowest rate (bytes a second since
 * it connected), so that slow senders cannot hold every place (128 sockets
 * trickling a body locked every newcomer out for over 200 s); else the
 * newcomer itself. A connection whose request was received and waits for its
 * answer is never closed for a newcomer.
 */
function capConnections(server: Server): void {
  // Insertion order is age order; `phase` says what the connection is doing.
  const sockets = new Map<Socket, ConnectionState>();
  server.on('connection', (socket: Socket) => {
    const state: ConnectionState = { phase: 'idle', since: Date.now() };
    sockets.set(socket, state);
    socket.once('close', () => sockets.delete(socket));
    if (sockets.size <= MAX_CONNECTIONS) return;
    const victim = connectionToClose(sockets, socket);
    (victim ?? socket).destroy();
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // The request lets go of its socket once the response has finished: read it now, not in `close`.
    const socket = request.socket;
    const state = sockets.get(socket);
    if (!state) return;
    state.phase = request.complete ? 'answering' : 'receiving';
    state.since = Date.now();
    state.bytesAtStart = socket.bytesRead;
    request.once('end', () => {
      if (state.phase === 'receiving') state.phase = 'answering';
    });
    response.once('close', () => {
      state.phase = 'idle';
      // Re-queued as the youngest: it was just used.
      sockets.delete(socket);
      if (!socket.destroyed) sockets.set(socket, state);
    });
  });
}

interface ConnectionState {
  phase: 'idle' | 'receiving' | 'answering';
  since: number;
  bytesAtStart?: number;
}

function connectionToClose(sockets: Map<Socket, ConnectionState>, newcomer: Socket): Socket | null {
  let slowest: Socket | null = null;
  let slowestRate = Infinity;
  const now = Date.now();
  for (const [socket, state] of sockets) {
    if (socket === newcomer) continue;
    if (state.phase === 'idle') return socket;
    if (state.phase !== 'receiving') continue;
    const rate = (socket.bytesRead - (state.bytesAtStart ?? 0)) / Math.max(1, now - state.since);
    if (rate < slowestRate) {
      slowest = socket;
      slowestRate = rate;
    }
  }
  return slowest;
}

async function handle(
  server: Server,
  options: HttpServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // Senders reach the receiver through a proxy under the public name, which the Host check below refuses;
  // a page that rebinds DNS to it can only do what any sender may do.
  const receiver = options.receiver;
  if (receiver?.path === pathOf(request.url)) {
    await receiver.handle(request, response, clientAddress(request, options.access?.isLocal));
    return;
  }
  // Prometheus sends no user header; /metrics has its own check: this machine only.
  if (options.metrics && pathOf(request.url) === METRICS_PATH) {
    await serveMetrics(options.metrics, request, response, options.access?.isLocal ?? isLoopbackAddress);
    return;
  }
  const refused = refusedAccess(request, options.access);
  if (refused !== null) {
    sendText(response, refused.status, refused.message);
    return;
  }
  const host = request.headers.host ?? '';
  const publicOrigin = options.access?.publicOrigin;
  if (!isAllowedHost(server, host) && !(publicOrigin !== undefined && host === new URL(publicOrigin).host)) {
    sendText(
      response,
      421,
      'This server answers only to its own address: open it as http://127.0.0.1:PORT/ on this machine, or, when ' +
        'started with --host and --allow-remote, by the IP address it listens on (host names other than localhost ' +
        'are refused, against DNS rebinding).',
    );
    return;
  }
  let url: URL;
  try {
    url = new URL(request.url ?? '/', `http://${host}`);
  } catch {
    sendText(response, 400, 'Bad request.');
    return;
  }
  if (url.pathname === `/api/${FAILURES_CSV_ROUTE}`) {
    await handleCsvDownload(options, host, url, request, response);
    return;
  }
  if (url.pathname.startsWith('/api/')) {
    await handleApi(options, host, url, request, response);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'Method not allowed.');
    return;
  }
  serveStatic(options.rendererDir, url.pathname, request, response);
}

/**
 * The Host header must be this server's own name: a loopback name, or the
 * address it was bound to; bound to every address (0.0.0.0, ::), any address
 * of this machine's interfaces.
 */
function isAllowedHost(server: Server, host: string): boolean {
  const address = server.address();
  if (address === null || typeof address === 'string') return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!match) return false;
  const [, name = '', port] = match;
  if (port !== undefined && Number(port) !== address.port) return false;
  if (LOOPBACK_NAMES.has(name.toLowerCase())) return true;
  const bare = name.replace(/^\[|\]$/g, '').toLowerCase();
  if (address.address === '0.0.0.0' || address.address === '::') {
    return Object.values(networkInterfaces()).some((list) =>
      (list ?? []).some((entry) => entry.address.toLowerCase() === bare),
    );
  }
  return bare === address.address.toLowerCase();
}

async function handleApi(
  options: HttpServerOptions,
  host: string,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'POST') {
    sendJson(response, 405, failure('invalid-request', 'API calls are POST requests'));
    return;
  }
  if (isCrossOrigin(host, request, options.access?.publicOrigin)) {
    sendJson(response, 403, failure('invalid-request', 'cross-origin requests are refused'));
    return;
  }
  const route = url.pathname.slice('/api/'.length);
  if (route === UPLOAD_ROUTE) {
    await handleUpload(options.uploads, request, response);
    return;
  }
  if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    sendJson(response, 415, failure('invalid-request', 'API calls carry application/json'), true);
    return;
  }
  let method: string;
  try {
    method = decodeURIComponent(route);
  } catch {
    sendJson(response, 400, failure('invalid-request', 'the method name in the path is not valid percent-encoding'));
    return;
  }
  let text: string;
  try {
    text = await readJsonBody(request);
  } catch (error) {
    const refused = error instanceof BodyRefused ? error : new BodyRefused(400, 'unreadable body');
    sendJson(response, refused.status, failure('invalid-request', refused.message), true);
    return;
  }
  const shape = checkJsonShape(text, JSON_BODY_SHAPE);
  if (shape.overLimit !== null) {
    sendJson(response, 413, failure('invalid-request', `the request has ${shape.overLimit}`));
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.slice(0, 200) : 'unreadable body';
    sendJson(response, 400, failure('invalid-request', detail));
    return;
  }
  const result = await dispatch(options.handlers, method, body);
  sendJson(response, result.ok ? 200 : STATUS_FOR[result.error.code], result);
}

/** A request another site's page sent (its Origin, or the browser's Sec-Fetch-Site, says so). */
/** A request from a page of another origin than this server's (or the public URL a sign-in proxy serves it at). */
function isCrossOrigin(host: string, request: IncomingMessage, publicOrigin?: string): boolean {
  const origin = request.headers.origin;
  const sameOrigin = origin === undefined || origin === `http://${host}` || origin === publicOrigin;
  return !sameOrigin || request.headers['sec-fetch-site'] === 'cross-site';
}

let csvDownloads = 0;

/**
 * `GET /api/failures.csv?request=…` (csv-export.ts): the CSV written as the
 * client reads it, one chunk asked of the export at a time, so that an
 * export of any size holds a chunk; a client that stops reading is closed
 * after {@link CSV_STALL_TIMEOUT_MS}. A GET reaches no state, and a page of
 * another site is refused as for every API call (it could not read the
 * answer anyway); a same-site page of another port is refused too, since a
 * GET carries no Origin.
 */
async function handleCsvDownload(
  options: HttpServerOptions,
  host: string,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET') {
    sendJson(response, 405, failure('invalid-request', `${FAILURES_CSV_ROUTE} is a GET request`), true);
    return;
  }
  if (isCrossOrigin(host, request, options.access?.publicOrigin) || request.headers['sec-fetch-site'] === 'same-site') {
    sendJson(response, 403, failure('invalid-request', 'cross-origin requests are refused'));
    return;
  }
  const exportCsv = options.failuresCsv;
  if (!exportCsv) {
    sendJson(response, 409, failure('unavailable', 'this server has no CSV export'));
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(url.searchParams.get(FAILURES_CSV_REQUEST_PARAMETER) ?? '');
  } catch {
    sendJson(
      response,
      400,
      failure('invalid-request', `the ${FAILURES_CSV_REQUEST_PARAMETER} parameter must be a JSON failuresCsv request`),
    );
    return;
  }
  const valid = failuresCsvRequestSchema.safeParse(parsed);
  if (!valid.success) {
    sendJson(
      response,
      400,
      failure('invalid-request', `${FAILURES_CSV_ROUTE}: ${describeValidationError(valid.error)}`),
    );
    return;
  }
  if (csvDownloads >= MAX_CSV_DOWNLOADS) {
    sendJson(response, 503, failure('unavailable', 'other CSV exports are running; try again when they are done'));
    return;
  }
  csvDownloads += 1;
  const stream = exportCsv(valid.data);
  const chunks = stream[Symbol.asyncIterator]();
  try {
    // The first chunk runs the query: a failure is answered in words before any CSV is sent.
    let first: IteratorResult<unknown>;
    try {
      first = await chunks.next();
    } catch (error) {
      sendJson(
        response,
        500,
        failure('internal', `the export failed: ${error instanceof Error ? error.message : String(error)}`),
      );
      return;
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${failuresCsvFileName(new Date())}"`,
      'Cache-Control': 'no-store',
    });
    response.setTimeout(CSV_STALL_TIMEOUT_MS, () => response.destroy());
    // A client gone mid-way ends the pipeline, which ends the export (and its query).
    await pipeline(async function* () {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    }, response).catch(() => {
      response.destroy();
    });
  } finally {
    csvDownloads -= 1;
    stream.destroy();
  }
}

async function handleUpload(
  spool: UploadSpool | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!spool) {
    sendJson(response, 409, failure('unavailable', 'this server takes no uploads'), true);
    return;
  }
  const contentType = (request.headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('multipart/form-data')) {
    try {
      const parts = await spool.receiveMany(request, request.headers);
      const uploads = parts.map((part) =>
        'upload' in part ? { name: part.name, uploadId: part.upload.id } : { name: part.name, refused: part.refused },
      );
      sendJson(response, 200, { ok: true, value: { uploads } });
    } catch (error) {
      if (!(error instanceof UploadRefused)) throw error;
      sendUploadRefused(response, error);
    }
    return;
  }
  if (!contentType.startsWith('application/octet-stream')) {
    sendJson(
      response,
      415,
      failure('invalid-request', 'an upload carries application/octet-stream (one file) or multipart/form-data'),
      true,
    );
    return;
  }
  const encodedName = request.headers[UPLOAD_NAME_HEADER];
  let name: string;
  try {
    name = typeof encodedName === 'string' ? decodeURIComponent(encodedName) : '';
  } catch {
    name = '';
  }
  if (name === '' || name.length > 1024) {
    sendJson(response, 400, failure('invalid-request', `name the file in the ${UPLOAD_NAME_HEADER} header`), true);
    return;
  }
  const length = request.headers['content-length'];
  try {
    const upload = await spool.receive(name, request, length === undefined ? null : Number(length));
    sendJson(response, 200, { ok: true, value: { uploadId: upload.id } });
  } catch (error) {
    if (!(error instanceof UploadRefused)) throw error;
    sendUploadRefused(response, error);
  }
}

/** An upload the spool refused: 503 while it is full, else the request's fault. */
function sendUploadRefused(response: ServerResponse, error: UploadRefused): void {
  sendJson(
    response,
    error.status,
    failure(error.status === 503 ? 'unavailable' : 'invalid-request', error.message),
    true,
  );
}

class BodyRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let jsonBodiesBytes = 0;

/**
 * Reads a JSON body: refused by its Content-Length before a byte is read,
 * cut off where a body without one passes the cap, and refused while the
 * bodies being read at once would pass {@link MAX_JSON_BODIES_BYTES}.
 */
function readJsonBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  const limit = `${MAX_JSON_BODY_BYTES / 1024 / 1024} MiB`;
  if (declared > MAX_JSON_BODY_BYTES) {
    return Promise.reject(
      new BodyRefused(413, `request body of ${declared} bytes, over the ${limit} limit for an API call`),
    );
  }
  const reserved = Number.isFinite(declared) ? declared : 0;
  if (jsonBodiesBytes + reserved > MAX_JSON_BODIES_BYTES) {
    return Promise.reject(new BodyRefused(503, 'the server is reading other large requests; send this one again'));
  }
  jsonBodiesBytes += reserved;
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let counted = reserved;
    const deadline = setTimeout(() => {
      finish();
      request.removeAllListeners('data');
      request.pause();
      reject(new BodyRefused(408, `the request body did not arrive within ${JSON_BODY_DEADLINE_MS / 1000} s`));
    }, JSON_BODY_DEADLINE_MS);
    const finish = (): void => {
      clearTimeout(deadline);
      jsonBodiesBytes -= counted;
      counted = 0;
    };
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > counted) {
        jsonBodiesBytes += size - counted;
        counted = size;
      }
      if (size > MAX_JSON_BODY_BYTES || jsonBodiesBytes > MAX_JSON_BODIES_BYTES) {
        finish();
        request.removeAllListeners('data');
        request.pause();
        reject(
          size > MAX_JSON_BODY_BYTES
            ? new BodyRefused(413, `request body over the ${limit} limit for an API call`)
            : new BodyRefused(503, 'the server is reading other large requests; send this one again'),
        );
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      finish();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', (error) => {
      finish();
      reject(error);
    });
    request.on('close', finish);
  });
}

/** The path of a request's target, without its query. */
function pathOf(target: string | undefined): string {
  const path = (target ?? '/').split('?')[0] ?? '/';
  return path;
}

async function serveMetrics(
  metrics: MetricsSource,
  request: IncomingMessage,
  response: ServerResponse,
  isLocal: (address: string) => boolean,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'Metrics are read with GET.');
    return;
  }
  // Per-domain numbers are the reports' content: for this machine (a Prometheus beside it, or a proxy's).
  if (!isLocal(request.socket.remoteAddress ?? '')) {
    sendText(
      response,
      403,
      'The metrics are answered to this machine only: scrape them on it, or through a proxy on it.',
    );
    return;
  }
  const { contentType, body } = await metrics.render();
  response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function serveStatic(
  rendererDir: string | null,
  pathname: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (rendererDir === null || !existsSync(join(rendererDir, 'index.html'))) {
    sendText(
      response,
      503,
      'The UI is not built. Run "npm run build" in the tlsrpt-viewer folder, then start serve again.',
    );
    return;
  }
  const found = resolveStaticFile(rendererDir, pathname);
  if (!found) {
    sendText(response, 404, 'Not found.');
    return;
  }
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': found.contentType,
    'Cache-Control': pathname.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (request.method === 'HEAD') response.end();
  else createReadStream(found.file).pipe(response);
}

function failure(code: ApiErrorCode, message: string): ApiResult<never> {
  return { ok: false, error: { code, message } };
}

/** `close`: the body was not read; the connection is closed after the answer rather than reading the rest. */
function sendJson(response: ServerResponse, status: number, body: unknown, close = false): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...(close ? { Connection: 'close' } : {}),
  });
  response.end(JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
