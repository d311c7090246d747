// `npm start`: runs the desktop app from the build in dist/. Electron's own
// binary and a better-sqlite3 built for Electron's Node ABI are both needed;
// where either cannot be had, this says so and points to serve mode, which
// runs the same UI in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEV_SQLITE_BINDING_VARIABLE,
  electronArguments,
  electronBinary,
  electronPackageDir,
  electronSqliteBinding,
  electronSqliteCacheDir,
  installedNativeBuildKey,
  type NativeBuildKey,
} from './dev-electron.js';

const require = createRequire(import.meta.url);
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const SERVE_HINT = [
  'The same app runs in your browser instead:',
  '  npx tlsrpt serve        (then open http://127.0.0.1:8460/)',
  'and on the command line: npx tlsrpt import PATH..., npx tlsrpt summary',
].join('\n');

function fail(message: string): never {
  process.stderr.write(`tlsrpt-viewer: ${message}\n\n${SERVE_HINT}\n`);
  process.exit(1);
}

/** Electron's binary, downloading it the way the electron package does when it is missing. */
function installedElectronBinary(): string {
  const packageDir = electronPackageDir();
  const found = electronBinary(packageDir);
  if (found) return found;
  process.stderr.write('tlsrpt-viewer: the Electron binary is not installed yet; downloading it…\n');
  const download = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    stdio: 'inherit',
    timeout: 300_000,
  });
  const downloaded = electronBinary(packageDir);
  if (download.status === 0 && downloaded) return downloaded;
  return fail(
    `the Electron binary is not installed (${join(packageDir, 'dist')} is missing) and could not be downloaded.\n` +
      'Check the network connection and run "npm start" again.',
  );
}

/**
 * node_modules holds better-sqlite3 built for Node (the tests and the command
 * line use it). The desktop app needs it built for Electron: that build is
 * kept apart, in .cache/, and handed to the backend process by path.
 */
function builtSqliteBinding(key: NativeBuildKey): string {
  const cacheDir = electronSqliteCacheDir(projectRoot, key);
  const binding = electronSqliteBinding(cacheDir);
  if (existsSync(binding)) return binding;
  process.stderr.write(
    `tlsrpt-viewer: building better-sqlite3 ${key.sqliteVersion} for Electron ${key.electronVersion} (once)…\n`,
  );
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  mkdirSync(join(cacheDir, 'node_modules'), { recursive: true });
  cpSync(source, join(cacheDir, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (path) => !path.includes(join('better-sqlite3', 'build')),
  });
  writeFileSync(
    join(cacheDir, 'package.json'),
    JSON.stringify({ name: 'electron-native', private: true, dependencies: { 'better-sqlite3': '*' } }),
  );
  const rebuild = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { rebuild } from '@electron/rebuild'; await rebuild({ buildPath: ${JSON.stringify(cacheDir)}, electronVersion: ${JSON.stringify(key.electronVersion)}, arch: ${JSON.stringify(key.arch)}, onlyModules: ['better-sqlite3'], force: true });`,
    ],
    { stdio: 'inherit', cwd: projectRoot },
  );
  if (rebuild.status !== 0 || !existsSync(binding)) {
    return fail(
      "better-sqlite3 could not be built for Electron (it needs Electron's headers from the network and a C++ compiler).",
    );
  }
  return binding;
}

if (
  !existsSync(join(projectRoot, 'dist', 'electron', 'main.js')) ||
  !existsSync(join(projectRoot, 'dist', 'renderer', 'index.html'))
) {
  fail('the app is not built: run "npm run build" first (npm start does this).');
}
const binary = installedElectronBinary();
const binding = builtSqliteBinding(installedNativeBuildKey());
// `--prepare`: fetch and build both, and stop before opening a window; CI
// runs this so the real-Electron tests find what they need.
if (process.argv.includes('--prepare')) process.exit(0);
const child = spawn(binary, [...electronArguments(projectRoot), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, [DEV_SQLITE_BINDING_VARIABLE]: binding },
});
child.on('exit', (code) => process.exit(code ?? 1));
