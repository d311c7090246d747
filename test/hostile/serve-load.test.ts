import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FAILURES_CSV_ROUTE, UPLOAD_NAME_HEADER } from '../../shared/api/contract.js';
import { cliPath, runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

/** `tlsrpt serve` in its own process (the built CLI, with its worker threads), on a free loopback port. */
async function startServe(db: string): Promise<string> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--db', db], {
    env: { ...process.env, TLSRPT_DB: '' },
  });
  children.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const url = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line.toString())?.[1];
  if (!url) throw new Error(`serve said: ${line.toString()}`);
  return url;
}

async function call(url: string, method: string, body: unknown): Promise<{ ok: boolean; value?: unknown }> {
  const reply = await fetch(`${url}api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await reply.json()) as { ok: boolean; value?: unknown };
}

function reportWithDetails(id: number, details: number): string {
  const list = Array.from({ length: details }, (_, n) =>
    failureDetail('certificate-expired', 1, {
      'sending-mta-ip': `192.0.2.${n % 250}`,
      'additional-information': `x${n}`,
    }),
  );
  return reportJson({ reportId: `r${id}`, policies: [policyEntry({ failed: details, details: list })] });
}

describe('serve mode keeps answering while heavy work runs', () => {
  it('answers the Overview while a CSV export of 300,000 rows and an upload of 1,000 files run', async () => {
    const dir = tempDir();
    const input = join(dir, 'in');
    mkdirSync(input);
    for (let i = 0; i < 3000; i++) writeFileSync(join(input, `r${i}.json`), reportWithDetails(i, 100));
    const db = join(dir, 'load.sqlite');
    expect(runCli(['import', '--db', db, input]).status).toBe(0);
    const url = await startServe(db);

    const latencies: number[] = [];
    let stop = false;
    const probe = (async () => {
      while (!stop) {
        const started = performance.now();
        expect((await call(url, 'overview', { filter: {} })).ok).toBe(true);
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const exportStarted = performance.now();
    const exporting = (async () => {
      const download = await fetch(
        `${url}api/${FAILURES_CSV_ROUTE}?request=${encodeURIComponent(JSON.stringify({ query: { filter: {} } }))}`,
      );
      // Rows: the lines but the header (no field of these reports holds a line break).
      return (await download.text()).split('\r\n').length - 2;
    })();
    const uploading = (async () => {
      const ids: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const reply = await fetch(`${url}api/upload`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream', [UPLOAD_NAME_HEADER]: `u${i}.json.gz` },
          body: gzipSync(reportWithDetails(10_000 + i, 20)),
        });
        ids.push(((await reply.json()) as { value: { uploadId: string } }).value.uploadId);
      }
      const started = (await call(url, 'startImport', { uploads: ids })) as { value: { jobId: string } };
      for (;;) {
        const status = (await call(url, 'importStatus', { jobId: started.value.jobId, since: 1_000_000 })) as {
          value: { done: boolean; progress: { totals: { imported: number } } };
        };
        if (status.value.done) return status.value.progress.totals.imported;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const [csv, imported] = await Promise.all([exporting, uploading]);
    const exportMs = performance.now() - exportStarted;
    stop = true;
    await probe;

    expect(csv).toBe(300_000);
    expect(imported).toBe(1000);
    // On the request thread this export blocked every answer for 5.8 s (measured with it there; before: 4.6 s
    // for 172,750 rows); off it, the longest wait measured was 0.9 s (sending the 30 MB answer, when it was one; two cores
    // shared with the import's threads), and the p95 26 ms: npm run bench has the figure.
    expect(exportMs).toBeGreaterThan(1000);
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(2500);
  }, 180_000);
});
