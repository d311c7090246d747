import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRegularFile, withRegularFile } from '../../electron/backend/files/regular-file.js';
import { useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();

describe('reading a regular file', () => {
  it.each([1, 2_300, 16_384])('reads a file of %i bytes whole, in a buffer of exactly its bytes', (size) => {
    const file = join(tempDir(), 'f');
    const content = randomBytes(size);
    writeFileSync(file, content);
    const read = readRegularFile(file, 1024 * 1024);
    expect(read.equals(content)).toBe(true);
    // Its own memory: a worker thread can move it to the writer, and a small report
    // does not keep a larger buffer alive (a 64 KiB chunk held each 2 KiB report).
    expect(read.byteOffset).toBe(0);
    expect(read.buffer.byteLength).toBe(size);
  });

  it.each([16_385, 65_536, 65_537, 300_000])('reads a file of %i bytes whole', (size) => {
    const file = join(tempDir(), 'f');
    const content = randomBytes(size);
    writeFileSync(file, content);
    expect(readRegularFile(file, 1024 * 1024).equals(content)).toBe(true);
  });

  it('reads a file of exactly the limit, and refuses one a byte over it before reading', () => {
    const file = join(tempDir(), 'f');
    writeFileSync(file, randomBytes(4096));
    expect(readRegularFile(file, 4096).length).toBe(4096);
    expect(() => readRegularFile(file, 4095)).toThrow(/^the file is 4 KiB, over the .* limit$/);
  });

  it('reads the head and then the whole of the same file', () => {
    const file = join(tempDir(), 'f');
    const content = randomBytes(10_000);
    writeFileSync(file, content);
    const [head, all] = withRegularFile(file, 1 << 20, (opened) => [opened.head(100), opened.all()] as const);
    expect(head.equals(content.subarray(0, 100))).toBe(true);
    expect(all.equals(content)).toBe(true);
  });

  it.runIf(existsSync('/proc/self/status'))(
    'reads a file whose size says 0 (/proc) up to the limit, and refuses it past the limit',
    () => {
      const status = readRegularFile('/proc/self/status', 1 << 20).toString('utf8');
      expect(status).toMatch(/^Name:/);
      expect(() => readRegularFile('/proc/self/status', 16)).toThrow('the file is over the 16 bytes limit');
    },
  );
});
