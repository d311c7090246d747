// The Electron entry point: resolves where the built parts are and hands the
// real electron module to the shell. Everything else lives in shell/.
import * as electron from 'electron';
import { fileURLToPath } from 'node:url';
import { startDesktopApp } from './shell/desktop-app.js';

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

startDesktopApp(electron, {
  rendererDir: here('../renderer'),
  preload: here('./preload.cjs'),
  backendEntry: here('./shell/backend-process.js'),
});
