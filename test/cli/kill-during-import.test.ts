import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, parseJsonOutput, runCliAsync } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const REPORTS = 3000;

/** Report i has (i % 3) + 1 policies with (i % 4) failure details each, so completeness is checkable. */
function shape(i: number): { policies: number; details: number } {
  return { policies: (i % 3) + 1, details: i % 4 };
}

function writeReports(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < REPORTS; i++) {
    const { policies, details } = shape(i);
    const entries = Array.from({ length: policies }, (_, p) =>
      policyEntry({
        domain: `d${p}.example`,
        failed: details,
        details: Array.from({ length: details }, (_, d) =>
          failureDetail('certificate-expired', 1, { 'receiving-mx-hostname': `mx${d}.example` }),
        ),
      }),
    );
    writeFileSync(
      join(dir, `${String(i).padStart(5, '0')}.json`),
      reportJson({ reportId: `r${i}`, policies: entries }),
    );
  }
}

describe('an import killed with SIGKILL', () => {
  it('leaves a sound database holding only whole reports, and a re-run imports exactly the rest', async () => {
    const dir = join(tempDir(), 'reports');
    const db = join(tempDir(), 'killed.sqlite');
    writeReports(dir);

    // A line per file (--verbose), told once its batch is committed; batches of 512 files, so that the
    // kill lands between commits of one run (the command line's own batches hold 10,240 files).
    const child = spawn(process.execPath, [cliPath, 'import', '--verbose', '--db', db, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TLSRPT_IMPORT_BATCH_FILES: '512' },
    });
    let lines = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        lines += chunk.toString().split('\n').length - 1;
        if (lines >= 300 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', () => {
        resolve();
      });
    });
    expect(child.signalCode).toBe('SIGKILL');

    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = check
      .prepare(
        `SELECT r.report_id AS id,
           (SELECT COUNT(*) FROM policies p WHERE p.report_rowid = r.id) AS policies,
           (SELECT COUNT(*) FROM failure_details f WHERE f.report_rowid = r.id) AS details
         FROM reports r`,
      )
      .all() as { id: string; policies: number; details: number }[];
    check.close();
    expect(rows.length).toBeGreaterThanOrEqual(lines - 1);
    expect(rows.length).toBeLessThan(REPORTS);
    for (const row of rows) {
      const expected = shape(Number(row.id.slice(1)));
      expect(row, `report ${row.id} is incomplete`).toEqual({
        id: row.id,
        policies: expected.policies,
        details: expected.policies * expected.details,
      });
    }

    const rerun = await runCliAsync(['import', '--db', db, '--json', dir]);
    expect(rerun.status).toBe(0);
    expect(parseJsonOutput(rerun)).toMatchObject({
      imported: REPORTS - rows.length,
      duplicates: rows.length,
      rejected: 0,
    });
  });
});
