import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  electronArguments,
  electronBinary,
  electronSqliteBinding,
  electronSqliteCacheDir,
  installedNativeBuildKey,
} from '../../electron/dev-electron.js';
import { repoRoot, useTempDir } from '../helpers/files.js';

const tempDir = useTempDir();

describe('npm start’s Electron build of better-sqlite3', () => {
  it('is kept per Electron version, better-sqlite3 version, platform and architecture', () => {
    const key = { electronVersion: '45.5.0', sqliteVersion: '12.11.1', platform: 'linux' as const, arch: 'x64' };
    const dirs = new Set(
      [
        key,
        { ...key, electronVersion: '45.6.0' },
        { ...key, sqliteVersion: '12.12.0' },
        { ...key, arch: 'arm64' },
        { ...key, platform: 'darwin' as const },
      ].map((variant) => electronSqliteCacheDir('/project', variant)),
    );
    expect(dirs.size).toBe(5);
    expect(electronSqliteCacheDir('/project', key)).toBe(
      '/project/.cache/electron-45.5.0-better-sqlite3-12.11.1-linux-x64',
    );
    expect(electronSqliteBinding('/c')).toBe('/c/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  });

  it('is keyed by what is installed now', () => {
    const installed = (name: string) =>
      (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    expect(installedNativeBuildKey()).toEqual({
      electronVersion: installed('electron'),
      sqliteVersion: installed('better-sqlite3'),
      platform: process.platform,
      arch: process.arch,
    });
  });
});

describe('npm start’s Electron', () => {
  it('is found the way the electron package finds it, ELECTRON_OVERRIDE_DIST_PATH included', () => {
    const packageDir = tempDir();
    expect(electronBinary(packageDir, {})).toBeNull();
    writeFileSync(join(packageDir, 'path.txt'), 'electron');
    expect(electronBinary(packageDir, {})).toBeNull();
    mkdirSync(join(packageDir, 'dist'));
    writeFileSync(join(packageDir, 'dist', 'electron'), '');
    expect(electronBinary(packageDir, {})).toBe(join(packageDir, 'dist', 'electron'));
    const override = tempDir();
    expect(electronBinary(packageDir, { ELECTRON_OVERRIDE_DIST_PATH: override })).toBeNull();
    writeFileSync(join(override, 'electron'), '');
    expect(electronBinary(packageDir, { ELECTRON_OVERRIDE_DIST_PATH: override })).toBe(join(override, 'electron'));
  });

  it('is started on the project folder, whose package.json names the app and its entry', () => {
    // Electron's default app reads package.json only when given a folder.
    expect(electronArguments(repoRoot)).toEqual([repoRoot]);
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      productName: string;
      main: string;
    };
    expect(manifest).toMatchObject({ productName: 'tlsrpt-viewer', main: 'dist/electron/main.js' });
  });
});
