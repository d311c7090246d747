// A hostile IMAP server on loopback (issue 23, point 5): literals far larger
// than the sizes it listed, a FETCH listing without end, a literal at one
// byte a second, a line that never ends. `tlsrpt sync --once` runs against
// it as a child whose peak memory is measured; each sync must stop, in words,
// within its deadline and a bounded memory.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath } from '../helpers/cli.js';
import { repoRoot, useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();
const MB = 1000 * 1000;

type Mode = 'huge-literals' | 'endless-listing' | 'slow-literal' | 'endless-line';
let mode: Mode = 'huge-literals';
let server: Server;
let port: number;
const sockets = new Set<Socket>();

/** Writes `chunk` for as long as the client reads, until it closes. */
function flood(socket: Socket, chunk: () => string | Buffer): void {
  const pump = (): void => {
    while (!socket.destroyed) {
      if (!socket.write(chunk())) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

function answer(socket: Socket, line: string): void {
  const [tag = '*', command = '', ...rest] = line.split(' ');
  const verb = command.toUpperCase();
  const args = rest.join(' ').toUpperCase();
  const ok = (text = 'done'): boolean => socket.write(`${tag} OK ${text}\r\n`);
  if (verb === 'CAPABILITY') {
    socket.write('* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n');
    ok();
  } else if (verb === 'LOGIN') ok('logged in');
  else if (verb === 'SELECT' || verb === 'EXAMINE') {
    socket.write('* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 4] n\r\n* FLAGS (\\Seen)\r\n');
    ok('[READ-ONLY] selected');
  } else if (verb === 'UID' && command !== '' && args.startsWith('FETCH')) {
    const listing = !args.includes('BODY');
    if (listing && mode === 'endless-listing') {
      let uid = 0;
      flood(socket, () => {
        let text = '';
        for (let i = 0; i < 1000; i++) {
          uid += 1;
          text += `* ${uid} FETCH (UID ${uid} RFC822.SIZE 3000)\r\n`;
        }
        return text;
      });
      return;
    }
    if (listing) {
      for (let uid = 1; uid <= 3; uid++) socket.write(`* ${uid} FETCH (UID ${uid} RFC822.SIZE 3000)\r\n`);
      ok();
      return;
    }
    if (mode === 'huge-literals') {
      // 900 MiB announced for a message listed as 3 KB.
      socket.write(`* 1 FETCH (UID 1 RFC822.SIZE 3000 BODY[] {${900 * 1024 * 1024}}\r\n`);
      const zeros = Buffer.alloc(1024 * 1024, 0x61);
      flood(socket, () => zeros);
    } else if (mode === 'slow-literal') {
      socket.write('* 1 FETCH (UID 1 RFC822.SIZE 3000 BODY[] {3000}\r\n');
      const timer = setInterval(() => socket.write('a'), 1000);
      socket.once('close', () => clearInterval(timer));
    } else {
      socket.write('* 1 FETCH (UID 1 RFC822.SIZE 3000 BODY[] ');
      const text = Buffer.alloc(1024 * 1024, 0x61);
      flood(socket, () => text);
    }
  } else if (verb === 'LOGOUT') {
    socket.write('* BYE\r\n');
    ok();
    socket.end();
  } else ok();
}

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile ready\r\n');
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        answer(socket, line);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** `tlsrpt sync --once` against the hostile server, in a child whose peak memory is read at its exit. */
async function sync(extra: string[] = []): Promise<{ status: number | null; stderr: string; peak: number }> {
  const db = join(tempDir(), 'sync.sqlite');
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'test', 'helpers', 'peak-rss.mjs'),
      cliPath,
      'sync',
      '--once',
      '--db',
      db,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--security',
      'plain',
      '--user',
      'u',
      '--password-env',
      'HOSTILE_PASSWORD',
      '--after',
      'none',
      ...extra,
    ],
    { env: { ...process.env, TLSRPT_DB: '', HOSTILE_PASSWORD: 'secret' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  // Far past what any of these should take; it used to run without end.
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const [status] = (await once(child, 'exit')) as [number | null];
  clearTimeout(guard);
  return { status, stderr, peak: Number(/peak-rss-bytes (\d+)/.exec(stderr)?.[1]) };
}

describe('a sync against a hostile IMAP server', () => {
  it('stops at a 900 MiB literal for a message listed as 3 KB (3.8 GB before)', async () => {
    mode = 'huge-literals';
    const run = await sync();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `127.0.0.1:${port} sent a response over the 128 MiB a message may have; the sync stopped; 3 of 3 new messages were not fetched`,
    );
    expect(run.peak).toBeGreaterThan(0);
    expect(run.peak).toBeLessThan(300 * MB);
  }, 150_000);

  it('stops a FETCH listing without end at the messages the mailbox holds (1.07 GB and no end before)', async () => {
    mode = 'endless-listing';
    const run = await sync();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('the server listed more than the 3 messages it said the mailbox holds');
    expect(run.stderr).toContain('the server had not finished listing the new messages, so none were fetched');
    expect(run.peak).toBeLessThan(300 * MB);
  }, 150_000);

  it('stops a literal sent at one byte a second at the deadline the user set, saying what it did not fetch', async () => {
    mode = 'slow-literal';
    const run = await sync(['--deadline', '3']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'the sync stopped at its deadline of 3 s; 3 of 3 new messages were not fetched (the next sync goes on from there)',
    );
  }, 150_000);

  it('stops at a line that never ends (1.14 GB before)', async () => {
    mode = 'endless-line';
    const run = await sync();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`127.0.0.1:${port} sent a line over 1 MiB without its end; the sync stopped; 3 of 3`);
    expect(run.peak).toBeLessThan(300 * MB);
  }, 150_000);
});
