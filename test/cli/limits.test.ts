import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cliPath } from '../helpers/cli.js';
import { repoRoot, useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const GiB = 1024 * 1024 * 1024;

/** 1 GiB of spaces, gzip-compressed to about a megabyte, written without holding it in memory. */
async function writeGzipBomb(path: string): Promise<void> {
  const chunk = Buffer.alloc(16 * 1024 * 1024, 0x20);
  let left = GiB / chunk.length;
  const source = new Readable({
    read() {
      this.push(left-- > 0 ? chunk : null);
    },
  });
  await pipeline(source, createGzip({ level: 9 }), createWriteStream(path));
}

describe('decompression limits', () => {
  it('rejects a 1 GiB gzip bomb, imports the file beside it, and stays under 300 MB of memory', async () => {
    const dir = join(tempDir(), 'in');
    mkdirSync(dir);
    await writeGzipBomb(join(dir, 'bomb.json.gz'));
    expect(statSync(join(dir, 'bomb.json.gz')).size).toBeLessThan(2 * 1024 * 1024);
    writeFileSync(join(dir, 'good.json'), reportJson({ reportId: 'good' }));

    const result = spawnSync(
      process.execPath,
      [join(repoRoot, 'test', 'helpers', 'peak-rss.mjs'), cliPath, 'import', '--db', join(tempDir(), 'b.sqlite'), dir],
      { encoding: 'utf8' },
    );
    expect(result.stdout).toContain(
      `rejected   ${join(dir, 'bomb.json.gz')}: decompresses to more than the 64 MiB limit for a report`,
    );
    expect(result.stdout).toContain('2 files: 1 imported, 0 duplicates, 1 rejected, 0 skipped');
    expect(result.status).toBe(1);
    const peak = Number(/peak-rss-bytes (\d+)/.exec(result.stderr)?.[1]);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(300 * 1000 * 1000);
  });
});
