import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_SOME_REJECTED } from '../../electron/cli/usage.js';
import { cliPath, runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();

describe('the command line’s output', () => {
  it('finishes the import when the reader of its output goes away (| head), and exits with its status', () => {
    const dir = join(tempDir(), 'in');
    mkdirSync(dir);
    // Far more output than a pipe holds (64 KiB), so that writes go on after head has exited.
    for (let i = 0; i < 3000; i++)
      writeFileSync(join(dir, `${i}-${'x'.repeat(60)}.json`), reportJson({ reportId: `r${i}` }));
    // One file that is not a report: the import's status says so (it used to exit 0 at the closed pipe).
    writeFileSync(join(dir, 'zz-not-a-report.json'), '{"this is": "not a report"}');
    const db = join(tempDir(), 'p.sqlite');
    const result = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${cliPath}" import --verbose --db "${db}" "${dir}" | head -n 1; echo "exit:\${PIPESTATUS[0]}" >&2`,
      ],
      { encoding: 'utf8', env: { ...process.env, TLSRPT_DB: '' } },
    );
    expect(result.stdout).toMatch(/^(imported|rejected) {2,}.*\n$/);
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.trim()).toBe(`exit:${EXIT_SOME_REJECTED}`);
    // Every report was stored, not the first thousand.
    const stored = new Database(db, { readonly: true });
    try {
      expect(stored.prepare('SELECT count(*) AS n FROM reports').get()).toEqual({ n: 3000 });
    } finally {
      stored.close();
    }
  }, 120_000);

  it('prints bidirectional controls from a report escaped, not raw', () => {
    const dir = tempDir();
    const file = join(dir, 'bidi.json');
    writeFileSync(file, reportJson({ organization: 'Evil\u202egnp.exe\u2066Inc', reportId: 'bidi' }));
    const result = runCli(['import', '--verbose', '--db', join(dir, 'b.sqlite'), file]);
    expect(result.stdout).toContain('report bidi from Evil\\u202egnp.exe\\u2066Inc');
    expect(result.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });
});
