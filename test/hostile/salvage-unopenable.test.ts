// Issue 23, point 12: `check-db --salvage` refused a file cut short or with its
// first page overwritten, while the message that sends the user there said to
// run it. Such a file is now read page by page (page-scan.ts).
import {
  copyFileSync,
  openSync,
  statSync,
  truncateSync,
  writeSync,
  closeSync,
  mkdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const REPORTS = 120;

/** A database of REPORTS reports, each with enough details to take a few pages; checkpointed, closed. */
async function database(): Promise<string> {
  const dir = tempDir();
  const input = join(dir, 'in');
  mkdirSync(input);
  for (let i = 0; i < REPORTS; i++) {
    const details = Array.from({ length: 40 }, (_, n) =>
      failureDetail('certificate-expired', 1, { 'additional-information': `report ${i} detail ${n}` }),
    );
    writeFileSync(
      join(input, `r${i}.json`),
      reportJson({ reportId: `salvage-${i}`, policies: [policyEntry({ failed: 40, details })] }),
    );
  }
  const file = join(dir, 'reports.sqlite');
  const db = openDatabase(file);
  await new ReportImporter(db).importPaths([input]);
  db.close();
  return file;
}

function reportIds(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const ids = (db.prepare('SELECT report_id FROM reports ORDER BY report_id').pluck().all() as string[]).sort();
  db.close();
  return ids;
}

function overwrite(file: string, at: number, length: number): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(length, 0x5a), 0, length, at);
  closeSync(fd);
}

function pageSize(file: string): number {
  const db = new Database(file, { readonly: true });
  const size = db.pragma('page_size', { simple: true }) as number;
  db.close();
  return size;
}

describe('check-db --salvage on a file SQLite cannot open', () => {
  it('copies the reports of a file cut in half, and says what is lost', async () => {
    const good = await database();
    const all = reportIds(good);
    const cut = join(tempDir(), 'cut.sqlite');
    copyFileSync(good, cut);
    truncateSync(cut, Math.floor(statSync(cut).size / 2));

    const check = runCli(['check-db', '--db', cut]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(`${cut} cannot be opened by SQLite`);
    expect(check.stdout).toContain(`Run "tlsrpt check-db --db ${cut} --salvage NEW.sqlite"`);

    const salvaged = join(tempDir(), 'salvaged.sqlite');
    const run = runCli(['check-db', '--db', cut, '--salvage', salvaged]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const found = reportIds(salvaged);
    expect(run.stdout).toMatch(
      new RegExp(`salvaged ${found.length} reports into ${salvaged}, found by reading its \\d+ pages one by one`),
    );
    expect(run.stdout).toContain('mailbox settings and sync progress cannot be recovered this way');
    // The reports on the half that is left, each one whole and one of those stored.
    expect(found.length).toBeGreaterThan(REPORTS / 4);
    expect(found.length).toBeLessThan(REPORTS);
    expect(all).toEqual(expect.arrayContaining(found));
    expect(runCli(['check-db', '--db', salvaged]).status).toBe(0);
  }, 60_000);

  it('copies every report of a file whose first page is overwritten, header and all, or after the header', async () => {
    const good = await database();
    const all = reportIds(good);
    const size = pageSize(good);
    for (const [at, length] of [
      [0, size],
      [100, size - 100],
    ] as const) {
      const broken = join(tempDir(), 'broken.sqlite');
      copyFileSync(good, broken);
      overwrite(broken, at, length);
      const check = runCli(['check-db', '--db', broken]);
      // Without a header nothing says it was a database: the way to try is named all the same.
      expect(check.status).toBe(at === 0 ? 4 : 1);
      expect(check.stdout).toContain(`--db ${broken} --salvage NEW.sqlite`);

      const salvaged = join(tempDir(), 'salvaged.sqlite');
      const run = runCli(['check-db', '--db', broken, '--salvage', salvaged]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(`salvaged ${REPORTS} reports into ${salvaged}`);
      if (at === 0)
        expect(run.stdout).toContain('its first page, which holds the header and the schema, is overwritten');
      expect(reportIds(salvaged)).toEqual(all);
    }
  }, 90_000);

  it('finds the reports still in the write-ahead log of a file whose first page is gone', async () => {
    const good = await database();
    const dir = tempDir();
    const input = join(dir, 'later');
    mkdirSync(input);
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(input, `l${i}.json`), reportJson({ reportId: `later-${i}`, policies: [policyEntry({})] }));
    }
    const db = openDatabase(good);
    await new ReportImporter(db).importPaths([input]);
    // Copied while open: the five new reports are in the log only, not yet in the file.
    const copy = join(dir, 'copy.sqlite');
    copyFileSync(good, copy);
    copyFileSync(`${good}-wal`, `${copy}-wal`);
    db.close();
    overwrite(copy, 0, pageSize(good));
    const salvaged = join(dir, 'salvaged.sqlite');
    const run = runCli(['check-db', '--db', copy, '--salvage', salvaged]);
    expect(run.status).toBe(1);
    expect(reportIds(salvaged)).toEqual(reportIds(good));
    expect(reportIds(salvaged)).toHaveLength(REPORTS + 5);
  }, 60_000);

  it('finds nothing in a file that never was a database, and says so', () => {
    const file = join(tempDir(), 'notes.sqlite');
    writeFileSync(file, 'just some notes\n'.repeat(1000));
    const salvaged = join(tempDir(), 'salvaged.sqlite');
    const run = runCli(['check-db', '--db', file, '--salvage', salvaged]);
    expect(run.status).toBe(4);
    expect(run.stdout).toContain('not a tlsrpt-viewer database');
    expect(run.stdout).toContain(`salvaged 0 reports into ${salvaged}`);
  });
});
