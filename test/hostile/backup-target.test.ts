// `tlsrpt backup` told where not to write (issue 23, point 11): the
// database's own -wal file (checked "ok", then deleted by the next open), the
// database itself, a missing folder (a raw TypeError), and a copy that is not
// good (left under the final name, as a backup killed half-way was).
import { closeSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EXIT_DATABASE } from '../../electron/cli/usage.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();

function databaseWithReports(count: number): { db: string; dir: string } {
  const dir = tempDir();
  const input = join(dir, 'in');
  mkdirSync(input);
  for (let i = 0; i < count; i++) {
    const details = Array.from({ length: 10 }, (_, n) =>
      failureDetail('certificate-expired', 1, { 'sending-mta-ip': `192.0.2.${n}` }),
    );
    writeFileSync(
      join(input, `r${i}.json`),
      reportJson({ reportId: `r${i}`, policies: [policyEntry({ failed: 10, details })] }),
    );
  }
  const db = join(dir, 'a.sqlite');
  expect(runCli(['import', '--db', db, input]).status).toBe(0);
  return { db, dir };
}

function expectInWords(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain('TypeError');
  expect(stderr).not.toContain('SqliteError');
}

describe('tlsrpt backup, told where not to write', () => {
  it('refuses the database’s own -wal, -shm and -journal names, and the database itself', () => {
    const { db } = databaseWithReports(3);
    for (const suffix of ['-wal', '-shm', '-journal']) {
      const result = runCli(['backup', '--db', db, `${db}${suffix}`]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`${db}${suffix} ends in -wal, -shm or -journal, names SQLite uses`);
      expectInWords(result.stderr);
    }
    const same = runCli(['backup', '--db', db, db]);
    expect(same.status).toBe(2);
    expect(same.stderr).toContain(`${db} already exists; name a new file`);
    const stored = new Database(db, { readonly: true });
    try {
      expect(stored.prepare('SELECT count(*) FROM reports').pluck().get()).toBe(3);
    } finally {
      stored.close();
    }
  });

  it('says in words that the folder to write to does not exist', () => {
    const { db, dir } = databaseWithReports(1);
    const result = runCli(['backup', '--db', db, join(dir, 'no-such-folder', 'copy.sqlite')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`the folder ${join(dir, 'no-such-folder')} does not exist`);
    expectInWords(result.stderr);
  });

  it('never leaves a copy that is not checked good under the name asked for', () => {
    const { db, dir } = databaseWithReports(200);
    // Damage an index page in the middle: the online backup copies it, the check of the copy finds it.
    const source = new Database(db, { readonly: true });
    const pageSize = source.pragma('page_size', { simple: true }) as number;
    const root = source
      .prepare("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'failure_details'")
      .pluck()
      .get() as number;
    source.close();
    const handle = openSync(db, 'r+');
    writeSync(handle, Buffer.alloc(pageSize, 0xff), 0, pageSize, (root - 1) * pageSize);
    closeSync(handle);
    const result = runCli(['backup', '--db', db, join(dir, 'copy.sqlite')]);
    expect(result.status).toBe(EXIT_DATABASE);
    expect(result.stderr).toContain(`nothing was written to ${join(dir, 'copy.sqlite')}`);
    // Neither the final name nor the temporary one is left behind.
    expect(readdirSync(dir).filter((name) => name.includes('copy.sqlite'))).toEqual([]);
  });

  it('writes a good copy under the name asked for and nothing else', () => {
    const { db, dir } = databaseWithReports(3);
    const copy = join(dir, 'copy.sqlite');
    const result = runCli(['backup', '--db', db, copy]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('and checked the copy: ok');
    expect(readdirSync(dir).filter((name) => name.includes('copy.sqlite'))).toEqual(['copy.sqlite']);
    const copied = new Database(copy, { readonly: true });
    try {
      expect(copied.prepare('SELECT count(*) FROM reports').pluck().get()).toBe(3);
    } finally {
      copied.close();
    }
  });
});
