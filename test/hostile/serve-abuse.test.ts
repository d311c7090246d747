// Requests that used to end serve, leak its upload slots or lock every
// newcomer out (issue 23, points 1, 2 and 6), against `tlsrpt serve` in its
// own process, as a stranger on the network would send them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_NAME_HEADER } from '../../shared/api/contract.js';
import { cliPath } from '../helpers/cli.js';
import { reportJson } from '../helpers/reports.js';

let root: string;
/** serve's temporary folder (TMPDIR), where its upload spool lives. */
let spoolRoot: string;
let db: string;
let serve: { child: ChildProcess; port: number };

async function startServe(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--db', db], {
    env: { ...process.env, TLSRPT_DB: '', TMPDIR: spoolRoot },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`serve exited ${code}: ${stderr}\n`);
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(/serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(line.toString())?.[1]);
  if (!port) throw new Error(`serve said: ${line.toString()}`);
  return { child, port };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tlsrpt-abuse-'));
  spoolRoot = join(root, 'tmp');
  mkdirSync(spoolRoot);
  db = join(root, 'serve.sqlite');
  serve = await startServe();
});

afterAll(async () => {
  if (serve.child.exitCode === null && serve.child.signalCode === null) {
    serve.child.kill('SIGTERM');
    await once(serve.child, 'exit');
  }
  rmSync(root, { recursive: true, force: true });
});

/** Every file under serve's temporary folder: the spool's leftovers. */
function spooledFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else files.push(join(dir, entry.name));
    }
  };
  walk(spoolRoot);
  return files;
}

function alive(): boolean {
  return serve.child.exitCode === null && serve.child.signalCode === null;
}

/** A summary call on a new connection: a pooled keep-alive one may be the idle socket the cap just closed. */
function summaryOk(port = serve.port): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/api/summary',
        method: 'POST',
        agent: false,
        headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve((JSON.parse(body) as { ok: boolean }).ok));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ filter: {} }));
  });
}

/** Waits (generously, for a loaded machine) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A POST whose body `write` streams; resolves with the status, or -1 when the connection was closed unanswered. */
function post(
  path: string,
  headers: Record<string, string>,
  write: (request: ReturnType<typeof httpRequest>) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: serve.port,
        path,
        method: 'POST',
        headers: { Host: `127.0.0.1:${serve.port}`, ...headers },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', () => resolve(-1));
    request.on('close', () => resolve(-1));
    write(request);
  });
}

/** Streams `total` bytes of zeros in 1 MiB chunks, stopping when the server answers or closes. */
function pump(request: ReturnType<typeof httpRequest>, total: number, prefix = '', suffix = ''): void {
  const chunk = Buffer.alloc(1024 * 1024);
  let sent = 0;
  let stopped = false;
  request.on('response', () => (stopped = true));
  request.on('close', () => (stopped = true));
  if (prefix) request.write(prefix);
  const next = (): void => {
    while (!stopped && sent < total) {
      sent += chunk.length;
      if (!request.write(chunk)) {
        request.once('drain', next);
        return;
      }
    }
    if (!stopped) request.end(suffix);
  };
  next();
}

const BOUNDARY = 'hostile-boundary';
const multipart = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Transfer-Encoding': 'chunked' };
function partHead(name: string): string {
  return (
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
    `Content-Type: application/octet-stream\r\n\r\n`
  );
}

