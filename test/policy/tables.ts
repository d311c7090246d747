import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/files.js';

export const policyFixtures = join(repoRoot, 'test', 'fixtures', 'policies');

/** One of the corpus's JSONL test tables (see test/fixtures/policies/PROVENANCE.md). */
export function policyTable<T>(name: string): T[] {
  return readFileSync(join(policyFixtures, name), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}
