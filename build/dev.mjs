// npm run dev: the UI from Vite's dev server, with hot reload, over a real
// `tlsrpt serve` backend that Vite proxies /api/ to. The backend is the built
// command line (npm run dev builds it first): a change to electron/ or shared/
// backend code needs npm run dev again; a change to renderer/ shows at once.
import { spawn } from 'node:child_process';

const backendPort = Number(process.env.TLSRPT_DEV_BACKEND_PORT ?? 8462);
const backendArgs = ['dist/electron/cli/tlsrpt.js', 'serve', '--port', String(backendPort)];
// The database of `tlsrpt serve`: --db after `npm run dev --`, else $TLSRPT_DB, else the desktop app's own.
backendArgs.push(...process.argv.slice(2));

const children = [];
let stopping = false;

function start(command, args, env) {
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    // One half without the other is no development loop: stop both, and say which ended.
    process.stderr.write(`npm run dev: ${args[0]} ended (${signal ?? `exit ${code}`}); stopping.\n`);
    stop(code ?? 1);
  });
  return child;
}

function stop(status) {
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  process.exitCode = status;
}

process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

start(process.execPath, backendArgs, {});
start(process.execPath, ['node_modules/vite/bin/vite.js'], { TLSRPT_DEV_BACKEND: `http://127.0.0.1:${backendPort}` });
