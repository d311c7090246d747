// Issue 23, point 13: a migration on a full disk left a 0-byte
// `*.schema-N-backup-*` per attempt, and on a read-only disk `summary` and
// `check-db` refused with "folder is missing or not accessible" although they
// only read. Real file systems: a small tmpfs and a read-only bind mount
// (both need root, as the machines that run these tests have).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import { MIGRATIONS, migrateToLatest } from '../../electron/backend/db/migrations/index.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const mounts: string[] = [];
afterEach(() => {
  for (const mount of mounts.splice(0).reverse()) spawnSync('umount', [mount]);
});
const isRoot = process.getuid?.() === 0;

function mount(args: string[], target: string): void {
  const result = spawnSync('mount', [...args, target], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${result.stderr}`);
  mounts.push(target);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe.skipIf(!isRoot)('a full disk and a read-only disk', () => {
  it('a migration on a full disk leaves no partial backup, says "disk full" in words, and changes nothing', () => {
    const disk = tempDir();
    mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], disk);
    const file = join(disk, 'old.sqlite');
    const old = new Database(file);
    migrateToLatest(old, MIGRATIONS.slice(0, 2));
    // 600 KB of data: the backup of it does not fit in what is left of 1 MiB.
    old.exec('CREATE TABLE padding (x BLOB)');
    old.prepare('INSERT INTO padding VALUES (?)').run(Buffer.alloc(600 * 1024, 7));
    old.close();

    for (let attempt = 0; attempt < 3; attempt++) {
      const result = runCli(['summary', '--db', file]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(`the disk holding ${file} is full: this release keeps a copy of the database`);
      expect(result.stderr).toContain('no partial copy is left');
      expect(readdirSync(disk).filter((name) => name.includes('.schema-'))).toEqual([]);
    }
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(2);
    expect(after.prepare('SELECT length(x) FROM padding').pluck().get()).toBe(600 * 1024);
    after.close();
  });

  it('summary and check-db read a database on a read-only disk, and write nothing there', async () => {
    const folder = tempDir();
    const file = join(folder, 'reports.sqlite');
    const db = openDatabase(file);
    await new ReportImporter(db).importBytes(Buffer.from(reportJson()), { kind: 'upload', ref: 'r.json' });
    db.close();
    // Closed cleanly: no -wal, no -shm beside the file, as a copied or backed-up database is.
    expect(readdirSync(folder)).toEqual(['reports.sqlite']);
    const before = sha256(file);
    const readOnly = join(tempDir(), 'mounted');
    mkdirSync(readOnly);
    mount(['--bind', '-o', 'ro', folder], readOnly);
    const mounted = join(readOnly, 'reports.sqlite');

    const summary = runCli(['summary', '--db', mounted]);
    expect(summary.stderr).toBe('');
    expect(summary.status).toBe(0);
    expect(summary.stdout).toMatch(/^1 reports from 1 senders/);
    const check = runCli(['check-db', '--db', mounted]);
    expect(check.stdout).toBe(
      `${mounted}: no damage found (SQLite integrity_check: ok; schema version ${MIGRATIONS.length})\n`,
    );
    expect(check.status).toBe(0);
    expect(readdirSync(folder)).toEqual(['reports.sqlite']);
    expect(sha256(file)).toBe(before);
  });

  it('an older database on a read-only disk is refused in words: reading it would upgrade it', () => {
    const folder = tempDir();
    const file = join(folder, 'old.sqlite');
    const old = new Database(file);
    migrateToLatest(old, MIGRATIONS.slice(0, 2));
    old.close();
    const readOnly = join(tempDir(), 'mounted');
    mkdirSync(readOnly);
    mount(['--bind', '-o', 'ro', folder], readOnly);
    const mounted = join(readOnly, 'old.sqlite');
    const result = runCli(['summary', '--db', mounted]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${mounted} was written by an older release (schema 2)`);
    expect(result.stderr).toContain('Copy the file to a writable folder and name the copy with --db.');
  });
});
