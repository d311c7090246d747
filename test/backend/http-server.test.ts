import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../shared/security.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { createHttpServer } from '../../electron/backend/serve/http-server.js';
import { useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function serve(options: { built?: boolean } = {}): Promise<number> {
  const root = tempDir();
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  if (options.built !== false) writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ui</title>');
  writeFileSync(join(root, 'secret.txt'), 'secret');
  const db = openDatabase(join(root, 'serve.sqlite'));
  const { handlers } = createApiHandlers({ db, databasePath: 'x', transport: 'http', allowPaths: false });
  const server = createHttpServer({ handlers, rendererDir });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { Host: `127.0.0.1:${port}`, ...options.headers },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

const json = { 'Content-Type': 'application/json' };

describe('serve mode over HTTP', () => {
  it('serves the UI with its security headers', async () => {
    const port = await serve();
    const page = await send(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ui</title>');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('answers contract calls posted as JSON', async () => {
    const port = await serve();
    const upload = await send(port, '/api/startImport', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ files: [{ name: 'r.json', base64: Buffer.from(reportJson()).toString('base64') }] }),
    });
    expect(upload.status).toBe(200);
    const { value } = JSON.parse(upload.body) as { value: { jobId: string } };
    let status: { done: boolean; progress: { totals: { imported: number } } };
    do {
      const reply = await send(port, '/api/importStatus', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ jobId: value.jobId, since: 0 }),
      });
      status = (JSON.parse(reply.body) as { value: typeof status }).value;
    } while (!status.done);
    expect(status.progress.totals.imported).toBe(1);
    const summary = await send(port, '/api/summary', { method: 'POST', headers: json, body: '{"filter":{}}' });
    expect(JSON.parse(summary.body)).toMatchObject({ ok: true, value: { reports: 1 } });
  });

  it('refuses another Host (DNS rebinding)', async () => {
    const port = await serve();
    const reply = await send(port, '/', { headers: { Host: `attacker.example:${port}` } });
    expect(reply.status).toBe(421);
    expect((await send(port, '/', { headers: { Host: `localhost:${port}` } })).status).toBe(200);
    expect((await send(port, '/', { headers: { Host: `127.0.0.1:${port + 1}` } })).status).toBe(421);
  });

  it('refuses cross-origin calls, other content types and other methods', async () => {
    const port = await serve();
    const crossOrigin = await send(port, '/api/summary', {
      method: 'POST',
      headers: { ...json, Origin: 'https://evil.example' },
      body: '{"filter":{}}',
    });
    expect(crossOrigin.status).toBe(403);
    const form = await send(port, '/api/summary', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{"filter":{}}',
    });
    expect(form.status).toBe(415);
    expect((await send(port, '/api/summary')).status).toBe(405);
    expect((await send(port, '/api/summary', { method: 'POST', headers: json, body: '{oops' })).status).toBe(400);
    expect((await send(port, '/api/nothing', { method: 'POST', headers: json, body: '{}' })).status).toBe(400);
    // No such report: an answer (as over IPC), not an HTTP error.
    const missing = await send(port, '/api/report', { method: 'POST', headers: json, body: '{"id": 12345}' });
    expect(missing.status).toBe(200);
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('serves nothing outside the renderer folder', async () => {
    const port = await serve();
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/../../secret.txt']) {
      const reply = await send(port, path);
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('secret');
    }
  });

  it('says how to build the UI when it is not built', async () => {
    const port = await serve({ built: false });
    const reply = await send(port, '/');
    expect(reply.status).toBe(503);
    expect(reply.body).toContain('npm run build');
  });
});
