import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticCorpus } from '../bench/synthetic-corpus.js';
import { parseJsonOutput, runCli } from '../helpers/cli.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();

interface ImportJson {
  imported: number;
  rejected: number;
  files: { file: string; status: string; message: string }[];
}

/** Every stored row but the ones that say when and from where: the same reports give the same rows. */
function storedContent(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    const rows = (sql: string): unknown[] => db.prepare(sql).raw().all();
    return {
      reports: rows(`SELECT organization_name, report_id, start_time, end_time, successful_sessions, failed_sessions,
          warnings_json, content_sha256 FROM reports ORDER BY organization_name, report_id`),
      policies: rows(`SELECT r.report_id, p.position, p.policy_domain, p.policy_type, p.successful_sessions
          FROM policies p JOIN reports r ON r.id = p.report_rowid ORDER BY 1, 2`),
      details: rows(`SELECT r.report_id, f.result_type, f.receiving_mx_hostname, f.failed_sessions
          FROM failure_details f JOIN reports r ON r.id = f.report_rowid ORDER BY 1, 2, 3, 4`),
      rollups: rows('SELECT * FROM rollup_sender_mx ORDER BY 1, 2, 3, 4, 5'),
    };
  } finally {
    db.close();
  }
}

describe('tlsrpt import with worker threads', () => {
  it('stores and reports exactly what an import in one thread does', () => {
    // Enough files for the import to start worker threads, with broken ones among them.
    const input = join(tempDir(), 'in');
    writeSyntheticCorpus(join(input, 'synthetic'), { reports: 150, emailShare: 0.3, seed: 11 });
    mkdirSync(join(input, 'odd'));
    writeFileSync(join(input, 'odd', 'broken.json'), '{ "policies": [');
    writeFileSync(join(input, 'odd', 'empty.eml'), 'Subject: hi\r\n\r\nno report here\r\n');
    writeFileSync(join(input, 'odd', 'copy.json'), reportJson({ reportId: 'copy' }));
    writeFileSync(join(input, 'odd', 'copy-again.json'), reportJson({ reportId: 'copy' }));

    const run = (threads: string): { output: ImportJson; db: string } => {
      const db = join(tempDir(), `threads-${threads}.sqlite`);
      const result = runCli(['import', '--db', db, '--json', input, corpusReports], {
        TLSRPT_IMPORT_THREADS: threads,
      });
      expect(result.stderr).toBe('');
      return { output: parseJsonOutput<ImportJson>(result), db };
    };
    const inThread = run('0');
    const inWorkers = run('2');
    expect(inThread.output.imported).toBeGreaterThan(150);
    expect(inThread.output.rejected).toBeGreaterThan(0);
    expect(inWorkers.output).toEqual(inThread.output);
    expect(storedContent(inWorkers.db)).toEqual(storedContent(inThread.db));
  });
});
