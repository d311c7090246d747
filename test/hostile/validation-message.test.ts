// A request made of unknown keys (issue 23, point 9): zod's message listed
// every one of them, so the 400 repeated the stranger's whole body (17.6 MB
// for 1.29M keys). Against the real HTTP server of serve mode.
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { UploadSpool } from '../../electron/backend/import/upload-spool.js';
import { createHttpServer } from '../../electron/backend/serve/http-server.js';
import { useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();
let server: Server;
let port: number;
let db: WritableDatabase;
let uploads: UploadSpool;
let idle: () => Promise<void>;

beforeAll(async () => {
  const root = tempDir();
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ui</title>');
  db = openDatabase(join(root, 'serve.sqlite'));
  uploads = new UploadSpool();
  const { handlers, jobs } = createApiHandlers({
    db,
    databasePath: 'x',
    transport: 'http',
    allowPaths: false,
    uploads,
  });
  idle = () => jobs.idle();
  server = createHttpServer({ handlers, rendererDir, uploads });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await idle();
  await uploads.close();
  db.close();
});

function post(path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    )
      .on('error', reject)
      .end(body);
  });
}

describe('the answer to a request the contract refuses', () => {
  it('names a few of a thousand long unknown keys and how many more, not all of them', async () => {
    // 900 keys of 10,000 characters: 9 MB, inside the body limits (16 MiB, 1,000 key names).
    const body: Record<string, unknown> = { filter: {} };
    for (let i = 0; i < 900; i++) body[`${String(i).padStart(4, '0')}${'k'.repeat(9_996)}`] = 1;
    const reply = await post('/api/summary', JSON.stringify(body));
    expect(reply.status).toBe(400);
    const answer = JSON.parse(reply.body) as { ok: boolean; error: { code: string; message: string } };
    expect(answer.ok).toBe(false);
    expect(answer.error.code).toBe('invalid-request');
    expect(answer.error.message).toMatch(/^summary: Unrecognized keys: "0000k+…", .* and 895 more$/);
    expect(reply.body.length).toBeLessThan(2_000);
  });

  it('still says exactly what is wrong with a small request', async () => {
    const reply = await post('/api/summary', JSON.stringify({ filter: {}, sql: 'DROP TABLE reports' }));
    expect(reply.status).toBe(400);
    expect((JSON.parse(reply.body) as { error: { message: string } }).error.message).toBe(
      'summary: Unrecognized key: "sql"',
    );
  });
});
