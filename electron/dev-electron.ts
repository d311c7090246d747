// Where `npm start` (and the real-Electron test) find Electron's binary and
// the better-sqlite3 built for it. No side effects: launch.ts runs them.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The environment variable through which `npm start` hands the backend a
 * better-sqlite3 built for Electron (node_modules holds the Node build).
 */
export const DEV_SQLITE_BINDING_VARIABLE = 'TLSRPT_ELECTRON_SQLITE_BINDING';

export interface NativeBuildKey {
  electronVersion: string;
  sqliteVersion: string;
  platform: NodeJS.Platform;
  arch: string;
}

function versionOf(packageName: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${packageName}/package.json`), 'utf8')) as { version: string })
    .version;
}

/** What the Electron build of better-sqlite3 depends on, as installed now. */
export function installedNativeBuildKey(): NativeBuildKey {
  return {
    electronVersion: versionOf('electron'),
    sqliteVersion: versionOf('better-sqlite3'),
    platform: process.platform,
    arch: process.arch,
  };
}

/**
 * One folder per Electron version, better-sqlite3 version, platform and
 * architecture: an addon built for any other of them fails to load (another
 * ABI) or, worse, loads the old SQLite after an upgrade.
 */
export function electronSqliteCacheDir(projectRoot: string, key: NativeBuildKey): string {
  return join(
    projectRoot,
    '.cache',
    `electron-${key.electronVersion}-better-sqlite3-${key.sqliteVersion}-${key.platform}-${key.arch}`,
  );
}

export function electronSqliteBinding(cacheDir: string): string {
  return join(cacheDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
}

export function electronPackageDir(): string {
  return dirname(require.resolve('electron/package.json'));
}

/**
 * Electron's binary, found as the electron package's own index.js finds it:
 * path.txt names it inside dist/, and ELECTRON_OVERRIDE_DIST_PATH replaces
 * dist/ (then without path.txt the binary is called `electron`). Null when
 * it is not there.
 */
export function electronBinary(packageDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const pathFile = join(packageDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : null;
  const override = env['ELECTRON_OVERRIDE_DIST_PATH'];
  const binary = override
    ? join(override, executable ?? 'electron')
    : executable !== null
      ? join(packageDir, 'dist', executable)
      : null;
  return binary !== null && existsSync(binary) ? binary : null;
}

/**
 * Electron is given the project folder, not dist/electron/main.js: only for a
 * folder does Electron's default app read package.json (its `main`, and the
 * productName that names the data folder) and set the app's version.
 */
export function electronArguments(projectRoot: string): string[] {
  return [projectRoot];
}
