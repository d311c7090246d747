import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const corpusReports = join(repoRoot, 'test', 'fixtures', 'corpus', 'reports');

/** A fresh temporary folder, removed after the current test. */
export function useTempDir(prefix = 'tlsrpt-test-'): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}
