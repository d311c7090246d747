// The PostgreSQL sink's figure (issue 27): `tlsrpt export --to postgresql://…` of the bench database into a
// fresh PostgreSQL 15 started for it, reports/s beside the import's, and a re-run that finds nothing new.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createPostgres, postgresInstalled, removePostgres } from '../helpers/postgres.js';

export async function measureSink(options: {
  cli: string;
  dbPath: string;
  importReportsPerSecond: number | null;
}): Promise<Record<string, unknown>> {
  if (!postgresInstalled()) return { figure: 'sink', skipped: 'PostgreSQL 15 is not installed' };
  // The reports the database holds (a corpus left by an earlier run may be larger than --size).
  const db = new Database(options.dbPath, { readonly: true });
  const reports = db.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
  db.close();
  const server = await createPostgres();
  server.start();
  try {
    await server.createDatabase('bench');
    const run = (): { seconds: number; stdout: string } => {
      const started = performance.now();
      const result = spawnSync(
        process.execPath,
        [options.cli, 'export', '--db', options.dbPath, '--to', server.url('bench'), '--source', 'bench'],
        { encoding: 'utf8', maxBuffer: 1 << 26 },
      );
      if (result.status !== 0) throw new Error(`tlsrpt export failed: ${result.stderr}`);
      return { seconds: (performance.now() - started) / 1000, stdout: result.stdout.trim() };
    };
    const first = run();
    const again = run();
    const reportsPerSecond = Math.round(reports / first.seconds);
    return {
      figure: 'sink',
      reports,
      exportSeconds: Number(first.seconds.toFixed(2)),
      reportsPerSecond,
      importReportsPerSecond: options.importReportsPerSecond,
      ratioSinkToImport:
        options.importReportsPerSecond === null
          ? null
          : Number((reportsPerSecond / options.importReportsPerSecond).toFixed(2)),
      rerunSeconds: Number(again.seconds.toFixed(2)),
      result: first.stdout,
      rerun: again.stdout,
    };
  } finally {
    server.stop();
    removePostgres(server);
  }
}
