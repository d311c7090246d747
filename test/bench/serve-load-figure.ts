// The Overview's answer time in serve mode while an upload, an import and a
// CSV export run (issue 11, point 4). Measures only; the caller prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURES_CSV_ROUTE, UPLOAD_NAME_HEADER } from '../../shared/api/contract.js';
import { writeSyntheticCorpus } from './synthetic-corpus.js';

export interface ServeLoadOptions {
  /** The benchmark database; serve mode runs over a copy of it. */
  dbPath: string;
  /** Where the copy and the extra reports go. */
  workDir: string;
  projectRoot: string;
  /** The corpus's last day; the extra reports lie after it, so that they are new to the database. */
  end: number;
  /** Files uploaded, and files imported by the command line beside it. */
  files?: number;
}

const PROBE_INTERVAL_MS = 25;
const IDLE_MS = 3000;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function percentile(sorted: readonly number[], share: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0).toFixed(1));
}

async function startServe(cli: string, db: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--db', db], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const url = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line.toString())?.[1];
  if (!url) throw new Error(`serve said: ${line.toString()}`);
  return { url, child };
}

async function call(url: string, method: string, body: unknown): Promise<unknown> {
  const reply = await fetch(`${url}api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const result = (await reply.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  if (!result.ok) throw new Error(`${method}: ${result.error?.message}`);
  return result.value;
}

export async function measureServeLoad(options: ServeLoadOptions): Promise<Record<string, unknown>[]> {
  const count = options.files ?? 2000;
  const cli = join(options.projectRoot, 'dist', 'electron', 'cli', 'tlsrpt.js');
  const db = join(options.workDir, 'serve-load.sqlite');
  const uploadDir = join(options.workDir, 'serve-load-upload');
  const importDir = join(options.workDir, 'serve-load-import');
  for (const path of [db, `${db}-wal`, `${db}-shm`, uploadDir, importDir])
    rmSync(path, { recursive: true, force: true });
  copyFileSync(options.dbPath, db);
  const day = 86_400_000;
  writeSyntheticCorpus(uploadDir, { reports: count, emailShare: 0.1, seed: 11 }, options.end + 1000 * day);
  writeSyntheticCorpus(importDir, { reports: count, emailShare: 0.1, seed: 12 }, options.end + 2000 * day);
  const uploads = listFiles(uploadDir);

  const { url, child } = await startServe(cli, db);
  try {
    const probe = async (until: () => boolean): Promise<number[]> => {
      const times: number[] = [];
      while (!until()) {
        const started = performance.now();
        await call(url, 'overview', { filter: {} });
        times.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
      return times.sort((a, b) => a - b);
    };
    const idleUntil = performance.now() + IDLE_MS;
    const idle = await probe(() => performance.now() > idleUntil);

    let loadDone = false;
    const underLoad = probe(() => loadDone);
    const started = performance.now();
    const upload = (async () => {
      const ids: string[] = [];
      let next = 0;
      const sender = async (): Promise<void> => {
        for (let index = next++; index < uploads.length; index = next++) {
          const file = uploads[index] ?? '';
          const reply = await fetch(`${url}api/upload`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/octet-stream', [UPLOAD_NAME_HEADER]: encodeURIComponent(file) },
            body: readFileSync(file),
          });
          ids[index] = ((await reply.json()) as { value: { uploadId: string } }).value.uploadId;
        }
      };
      await Promise.all([sender(), sender()]);
      const { jobId } = (await call(url, 'startImport', { uploads: ids })) as { jobId: string };
      for (;;) {
        const status = (await call(url, 'importStatus', { jobId, since: 1e9 })) as {
          done: boolean;
          progress: { totals: { imported: number } };
        };
        if (status.done)
          return { imported: status.progress.totals.imported, seconds: (performance.now() - started) / 1000 };
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const cliImport = (async () => {
      const importer = spawn(process.execPath, [cli, 'import', '--db', db, importDir], { stdio: 'ignore' });
      await once(importer, 'exit');
      return (performance.now() - started) / 1000;
    })();
    const csv = (async () => {
      const download = await fetch(
        `${url}api/${FAILURES_CSV_ROUTE}?request=${encodeURIComponent(JSON.stringify({ query: { filter: {} } }))}`,
      );
      const rows = (await download.text()).split('\r\n').length - 2;
      return { rows, seconds: (performance.now() - started) / 1000 };
    })();
    const [uploaded, cliSeconds, exported] = await Promise.all([upload, cliImport, csv]);
    loadDone = true;
    const loaded = await underLoad;
    return [
      {
        figure: 'the Overview call in serve mode under load',
        load: `upload and import of ${uploads.length} files, tlsrpt import of ${count} files beside it, a CSV export of every failure detail`,
        idleP95ms: percentile(idle, 0.95),
        calls: loaded.length,
        p50ms: percentile(loaded, 0.5),
        p95ms: percentile(loaded, 0.95),
        maxMs: percentile(loaded, 1),
        uploadImported: uploaded.imported,
        uploadSeconds: Number(uploaded.seconds.toFixed(1)),
        cliImportSeconds: Number(cliSeconds.toFixed(1)),
        csvRows: exported.rows,
        csvSeconds: Number(exported.seconds.toFixed(1)),
        target: 'p95 ≤ 100 ms',
      },
    ];
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    for (const path of [db, `${db}-wal`, `${db}-shm`, uploadDir, importDir])
      rmSync(path, { recursive: true, force: true });
  }
}
