import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { isPreMigrationBackupOf } from '../../electron/backend/database-files.js';
import { describeSqliteFailure } from '../../electron/backend/db/database-problems.js';
import { MIGRATIONS, migrateToLatest } from '../../electron/backend/db/migrations/index.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A real database of `count` reports, each with failure details, imported by the command line. */
function databaseWithReports(count: number): { db: string; dir: string } {
  const dir = tempDir();
  const input = join(dir, 'in');
  mkdirSync(input);
  for (let i = 0; i < count; i++) {
    const details = Array.from({ length: 10 }, (_, n) =>
      failureDetail('certificate-expired', 1, { 'sending-mta-ip': `192.0.2.${n}` }),
    );
    writeFileSync(
      join(input, `r${String(i).padStart(4, '0')}.json`),
      reportJson({ reportId: `r${i}`, policies: [policyEntry({ failed: 10, details })] }),
    );
  }
  const db = join(dir, 'reports.sqlite');
  const result = runCli(['import', '--db', db, input]);
  expect(result.status).toBe(0);
  return { db, dir };
}

/** Overwrites the root page of a table (or index) with bytes no b-tree page starts with. */
function damageRootPage(file: string, table: string): void {
  const db = new Database(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const root = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(table) as number;
  db.close();
  const handle = openSync(file, 'r+');
  writeSync(handle, Buffer.alloc(pageSize, 0xff), 0, pageSize, (root - 1) * pageSize);
  closeSync(handle);
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain('SqliteError');
}

describe('damaged databases', () => {
  it('refuses a file that is not a database, in words, and leaves it as it was', () => {
    const dir = tempDir();
    const notes = join(dir, 'notes.sqlite');
    writeFileSync(notes, 'my notes, not a database\n'.repeat(100));
    const before = sha256(notes);
    for (const command of [['summary'], ['import', join(dir, 'none.json')], ['serve', '--port', '0']]) {
      const result = runCli([...command, '--db', notes]);
      expect(result.status, command.join(' ')).toBe(4);
      expect(result.stderr).toContain(`${notes} is not a tlsrpt-viewer database (not an SQLite file at all)`);
      expectNoStackTrace(result.stderr);
    }
    expect(sha256(notes)).toBe(before);
    expect(existsSync(`${notes}-wal`)).toBe(false);
  });

  it('refuses a database whose first page is damaged, before writing anything', () => {
    const { db, dir } = databaseWithReports(3);
    const handle = openSync(db, 'r+');
    // The header (100 bytes) stays; the schema table after it is garbage.
    writeSync(handle, Buffer.alloc(3000, 0xa5), 0, 3000, 100);
    closeSync(handle);
    const before = sha256(db);
    writeFileSync(join(dir, 'new.json'), reportJson({ reportId: 'new' }));
    const result = runCli(['import', '--db', db, join(dir, 'new.json')]);
    expect(result.status).toBe(4);
    expect(result.stderr).toContain(`${db} is damaged (`);
    expect(result.stderr).toContain(`tlsrpt check-db --db ${db} --salvage NEW.sqlite`);
    expectNoStackTrace(result.stderr);
    expect(sha256(db)).toBe(before);
  });

  it('never writes into a database damaged in the middle, answers its views in words, and salvages it', async () => {
    const { db, dir } = databaseWithReports(400);
    damageRootPage(db, 'failure_details');
    const before = sha256(db);

    // The command line: the import is refused by the check before its first write.
    writeFileSync(join(dir, 'new.json'), reportJson({ reportId: 'new' }));
    const cli = runCli(['import', '--db', db, join(dir, 'new.json')]);
    expect(cli.status).toBe(4);
    expect(cli.stderr).toContain(`${db} is damaged (`);
    expectNoStackTrace(cli.stderr);

    // The API (serve mode, the desktop app): a view that reads the damaged pages says so, and no import writes.
    const handle = openDatabase(db);
    const { handlers, jobs } = createApiHandlers({ db: handle, databasePath: db, transport: 'http', allowPaths: true });
    try {
      const failures = await dispatch(handlers, 'failures', { query: { filter: {} }, offset: 0, limit: 50 });
      expect(failures).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      if (!failures.ok) expect(failures.error.message).toMatch(new RegExp(`^${db} is damaged \\(`));
      const started = await dispatch(handlers, 'startImport', { paths: [join(dir, 'new.json')] });
      expect(started.ok).toBe(true);
      await jobs.idle();
      const status = await dispatch(handlers, 'importStatus', {
        jobId: started.ok ? (started.value as { jobId: string }).jobId : '',
        since: 0,
      });
      expect(status).toMatchObject({ ok: true, value: { done: true } });
      const error = status.ok ? (status.value as { error: string | null }).error : null;
      expect(error).toContain(`${db} is damaged (`);
      // Nor do the mailbox settings: saving or removing one used to write into the damaged file.
      const account = {
        name: 'Reports',
        host: 'imap.example.com',
        port: 993,
        security: 'tls',
        user: 'u',
        auth: 'password',
        mailbox: 'INBOX',
        after: { action: 'none' },
        pollIntervalSeconds: 3600,
        caFile: null,
      };
      for (const [method, body] of [
        ['saveMailbox', { account, secret: 'secret' }],
        ['removeMailbox', { name: 'Reports' }],
      ] as const) {
        const refused = await dispatch(handlers, method, body);
        expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
        if (!refused.ok) expect(refused.error.message).toMatch(new RegExp(`^${db} is damaged \\(`));
      }
    } finally {
      handle.close();
    }
    expect(sha256(db)).toBe(before);

    // check-db finds it and salvages every report, whole, from the documents stored with them.
    const check = runCli(['check-db', '--db', db]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(`${db} is damaged:`);
    const salvaged = join(dir, 'salvaged.sqlite');
    const salvage = runCli(['check-db', '--db', db, '--salvage', salvaged]);
    expect(salvage.stdout).toContain(`salvaged 400 reports into ${salvaged}`);
    expect(salvage.stdout).toContain('; 0 could not be read, 0 were refused on import');
    expect(sha256(db)).toBe(before);
    const copy = new Database(salvaged, { readonly: true });
    try {
      expect(copy.prepare('SELECT count(*) FROM failure_details').pluck().get()).toBe(4000);
      expect(copy.prepare('SELECT sum(failed_sessions) FROM reports').pluck().get()).toBe(4000);
    } finally {
      copy.close();
    }
    expect(runCli(['check-db', '--db', salvaged]).status).toBe(0);
  }, 120_000);

  it('salvages the reports it can read when the reports table itself is damaged', () => {
    const { db, dir } = databaseWithReports(400);
    const source = new Database(db, { readonly: true });
    const pageSize = source.pragma('page_size', { simple: true }) as number;
    source.close();
    // A leaf page of the reports table, found by reading pages until one holds its rows' raw JSON.
    const bytes = readFileSync(db);
    let damaged = -1;
    for (let page = 10; page * pageSize < bytes.length; page++) {
      if (
        bytes[page * pageSize] === 0x0d &&
        bytes.subarray(page * pageSize, (page + 1) * pageSize).includes('tlsrpt@sender.example')
      ) {
        damaged = page;
        break;
      }
    }
    expect(damaged).toBeGreaterThan(0);
    const handle = openSync(db, 'r+');
    writeSync(handle, Buffer.alloc(pageSize, 0xff), 0, pageSize, damaged * pageSize);
    closeSync(handle);

    const salvaged = join(dir, 'salvaged.sqlite');
    const result = runCli(['check-db', '--db', db, '--salvage', salvaged]);
    expect(result.status).toBe(1);
    const match = /salvaged (\d+) reports .*; (\d+) could not be read/.exec(result.stdout);
    const [kept, lost] = [Number(match?.[1]), Number(match?.[2])];
    expect(lost).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(300);
    expect(kept + lost).toBe(400);
    const copy = new Database(salvaged, { readonly: true });
    try {
      // Whole reports only: each salvaged report has its ten failure details.
      expect(copy.prepare('SELECT count(*) FROM reports').pluck().get()).toBe(kept);
      expect(copy.prepare('SELECT count(*) FROM failure_details').pluck().get()).toBe(kept * 10);
    } finally {
      copy.close();
    }
  }, 120_000);

  it('refuses a database from a newer release in rollback-journal mode before writing anything', () => {
    const dir = tempDir();
    const file = join(dir, 'future.sqlite');
    const future = new Database(file);
    future.pragma('journal_mode = DELETE');
    future.exec('CREATE TABLE t (x)');
    future.pragma('user_version = 99');
    future.close();
    const before = sha256(file);
    const result = runCli(['summary', '--db', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('it was written by a newer release');
    expect(sha256(file)).toBe(before);
    // Bytes 18 and 19 of the header are 1 in rollback-journal mode and 2 in WAL mode.
    expect([...readFileSync(file).subarray(18, 20)]).toEqual([1, 1]);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('keeps a copy of the database before a migration changes it', async () => {
    const dir = tempDir();
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    migrateToLatest(old, MIGRATIONS.slice(0, 2));
    old.close();
    const db = openDatabase(file);
    await new ReportImporter(db).importBytes(Buffer.from(reportJson()), { kind: 'upload', ref: 'x.json' });
    db.close();
    const backups = readdirSync(dir).filter((name) => name.startsWith('old.sqlite.schema-2-backup-'));
    expect(backups).toHaveLength(1);
    // The name main looks for when it offers a backup (backend-supervisor.ts).
    expect(isPreMigrationBackupOf('old.sqlite', backups[0] ?? '')).toBe(true);
    const copy = new Database(join(dir, backups[0] ?? ''), { readonly: true });
    try {
      expect(copy.pragma('user_version', { simple: true })).toBe(2);
      expect(copy.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'rollup_senders'").pluck().get()).toBe(0);
    } finally {
      copy.close();
    }
  });

  it('tlsrpt backup copies a database with the online backup API and checks the copy', () => {
    const { db, dir } = databaseWithReports(5);
    const copy = join(dir, 'copy.sqlite');
    const result = runCli(['backup', '--db', db, copy]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^backed up ${db} to ${copy} \\(\\d+ pages\\), and checked the copy: ok\\n$`),
    );
    const copied = new Database(copy, { readonly: true });
    try {
      expect(copied.prepare('SELECT count(*) FROM reports').pluck().get()).toBe(5);
    } finally {
      copied.close();
    }
    const again = runCli(['backup', '--db', db, copy]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`${copy} already exists; name a new file`);
  });

  it('tells a full disk and a read-only file apart in words', () => {
    const dir = tempDir();
    const file = join(dir, 'small.sqlite');
    const db = openDatabase(file);
    // SQLite's own page limit gives the same SQLITE_FULL as a full disk.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 1}`);
    let full: unknown;
    try {
      db.prepare("INSERT INTO mailbox_state VALUES ('k', 'm', '1', 1, NULL, ?)").run('x'.repeat(100_000));
    } catch (error) {
      full = error;
    }
    db.close();
    expect(describeSqliteFailure(full, file)?.message).toBe(
      `the disk holding ${file} is full: the step that failed wrote nothing (every report is stored whole or not at all). Free some space and run it again.`,
    );
    const readOnly = new Database(file, { readonly: true });
    let refused: unknown;
    try {
      readOnly.exec('CREATE TABLE x (y)');
    } catch (error) {
      refused = error;
    }
    readOnly.close();
    expect(describeSqliteFailure(refused, file)?.kind).toBe('read-only');
  });
});
