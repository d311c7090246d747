import { once } from 'node:events';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { UPLOAD_NAME_HEADER } from '../../shared/api/contract.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { UploadSpool } from '../../electron/backend/import/upload-spool.js';
import { MAX_CONNECTIONS, createHttpServer } from '../../electron/backend/serve/http-server.js';
import { useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(): Promise<{ port: number; dbFile: string; server: Server }> {
  const root = tempDir();
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ui</title>');
  writeFileSync(join(root, 'secret.txt'), 'secret');
  symlinkSync(join(root, 'secret.txt'), join(rendererDir, 'leak.txt'));
  const dbFile = join(root, 'serve.sqlite');
  const db = openDatabase(dbFile);
  const uploads = new UploadSpool();
  const { handlers, jobs } = createApiHandlers({
    db,
    databasePath: 'x',
    transport: 'http',
    allowPaths: false,
    uploads,
  });
  const server: Server = createHttpServer({ handlers, rendererDir, uploads });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await jobs.idle();
    await uploads.close();
    db.close();
  });
  return { port: (server.address() as AddressInfo).port, dbFile, server };
}

interface Reply {
  status: number;
  body: string;
}

/** A request whose body is sent by `write` (which may send less than its Content-Length, or nothing). */
function send(
  port: number,
  path: string,
  headers: Record<string, string>,
  write: (request: ReturnType<typeof httpRequest>) => void = (request) => request.end(),
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        // An answer cut off by the reset still has its status.
        response.on('close', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    // The server may close the connection while a refused body is still being sent: the client then sees a
    // reset, often before the answer (the kernel drops it with the unread body), which counts as refused too.
    let answered = false;
    request.on('response', () => (answered = true));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    request.on('close', () => {
      if (!answered) resolve({ status: RESET, body: '' });
    });
    write(request);
  });
}

const json = { 'Content-Type': 'application/json' };
/** The status given to a request whose connection was reset before an answer. */
const RESET = -1;

async function call(
  port: number,
  method: string,
  body: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: { message: string } }> {
  const reply = await send(port, `/api/${method}`, json, (request) => request.end(JSON.stringify(body)));
  return JSON.parse(reply.body) as { ok: boolean };
}

