// The intake figures of issue 12 beside their floors, each measured in the
// same run: start-up of the command line, a drop of 20,000 files on the UI
// (serve mode, Chromium) against `tlsrpt import` of the same files, and an
// IMAP sync against downloading every message in one FETCH, on loopback and
// through a proxy that adds 20 ms of round trip. Measures only; the caller
// prints the figures.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { ImapFlow } from 'imapflow';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../helpers/chromium.js';
import { createDovecot, removeDovecot } from '../helpers/dovecot.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startServe } from './ui-figure.js';

function freshDatabase(path: string): string {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  return path;
}

function run(cli: string, args: string[], env: NodeJS.ProcessEnv = {}): { seconds: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`tlsrpt ${args[0] ?? ''} exited ${String(result.status)}: ${result.stderr.slice(-2000)}`);
  }
  return { seconds, stdout: result.stdout };
}

/** The same, without blocking this process: the proxy in front of Dovecot runs here. */
function runAsync(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0 || code === 1) resolve({ seconds, stdout });
      else reject(new Error(`tlsrpt ${args[0] ?? ''} exited ${String(code)}: ${stderr}`));
    });
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** `tlsrpt summary` on an empty database, ten times, against node starting and doing nothing. */
export function measureStartup(cli: string, workDir: string): Record<string, unknown> {
  const db = freshDatabase(join(workDir, 'startup.sqlite'));
  const empty = join(workDir, 'startup-empty');
  mkdirSync(empty, { recursive: true });
  run(cli, ['import', '--db', db, empty]);
  const summary: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 10; i++) {
    summary.push(run(cli, ['summary', '--db', db]).seconds);
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '']);
    bare.push((performance.now() - started) / 1000);
  }
  return {
    figure: 'start-up',
    command: 'tlsrpt summary, empty database',
    medianSeconds: round(median(summary), 3),
    slowestSeconds: round(Math.max(...summary), 3),
    nodeAloneMedianSeconds: round(median(bare), 3),
  };
}

/**
 * The same files imported by `tlsrpt import` into a fresh database, then
 * dropped on serve mode's Import view in Chromium (the file picker: the
 * files are read by the browser and uploaded, as from a drop) over another
 * fresh database, until the view says it is done.
 */
export async function measureDrop(
  projectRoot: string,
  cli: string,
  files: readonly string[],
  workDir: string,
): Promise<Record<string, unknown>> {
  const cliDb = freshDatabase(join(workDir, 'drop-cli.sqlite'));
  const folders = [...new Set(files.map((file) => file.slice(0, file.lastIndexOf('/'))))];
  const imported = run(cli, ['import', '--db', cliDb, ...folders]);
  const dropDb = freshDatabase(join(workDir, 'drop-ui.sqlite'));
  const server = await startServe(projectRoot, dropDb);
  const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}#/import`);
    await page.getByTestId('file-input').waitFor({ state: 'attached' });
    const started = performance.now();
    await page.getByTestId('file-input').setInputFiles([...files]);
    await page
      .getByTestId('import-totals')
      .filter({ hasText: /^Done: / })
      .waitFor({ timeout: 30 * 60_000 });
    const dropSeconds = (performance.now() - started) / 1000;
    const totals = (await page.getByTestId('import-totals').textContent()) ?? '';
    return {
      figure: 'drop',
      files: files.length,
      cliImportSeconds: round(imported.seconds),
      dropSeconds: round(dropSeconds),
      ratioDropToCli: round(imported.seconds / dropSeconds, 3),
      result: totals,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

/**
 * A real Dovecot with `messages` report e-mails: the floor is one FETCH of
 * every message's bytes on one connection; the sync is `tlsrpt sync --once`
 * into a fresh database. Both again through a proxy that holds each chunk
 * 10 ms each way (20 ms round trip, a hosted mailbox's distance).
 */
export async function measureImap(
  cli: string,
  emails: readonly string[],
  workDir: string,
): Promise<Record<string, unknown>[]> {
  const dovecot = await createDovecot();
  await dovecot.start();
  const figures: Record<string, unknown>[] = [];
  try {
    const loader = await dovecot.client();
    try {
      for (const email of emails) await loader.append('INBOX', readFileSync(email));
    } finally {
      await loader.logout();
    }
    for (const delayMs of [0, 10]) {
      const proxy = delayMs === 0 ? null : await startTcpProxy({ host: dovecot.host, port: dovecot.tlsPort }, delayMs);
      const port = proxy?.port ?? dovecot.tlsPort;
      try {
        const client = new ImapFlow({
          host: dovecot.host,
          port,
          secure: true,
          auth: { user: dovecot.user, pass: dovecot.password },
          tls: { ca: [readFileSync(dovecot.caFile, 'utf8')] },
          logger: false,
        });
        await client.connect();
        const lock = await client.getMailboxLock('INBOX', { readOnly: true });
        let floorSeconds: number;
        let downloaded = 0;
        try {
          const started = performance.now();
          const all = await client.fetchAll('1:*', { uid: true, source: true });
          floorSeconds = (performance.now() - started) / 1000;
          downloaded = all.length;
        } finally {
          lock.release();
          await client.logout();
        }
        const db = freshDatabase(join(workDir, `imap-${delayMs}.sqlite`));
        const sync = await runAsync(
          cli,
          [
            'sync',
            '--db',
            db,
            '--host',
            dovecot.host,
            '--port',
            String(port),
            '--security',
            'tls',
            '--ca',
            dovecot.caFile,
            '--user',
            dovecot.user,
            '--password-env',
            'BENCH_IMAP_PASSWORD',
            '--after',
            'none',
            '--once',
            '--json',
          ],
          { BENCH_IMAP_PASSWORD: dovecot.password },
        );
        const result = JSON.parse(sync.stdout) as { messagesSeen?: number; reportsImported?: number };
        figures.push({
          figure: 'imap sync',
          addedRoundTripMs: 2 * delayMs,
          messages: downloaded,
          floorOneFetchSeconds: round(floorSeconds),
          syncSeconds: round(sync.seconds),
          ratioFloorToSync: round(floorSeconds / sync.seconds, 3),
          messagesPerSecond: Math.round(downloaded / sync.seconds),
          messagesSeen: result.messagesSeen,
          reportsImported: result.reportsImported,
          chunksToServer: proxy?.chunks.toServer,
        });
      } finally {
        await proxy?.close();
      }
    }
  } finally {
    await dovecot.stop();
    removeDovecot(dovecot);
  }
  return figures;
}
