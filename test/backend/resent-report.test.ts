import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { ImportJobs } from '../../electron/backend/import/import-jobs.js';
import { compareIntakeNames, ReportImporter } from '../../electron/backend/import/importer.js';
import { useTempDir } from '../helpers/files.js';
import { policyEntry, reportJson } from '../helpers/reports.js';

/*
 * A report re-sent under one id with other content (a sender's correction):
 * every intake path keeps the same copy of it, the first in name order
 * (compareIntakeNames), whatever order the files came in.
 */

const tempDir = useTempDir();

const ORIGINAL = reportJson({ reportId: 'resent-1', policies: [policyEntry({ successful: 100, failed: 0 })] });
const CORRECTED = reportJson({ reportId: 'resent-1', policies: [policyEntry({ successful: 90, failed: 10 })] });
// Named so that the original comes first by name, and last in the order each path is given them.
const NAMES = { original: 'a-report.json', corrected: 'b-report.json' };

function setup(): { dir: string; db: WritableDatabase; importer: ReportImporter; files: string[] } {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'reports.sqlite'));
  const folder = join(dir, 'in');
  mkdirSync(folder);
  const corrected = join(folder, NAMES.corrected);
  const original = join(folder, NAMES.original);
  writeFileSync(corrected, CORRECTED);
  writeFileSync(original, ORIGINAL);
  return { dir, db, importer: new ReportImporter(db), files: [corrected, original] };
}

/** The failed sessions of the stored copy: 0 for the original, 10 for the correction. */
function keptFailed(db: WritableDatabase): number {
  const rows = db.prepare("SELECT failed_sessions FROM reports WHERE report_id = 'resent-1'").pluck().all();
  expect(rows).toHaveLength(1);
  return rows[0] as number;
}

describe('a report re-sent under one id with other content', () => {
  it('keeps the copy first in name order when imported by path, whatever the order given', async () => {
    for (const reversed of [false, true]) {
      const { db, importer, files } = setup();
      const { files: outcomes } = await importer.importPaths(reversed ? [...files].reverse() : files);
      expect(keptFailed(db)).toBe(0);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['imported', 'duplicate']);
      expect(outcomes[1]?.message).toContain('with different content; the stored one is kept');
      db.close();
    }
  });

  it('keeps the same copy from a serve upload, named by the sender’s file names, not the spool’s', async () => {
    const { db, importer, files } = setup();
    const [corrected = '', original = ''] = files;
    const jobs = new ImportJobs(importer);
    // The spool's own paths sort the other way from the names the browser sent.
    jobs.startSpooled(
      [
        { id: '1', name: NAMES.corrected, path: corrected },
        { id: '2', name: NAMES.original, path: original },
      ],
      () => Promise.resolve(),
    );
    await jobs.idle();
    expect(keptFailed(db)).toBe(0);
    db.close();
  });

  it('keeps the same copy from files sent inline (the desktop app’s drops without a path)', async () => {
    const { db, importer } = setup();
    const jobs = new ImportJobs(importer);
    jobs.startUploads([
      { name: NAMES.corrected, base64: Buffer.from(CORRECTED).toString('base64') },
      { name: NAMES.original, base64: Buffer.from(ORIGINAL).toString('base64') },
    ]);
    await jobs.idle();
    expect(keptFailed(db)).toBe(0);
    db.close();
  });

  it('orders by file name first, then by the whole name, bytewise', () => {
    const names = ['/z/b.json', 'b.json', '/a/c.json', '/y/a.json', '/x/a.json', '/x/B.json'];
    expect([...names].sort(compareIntakeNames)).toEqual([
      '/x/B.json',
      '/x/a.json',
      '/y/a.json',
      '/z/b.json',
      'b.json',
      '/a/c.json',
    ]);
  });
});
