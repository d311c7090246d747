import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ApiErrorCode, ApiResult } from '../../../shared/api/contract.js';
import { dispatch } from '../api/dispatch.js';
import type { ApiHandlers } from '../api/handlers.js';
import { SECURITY_HEADERS, resolveStaticFile } from './static-files.js';

export interface HttpServerOptions {
  handlers: ApiHandlers;
  /** The built renderer (dist/renderer); null serves the API only. */
  rendererDir: string | null;
}

/** Uploads in serve mode arrive as base64 JSON; this bounds one request. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

const STATUS_FOR: Record<ApiErrorCode, number> = {
  'invalid-request': 400,
  'not-found': 404,
  unavailable: 409,
  failed: 422,
  internal: 500,
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
  const server = createServer((request, response) => {
    handle(server, options, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, failure('internal', String(error)));
      else response.destroy();
    });
  });
  return server;
}

async function handle(
  server: Server,
  options: HttpServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const host = request.headers.host ?? '';
  if (!isAllowedHost(server, host)) {
    sendText(response, 421, 'This server answers only to its own address.');
    return;
  }
  const url = new URL(request.url ?? '/', `http://${host}`);
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

/** The Host header must be this server's own name: a loopback name, or the address it was bound to. */
function isAllowedHost(server: Server, host: string): boolean {
  const address = server.address();
  if (address === null || typeof address === 'string') return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!match) return false;
  const [, name = '', port] = match;
  if (port !== undefined && Number(port) !== address.port) return false;
  const bound = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return LOOPBACK_NAMES.has(name.toLowerCase()) || name === bound;
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
  const origin = request.headers.origin;
  if ((origin !== undefined && origin !== `http://${host}`) || request.headers['sec-fetch-site'] === 'cross-site') {
    sendJson(response, 403, failure('invalid-request', 'cross-origin requests are refused'));
    return;
  }
  if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    sendJson(response, 415, failure('invalid-request', 'API calls carry application/json'));
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(request));
  } catch (error) {
    sendJson(response, 400, failure('invalid-request', error instanceof Error ? error.message : 'unreadable body'));
    return;
  }
  const method = decodeURIComponent(url.pathname.slice('/api/'.length));
  const result = await dispatch(options.handlers, method, body);
  sendJson(response, result.ok ? 200 : STATUS_FOR[result.error.code], result);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES / 1024 / 1024} MiB`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