function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}` } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('serve mode under hostile requests', () => {
  it('refuses a body by its Content-Length before reading it, and answers the next call', async () => {
    const { port } = await serve();
    const started = Date.now();
    // 300 MB announced, nothing sent: the answer must not wait for the body.
    const reply = await send(
      port,
      '/api/summary',
      { ...json, 'Content-Length': String(300 * 1000 * 1000) },
      (request) => request.flushHeaders(),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toEqual({
      ok: false,
      error: {
        code: 'invalid-request',
        message: 'request body of 300000000 bytes, over the 16 MiB limit for an API call',
      },
    });
    expect((await call(port, 'summary', { filter: {} })).ok).toBe(true);
  });

  it('cuts off bodies without a Content-Length at the cap, four at once, without holding them', async () => {
    const { port } = await serve();
    const before = process.memoryUsage().rss;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const replies = await Promise.all(
      Array.from({ length: 4 }, () =>
        send(port, '/api/summary', { ...json, 'Transfer-Encoding': 'chunked' }, (request) => {
          let sent = 0;
          const pump = (): void => {
            while (sent < 40) {
              sent += 1;
              if (!request.write(chunk)) {
                request.once('drain', pump);
                return;
              }
            }
            request.end();
          };
          request.on('response', () => (sent = 40));
          pump();
        }),
      ),
    );
    for (const reply of replies) expect([413, 503, RESET]).toContain(reply.status);
    // Before: four parallel 250 MiB posts took 2.08 GB.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    expect((await call(port, 'summary', { filter: {} })).ok).toBe(true);
  });

  it('bounds a JSON body’s structure before parsing it', async () => {
    const { port } = await serve();
    const started = Date.now();
    const body = `[${Array.from({ length: 2_000_000 }, () => '[]').join(',')}]`;
    const reply = await send(port, '/api/summary', json, (request) => request.end(body));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({
      error: { message: 'the request has more than 50,000 JSON arrays and objects' },
    });
  });

  it('answers a bad percent-encoding in the method with 400, not 500', async () => {
    const { port } = await serve();
    const reply = await send(port, '/api/%E0%A4%A', json, (request) => request.end('{}'));
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({
      error: { message: 'the method name in the path is not valid percent-encoding' },
    });
  });

  it('follows no symbolic link out of the renderer folder', async () => {
    const { port } = await serve();
    const reply = await get(port, '/leak.txt');
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain('secret');
    expect((await get(port, '/')).status).toBe(200);
  });

  it('spools uploads to disk, refuses one over the limit by its length, and imports the rest by name', async () => {
    const { port, dbFile } = await serve();
    const upload = (name: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<Reply> =>
      send(
        port,
        '/api/upload',
        { 'Content-Type': 'application/octet-stream', [UPLOAD_NAME_HEADER]: encodeURIComponent(name), ...headers },
        (request) => request.end(bytes),
      );
    const tooLarge = await send(
      port,
      '/api/upload',
      {
        'Content-Type': 'application/octet-stream',
        [UPLOAD_NAME_HEADER]: 'big.json',
        'Content-Length': String(200 * 1024 * 1024),
      },
      (request) => request.flushHeaders(),
    );
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({
      error: { message: 'the file is 200 MiB, over the 128 MiB limit' },
    });

    const ids: string[] = [];
    for (const [name, bytes] of [
      ['ä report.json.gz', gzipSync(reportJson({ reportId: 'up-1' }))],
      ['../../etc/second.json', Buffer.from(reportJson({ reportId: 'up-2' }))],
    ] as const) {
      const reply = await upload(name, bytes);
      expect(reply.status).toBe(200);
      ids.push((JSON.parse(reply.body) as { value: { uploadId: string } }).value.uploadId);
    }
    const started = (await call(port, 'startImport', { uploads: ids })) as { value: { jobId: string } };
    let status: { done: boolean; outcomes: { file: string; status: string }[] };
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (
        (await call(port, 'importStatus', { jobId: started.value.jobId, since: 0 })) as { value: typeof status }
      ).value;
    } while (!status.done);
    // One import takes its files in name order (compareIntakeNames), whatever order they came in.
    expect(status.outcomes.map((outcome) => [outcome.file, outcome.status])).toEqual([
      ['../../etc/second.json', 'imported'],
      ['ä report.json.gz', 'imported'],
    ]);
    // An upload is imported once.
    expect(await call(port, 'startImport', { uploads: ids })).toMatchObject({ ok: false });
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT source_kind, source_ref FROM reports ORDER BY report_id').raw().all()).toEqual([
        ['upload', 'ä report.json.gz'],
        ['upload', '../../etc/second.json'],
      ]);
    } finally {
      db.close();
    }
  });

  it('takes many files in one multipart upload, in name order, and refuses a request over its bytes or files whole', async () => {
    const { port, dbFile } = await serve();
    const url = `http://127.0.0.1:${port}/api/upload`;
    const form = new FormData();
    form.append('file', new Blob([gzipSync(reportJson({ reportId: 'many-1' }))]), 'drop/a.json.gz');
    form.append('file', new Blob([reportJson({ reportId: 'many-2' })]), 'ä b.json');
    // Past the 128 MiB a file may have, and so past the 64 MiB of a request.
    form.append('file', new Blob([new Uint8Array(128 * 1024 * 1024 + 1)]), 'big.json');
    form.append('file', new Blob([reportJson({ reportId: 'many-3' })]), 'c.json');
    const reply = await fetch(url, { method: 'POST', body: form });
    expect(reply.status).toBe(413);
    // The request as a whole is over the 64 MiB one request may carry: nothing of it is kept.
    const whole = (await reply.json()) as { error: { message: string } };
    expect(whole.error.message).toMatch(/64 MiB limit for one request/);

    const small = new FormData();
    small.append('file', new Blob([gzipSync(reportJson({ reportId: 'many-1' }))]), 'drop/a.json.gz');
    small.append('file', new Blob([reportJson({ reportId: 'many-2' })]), 'ä b.json');
    small.append('file', new Blob(['{"not": "a report"'.repeat(1)]), 'broken.json');
    small.append('file', new Blob([reportJson({ reportId: 'many-3' })]), 'c.json');
    const answer = (await (await fetch(url, { method: 'POST', body: small })).json()) as {
      value: { uploads: { name: string; uploadId?: string }[] };
    };
    expect(answer.value.uploads.map((upload) => upload.name)).toEqual([
      'drop/a.json.gz',
      'ä b.json',
      'broken.json',
      'c.json',
    ]);
    const ids = answer.value.uploads.map((upload) => upload.uploadId ?? '');
    const started = (await call(port, 'startImport', { uploads: ids })) as { value: { jobId: string } };
    let status: { done: boolean; outcomes: { file: string; status: string }[] };
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (
        (await call(port, 'importStatus', { jobId: started.value.jobId, since: 0 })) as { value: typeof status }
      ).value;
    } while (!status.done);
    // The upload keeps the request's order; the import takes them in name order.
    expect(status.outcomes.map((outcome) => [outcome.file, outcome.status])).toEqual([
      ['drop/a.json.gz', 'imported'],
      ['broken.json', 'rejected'],
      ['c.json', 'imported'],
      ['ä b.json', 'imported'],
    ]);

    const tooMany = new FormData();
    for (let i = 0; i < 1001; i++) tooMany.append('file', new Blob(['{}']), `${i}.json`);
    const refused = await fetch(url, { method: 'POST', body: tooMany });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: { message: 'at most 1000 files in one upload request' } });

    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT report_id, source_ref FROM reports ORDER BY report_id').raw().all()).toEqual([
        ['many-1', 'drop/a.json.gz'],
        ['many-2', 'ä b.json'],
        ['many-3', 'c.json'],
      ]);
    } finally {
      db.close();
    }
  });

  it('stays reachable with thousands of idle connections open', async () => {
    const { port, server } = await serve();
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    cleanups.push(() => sockets.forEach((socket) => socket.destroy()));
    for (let i = 0; i < 2000; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('close', () => closed.add(socket));
      sockets.push(socket);
    }
    await Promise.all(sockets.map((socket) => once(socket, 'connect').catch(() => undefined)));
    const started = Date.now();
    expect((await call(port, 'summary', { filter: {} })).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    // The server keeps at most its cap of them: it closes the longest idle for each newcomer.
    const count = (): Promise<number> =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((error, open) => (error ? reject(error) : resolve(open))),
      );
    // A closed socket leaves the count when its close event has run: give the last ones a moment.
    let connections = await count();
    for (let wait = 0; wait < 40 && connections > MAX_CONNECTIONS; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      connections = await count();
    }
    expect(connections).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(closed.size).toBeGreaterThan(0);
  }, 30_000);
});
