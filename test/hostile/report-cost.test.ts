// Strangers' reports inside the size limits that used to cost a gigabyte
// (issue 23, point 4): many scalars, many different key names, long strings.
// Each is rejected with its limit named, in a child import whose peak memory
// is measured; a legitimate report at the policy and detail limits is stored.
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MAX_FAILURE_DETAILS, MAX_POLICIES } from '../../shared/report/limits.js';
import { useTempDir } from '../helpers/files.js';
import { importWithPeakRss, writeGzipRepeated } from '../helpers/hostile-files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const MB = 1000 * 1000;
/** What any report within the limits may cost an import, whole process included. */
const BOUND = 300 * MB;

/** `count` objects of `perObject` keys, every key name new, gzipped as they are made. */
async function writeDistinctKeys(path: string, head: string, count: number, perObject: number): Promise<void> {
  let made = 0;
  const source = new Readable({
    read() {
      if (made === 0) this.push(`${head},"x-vendor":[`);
      if (made >= count) {
        this.push(']}');
        this.push(null);
        return;
      }
      const objects: string[] = [];
      for (let n = 0; n < 1000 && made < count; n++, made++) {
        const keys = Array.from({ length: perObject }, (_, k) => `"k${made}_${k}":0`);
        objects.push(`{${keys.join(',')}}`);
      }
      this.push((made > objects.length ? ',' : '') + objects.join(','));
    },
  });
  await pipeline(source, createGzip(), createWriteStream(path));
}

describe('what a stranger’s report may cost inside the limits', () => {
  it('rejects 33 million scalars, 1.2 million key names and a 60 MB string, each in a bounded import', async () => {
    const dir = join(tempDir(), 'in');
    mkdirSync(dir);
    const head = reportJson({ reportId: 'hostile' }).slice(0, -1);
    // The attack pass's 64 KB gzip of [0,0,…]: 967 MB and 8.8 s before.
    await writeGzipRepeated(join(dir, 'zeros.json.gz'), `${head},"x-vendor":[`, '0', 33_000_000, ']}', ',');
    // Different key names, 100 to an object: 1 GB and 15 s before.
    await writeDistinctKeys(join(dir, 'keys.json.gz'), head, 12_000, 100);
    await writeGzipRepeated(join(dir, 'string.json.gz'), `${head},"x-vendor":"`, 'a', 60 * MB, '"}');
    writeFileSync(join(dir, 'good.json'), reportJson({ reportId: 'good' }));
    const db = join(tempDir(), 'cost.sqlite');

    const run = importWithPeakRss(db, dir);
    const over = ': over the limit for one report';
    expect(run.stdout).toContain(`rejected   ${join(dir, 'zeros.json.gz')}: more than 2,000,000 JSON values${over}`);
    expect(run.stdout).toContain(
      `rejected   ${join(dir, 'keys.json.gz')}: more than 10,000 different JSON key names${over}`,
    );
    expect(run.stdout).toContain(
      `rejected   ${join(dir, 'string.json.gz')}: a JSON string longer than 1,048,576 characters${over}`,
    );
    expect(run.stdout).toContain('4 files: 1 imported, 0 duplicates, 3 rejected, 0 skipped');
    expect(run.status).toBe(1);
    expect(run.peak).toBeGreaterThan(0);
    expect(run.peak).toBeLessThan(BOUND);
  }, 180_000);

  it('stores a report at the policy and failure-detail limits within the bound', () => {
    const dir = join(tempDir(), 'in');
    mkdirSync(dir);
    const perPolicy = MAX_FAILURE_DETAILS / MAX_POLICIES;
    const policies = Array.from({ length: MAX_POLICIES }, (_, p) =>
      policyEntry({
        domain: `d${p}.example`,
        failed: perPolicy,
        details: Array.from({ length: perPolicy }, (_, n) =>
          failureDetail('certificate-expired', 1, {
            'sending-mta-ip': `192.0.2.${n}`,
            'receiving-mx-hostname': `mx${n}.d${p}.example`,
            'additional-information': `https://d${p}.example/why/${n}`,
          }),
        ),
      }),
    );
    writeFileSync(join(dir, 'wide.json'), reportJson({ reportId: 'wide', policies }));
    const db = join(tempDir(), 'wide.sqlite');
    const run = importWithPeakRss(db, dir);
    expect(run.stdout).toContain('1 imported');
    expect(run.status).toBe(0);
    expect(run.peak).toBeLessThan(BOUND);
    const stored = new Database(db, { readonly: true });
    try {
      expect(stored.prepare('SELECT COUNT(*) FROM failure_details').pluck().get()).toBe(MAX_FAILURE_DETAILS);
    } finally {
      stored.close();
    }
  }, 180_000);
});
