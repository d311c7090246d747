import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCliAsync } from '../helpers/cli.js';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { reportEmail } from '../helpers/email.js';
import { createPostgres, removePostgres, type PostgresServer } from '../helpers/postgres.js';
import { reportJson } from '../helpers/reports.js';

/*
 * `tlsrpt sync --sink postgresql://…`: PostgreSQL follows each sync batch,
 * against a real Dovecot and a real PostgreSQL 15, both started here; a
 * PostgreSQL that cannot be reached does not stop the sync.
 */

pg.types.setTypeParser(pg.types.builtins.INT8, Number);

let dovecot: DovecotServer;
let postgres: PostgresServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-sink-sync-'));
  dovecot = await createDovecot();
  await dovecot.start();
  postgres = await createPostgres();
  postgres.start();
});

afterAll(async () => {
  await dovecot.stop();
  removeDovecot(dovecot);
  postgres.stop();
  removePostgres(postgres);
  rmSync(dir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ TEST_IMAP_PASSWORD: dovecot.password });

function syncArgs(db: string, mailbox: string, extra: string[]): string[] {
  return [
    'sync',
    '--db',
    db,
    '--host',
    dovecot.host,
    '--port',
    String(dovecot.tlsPort),
    '--security',
    'tls',
    '--ca',
    dovecot.caFile,
    '--user',
    dovecot.user,
    '--password-env',
    'TEST_IMAP_PASSWORD',
    '--mailbox',
    mailbox,
    ...extra,
  ];
}

async function createMailbox(name: string): Promise<void> {
  const client = await dovecot.client();
  try {
    await client.mailboxCreate(name);
  } finally {
    await client.logout();
  }
}

async function appendReport(mailbox: string, id: string): Promise<void> {
  await dovecot.append(
    mailbox,
    reportEmail([
      {
        contentType: 'application/tlsrpt+gzip',
        filename: `${id}.json.gz`,
        encoding: 'base64',
        body: gzipSync(reportJson({ reportId: id })),
      },
    ]),
  );
}

async function exportedReportIds(database: string): Promise<string[]> {
  const client = await postgres.client(database);
  try {
    const result = await client
      .query<{ report_id: string }>('SELECT report_id FROM tlsrpt.reports ORDER BY report_id')
      .catch(() => ({ rows: [] as { report_id: string }[] }));
    return result.rows.map((row) => row.report_id);
  } finally {
    await client.end();
  }
}

describe('tlsrpt sync --sink', () => {
  it('exports each batch as --once syncs it', async () => {
    await createMailbox('Once');
    await appendReport('Once', 'once-1');
    await appendReport('Once', 'once-2');
    await postgres.createDatabase('once');
    const db = join(dir, 'once.sqlite');
    const result = await runCliAsync(syncArgs(db, 'Once', ['--once', '--sink', postgres.url('once')]), env());
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/tlsrpt sync: exported 2 new reports to postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1/);
    expect(result.stderr + result.stdout).not.toContain(postgres.password);
    expect(await exportedReportIds('once')).toEqual(['once-1', 'once-2']);
  });

  it('follows a polling sync: a report that arrives later reaches PostgreSQL', async () => {
    await createMailbox('Poll');
    await appendReport('Poll', 'poll-1');
    await postgres.createDatabase('poll');
    const db = join(dir, 'poll.sqlite');
    const child = spawn(
      process.execPath,
      [cliPath, ...syncArgs(db, 'Poll', ['--poll', '1', '--sink', postgres.url('poll')])],
      { env: { ...process.env, TLSRPT_DB: '', ...env() }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const waitFor = async (ids: string[]): Promise<string[]> => {
      const deadline = Date.now() + 60_000;
      let found: string[] = [];
      while (Date.now() < deadline && child.exitCode === null) {
        found = await exportedReportIds('poll');
        if (found.length >= ids.length) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return found;
    };
    try {
      expect(await waitFor(['poll-1'])).toEqual(['poll-1']);
      await appendReport('Poll', 'poll-2');
      expect(await waitFor(['poll-1', 'poll-2'])).toEqual(['poll-1', 'poll-2']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).not.toContain(postgres.password);
    // PostgreSQL holds what SQLite holds.
    const sqlite = new Database(db, { readonly: true });
    const stored = sqlite.prepare('SELECT report_id FROM reports ORDER BY report_id').pluck().all();
    sqlite.close();
    expect(stored).toEqual(['poll-1', 'poll-2']);
  });

  it('syncs on when PostgreSQL cannot be reached, saying why without the password', async () => {
    await createMailbox('Down');
    await appendReport('Down', 'down-1');
    const db = join(dir, 'down.sqlite');
    const result = await runCliAsync(
      syncArgs(db, 'Down', ['--once', '--sink', 'postgresql://u:down-secret-9@127.0.0.1:1/x']),
      env(),
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('1 reports imported');
    expect(result.stderr).toContain('tlsrpt sync: could not export to postgresql://u:***@127.0.0.1:1/x: ');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('trying again after the next import');
    expect(result.stderr).not.toContain('down-secret-9');
  });

  it('refuses a --sink that is not a PostgreSQL URL before syncing', async () => {
    const result = await runCliAsync(
      syncArgs(join(dir, 'bad.sqlite'), 'INBOX', ['--once', '--sink', 'https://u:bad-secret@db.example/x']),
      env(),
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--sink: https://u:***@db.example/x is not a PostgreSQL URL');
    expect(result.stderr).not.toContain('bad-secret');
  });
});

describe('tlsrpt serve --sink', () => {
  it('exports what the database holds when it starts, and stops cleanly', async () => {
    const reports = join(dir, 'serve-reports');
    mkdirSync(reports);
    writeFileSync(join(reports, 'a.json'), reportJson({ reportId: 'served-1' }));
    const db = join(dir, 'serve.sqlite');
    expect((await runCliAsync(['import', '--db', db, reports])).status).toBe(0);
    await postgres.createDatabase('serve');
    const child = spawn(
      process.execPath,
      [cliPath, 'serve', '--db', db, '--port', '0', '--sink', postgres.url('serve')],
      { env: { ...process.env, TLSRPT_DB: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let found: string[] = [];
    try {
      const deadline = Date.now() + 60_000;
      while (found.length === 0 && Date.now() < deadline && child.exitCode === null) {
        found = await exportedReportIds('serve');
        if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(found).toEqual(['served-1']);
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/tlsrpt serve: exported 1 new reports to postgresql:\/\/postgres:\*\*\*@/);
    expect(stderr).not.toContain(postgres.password);
  });
});
