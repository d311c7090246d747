// `npm start`: runs the desktop app from the build in dist/. Electron's own
// binary and a better-sqlite3 built for Electron's Node ABI are both needed;
// where either cannot be had, this says so and points to serve mode, which
// runs the same UI in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
function electronBinary(): string {
  const packageDir = dirname(require.resolve('electron/package.json'));
  const pathFile = join(packageDir, 'path.txt');
  const located = (): string | null => {
    if (!existsSync(pathFile)) return null;
    const binary = join(
      process.env['ELECTRON_OVERRIDE_DIST_PATH'] ?? join(packageDir, 'dist'),
      readFileSync(pathFile, 'utf8'),
    );
    return existsSync(binary) ? binary : null;
  };
  const found = located();
  if (found) return found;
  process.stderr.write('tlsrpt-viewer: the Electron binary is not installed yet; downloading it…\n');
  const download = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    stdio: 'inherit',
    timeout: 300_000,
  });
  const downloaded = located();
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
function electronSqliteBinding(electronVersion: string): string {
  const cacheDir = join(projectRoot, '.cache', `electron-${electronVersion}`);
  const binding = join(cacheDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return binding;
  process.stderr.write(`tlsrpt-viewer: building better-sqlite3 for Electron ${electronVersion} (once)…\n`);
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
      `import { rebuild } from '@electron/rebuild'; await rebuild({ buildPath: ${JSON.stringify(cacheDir)}, electronVersion: ${JSON.stringify(electronVersion)}, onlyModules: ['better-sqlite3'], force: true });`,
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

const main = join(projectRoot, 'dist', 'electron', 'main.js');
if (!existsSync(main) || !existsSync(join(projectRoot, 'dist', 'renderer', 'index.html'))) {
  fail('the app is not built: run "npm run build" first (npm start does this).');
}
const binary = electronBinary();
const electronVersion = (
  JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }
).version;
const binding = electronSqliteBinding(electronVersion);
const child = spawn(binary, [main], {
  stdio: 'inherit',
  env: { ...process.env, TLSRPT_ELECTRON_SQLITE_BINDING: binding },
});
child.on('exit', (code) => process.exit(code ?? 1));