describe('serve under hostile uploads and slow senders', () => {
  it('refuses a chunked single-file upload past 128 MiB and keeps serving (it used to exit)', async () => {
    const status = await post(
      '/api/upload',
      { 'Content-Type': 'application/octet-stream', [UPLOAD_NAME_HEADER]: 'a.json', 'Transfer-Encoding': 'chunked' },
      (request) => pump(request, 140 * 1024 * 1024),
    );
    expect([413, -1]).toContain(status);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alive()).toBe(true);
    expect(await summaryOk()).toBe(true);
    await until(() => spooledFiles().length === 0, 'the refused upload is gone from the spool');
  }, 120_000);

  it('frees the slot and the files of aborted multipart uploads at once', async () => {
    // More aborted requests than the spool takes at once (4): each used to hold its slot until restart.
    for (let i = 0; i < 6; i++) {
      const request = httpRequest({
        host: '127.0.0.1',
        port: serve.port,
        path: '/api/upload',
        method: 'POST',
        headers: { Host: `127.0.0.1:${serve.port}`, ...multipart },
      });
      request.on('error', () => undefined);
      request.write(partHead(`aborted-${i}.json`));
      request.write(Buffer.alloc(256 * 1024));
      await until(() => spooledFiles().some((file) => file.endsWith(`aborted-${i}.json`)), 'the part is spooled');
      request.destroy();
      await until(() => spooledFiles().length === 0, 'the aborted part is removed');
    }
    const form = new FormData();
    form.append('file', new Blob([reportJson({ reportId: 'after-aborts' })]), 'ok.json');
    const reply = await fetch(`http://127.0.0.1:${serve.port}/api/upload`, { method: 'POST', body: form });
    expect(reply.status).toBe(200);
    const answer = (await reply.json()) as { value: { uploads: { uploadId?: string }[] } };
    expect(answer.value.uploads[0]?.uploadId).toEqual(expect.any(String));
  }, 120_000);

  it('answers a chunked multipart part past the 64 MiB of a request at once, and keeps none of it', async () => {
    const before = spooledFiles().length;
    const status = await post('/api/upload', multipart, (request) =>
      pump(request, 70 * 1024 * 1024, partHead('big.json'), `\r\n--${BOUNDARY}--\r\n`),
    );
    // It used to get no answer for 300 s, and leave 63 MiB behind.
    expect([413, -1]).toContain(status);
    await until(() => spooledFiles().length === before, 'the part over the limit is removed');
    expect(alive()).toBe(true);
    expect(await summaryOk()).toBe(true);
  }, 120_000);

  it('keeps answering newcomers while 128 connections trickle a declared 100 KB body', async () => {
    const slow: Socket[] = [];
    try {
      for (let i = 0; i < 128; i++) {
        const socket = connect(serve.port, '127.0.0.1');
        socket.on('error', () => undefined);
        slow.push(socket);
        await once(socket, 'connect');
        socket.write(
          `POST /api/summary HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nContent-Type: application/json\r\n` +
            `Content-Length: 100000\r\n\r\n{`,
        );
      }
      const trickle = setInterval(() => {
        for (const socket of slow) if (!socket.destroyed) socket.write(' ');
      }, 1000);
      try {
        // Each newcomer is answered: the slowest sender is closed for it. It used to be reset for over 200 s.
        for (let i = 0; i < 5; i++) expect(await summaryOk()).toBe(true);
      } finally {
        clearInterval(trickle);
      }
      expect(slow.some((socket) => socket.destroyed || socket.readyState === 'closed')).toBe(true);
    } finally {
      for (const socket of slow) socket.destroy();
    }
  }, 120_000);

  it('closes a JSON body that does not arrive within its deadline', async () => {
    const socket = connect(serve.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write(
      `POST /api/summary HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: 100\r\n\r\n{`,
    );
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('did not arrive within 30 s');
  }, 120_000);

  it('removes the spool on SIGTERM during a stuck upload, and reclaims a killed serve’s spool at the next start', async () => {
    // A stuck multipart upload: part of a file, then nothing.
    const stuck = httpRequest({
      host: '127.0.0.1',
      port: serve.port,
      path: '/api/upload',
      method: 'POST',
      headers: { Host: `127.0.0.1:${serve.port}`, ...multipart },
    });
    stuck.on('error', () => undefined);
    stuck.write(partHead('stuck.json'));
    stuck.write(Buffer.alloc(64 * 1024));
    await until(() => spooledFiles().some((file) => file.endsWith('stuck.json')), 'the stuck part is spooled');
    serve.child.kill('SIGTERM');
    const [code] = (await once(serve.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(readdirSync(spoolRoot)).toEqual([]);

    // kill -9 with an upload waiting in the spool: the next start removes it, and leaves a live serve's alone.
    serve = await startServe();
    const other = join(spoolRoot, `tlsrpt-uploads-${process.pid}-live`);
    mkdirSync(other);
    writeFileSync(join(other, 'x.json'), '{}');
    const form = new FormData();
    form.append('file', new Blob([reportJson({ reportId: 'left-behind' })]), 'left.json');
    expect((await fetch(`http://127.0.0.1:${serve.port}/api/upload`, { method: 'POST', body: form })).status).toBe(200);
    const killedFolders = readdirSync(spoolRoot).filter((name) => !name.endsWith('-live'));
    expect(killedFolders).toHaveLength(1);
    serve.child.kill('SIGKILL');
    await once(serve.child, 'exit');
    expect(readdirSync(spoolRoot)).toContain(killedFolders[0]);
    serve = await startServe();
    expect(readdirSync(spoolRoot).sort()).toEqual([`tlsrpt-uploads-${process.pid}-live`]);
    expect(await summaryOk()).toBe(true);
  }, 120_000);
});
