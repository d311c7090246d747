import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/files.js';

/*
 * package.json's `engines` must promise only Node versions the locked
 * packages accept: a version outside a package's own `engines` makes
 * `npm ci` warn (EBADENGINE) and may not run it. The lowest release of each
 * branch is where a range starts, so those are the versions checked.
 */
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
};

/** The locked packages that do not accept `version`, by name. */
function refusing(version: string): string[] {
  const names: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (path === '' || range === undefined) continue;
    if (!semver.satisfies(version, range)) names.push(path.replace(/^.*node_modules\//, ''));
  }
  return [...new Set(names)].sort();
}

// Electron 45's toolchain declares Node 22.12; on Node 20 these warn and
// work (README: Node versions), and none of them is in the packaged app.
const ELECTRON_TOOLCHAIN_ON_NODE_20 = [
  '@electron-internal/extract-zip',
  '@electron/get',
  '@electron/rebuild',
  'electron',
  'node-abi',
];

describe('package.json engines', () => {
  it('is ^20.19.0 || ^22.13.0 || >=24', () => {
    expect(manifest.engines.node).toBe('^20.19.0 || ^22.13.0 || >=24');
  });

  it('promises no version a locked package refuses, but for the Electron toolchain on Node 20', () => {
    expect(refusing('22.13.0')).toEqual([]);
    expect(refusing('24.0.0')).toEqual([]);
    expect(refusing('20.19.0')).toEqual(ELECTRON_TOOLCHAIN_ON_NODE_20);
  });

  it('leaves out the versions that eslint 10 and vitest 4 refuse', () => {
    for (const version of ['22.12.0', '23.11.0', '21.7.0']) {
      expect(semver.satisfies(version, manifest.engines.node), version).toBe(false);
      expect(refusing(version), version).toEqual(expect.arrayContaining(['eslint']) as unknown);
    }
  });
});
