// npm run dist: build, package with electron-builder, then put back the Node
// build of better-sqlite3 that electron-builder replaced with Electron's, so
// that `npm test` and `npx tlsrpt` keep working in this checkout.
import { spawnSync } from 'node:child_process';
import { macNotarizationRefusal, macSigningArguments } from './signing.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const run = (command, args) =>
  spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;

const signing = macSigningArguments(process.env);
const buildsMac = process.platform === 'darwin' || process.argv.includes('--mac');
const refusal = macNotarizationRefusal(process.env);
if (buildsMac && refusal) {
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
}
let status = run(npm, ['run', 'build']);
if (status === 0) {
  // The mac settings only matter when a macOS target is built; elsewhere electron-builder ignores them.
  if (signing.note && buildsMac) {
    process.stderr.write(`${signing.note}\n`);
  }
  status = run(npx, [
    'electron-builder',
    '--config',
    'build/electron-builder.yml',
    '--publish',
    'never',
    ...signing.args,
    ...process.argv.slice(2),
  ]);
}
const restored = run(npm, ['rebuild', 'better-sqlite3']);
process.exit(status || restored);
