// Hostile report files made by the test itself (never committed), and an
// import that reports its peak memory.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { cliPath } from './cli.js';
import { repoRoot } from './files.js';

/** Writes `head`, then `count` times `item` (joined by `separator`), then `tail`, gzipped, never whole in memory. */
export async function writeGzipRepeated(
  path: string,
  head: string,
  item: string,
  count: number,
  tail: string,
  separator = '',
): Promise<void> {
  const perChunk = Math.max(1, Math.floor((1024 * 1024) / (item.length + separator.length)));
  const chunk = Buffer.from(Array.from({ length: perChunk }, () => item).join(separator) + separator);
  let left = count;
  let started = false;
  const source = new Readable({
    read() {
      if (!started) {
        started = true;
        this.push(head);
        return;
      }
      if (left <= 0) {
        this.push(null);
        return;
      }
      if (left >= perChunk + 1) {
        this.push(chunk);
        left -= perChunk;
        return;
      }
      this.push(Array.from({ length: left }, () => item).join(separator) + tail);
      left = 0;
    },
  });
  await pipeline(source, createGzip({ level: 9 }), createWriteStream(path));
}

export function importWithPeakRss(
  db: string,
  dir: string,
): { stdout: string; status: number | null; peak: number; ms: number } {
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'test', 'helpers', 'peak-rss.mjs'), cliPath, 'import', '--db', db, dir],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const peak = Number(/peak-rss-bytes (\d+)/.exec(result.stderr)?.[1]);
  return { stdout: result.stdout, status: result.status, peak, ms: Date.now() - started };
}
