import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/*
 * The real desktop app, where an Electron binary and a better-sqlite3 built
 * for it exist (`npm start` makes both on a machine with network access).
 * The project's build machines have neither, so there this is skipped and
 * the shell is covered by test/electron/ against a stand-in module.
 */
const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
const pathFile = join(electronDir, 'path.txt');
const binary = existsSync(pathFile) ? join(electronDir, 'dist', readFileSync(pathFile, 'utf8')) : null;
const electronVersion = (JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')) as { version: string })
  .version;
const binding = join(
  '.cache',
  `electron-${electronVersion}`,
  'node_modules',
  'better-sqlite3',
  'build',
  'Release',
  'better_sqlite3.node',
);

const missing =
  binary === null || !existsSync(binary)
    ? 'no Electron binary is installed (it cannot be downloaded on this machine)'
    : !existsSync(binding)
      ? `no better-sqlite3 built for Electron ${electronVersion} (run "npm start" once)`
      : null;

test.describe('the desktop app in real Electron', () => {
  test.skip(missing !== null, `skipped: ${missing ?? ''}`);

  test('opens a locked-down window whose page reaches the backend only through the bridge', async () => {
    const app = await electron.launch({
      executablePath: binary ?? '',
      args: [join('dist', 'electron', 'main.js')],
      env: {
        ...process.env,
        TLSRPT_DB: join(mkdtempSync(join(tmpdir(), 'tlsrpt-electron-')), 'reports.sqlite'),
        TLSRPT_ELECTRON_SQLITE_BINDING: binding,
      },
    });
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { name: 'No reports yet' })).toBeVisible();
    expect(page.url()).toBe('app://tlsrpt/index.html#/');
    const exposed = await page.evaluate(() => ({
      bridge: Object.keys((window as unknown as { tlsrpt: object }).tlsrpt).sort(),
      node: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(exposed).toEqual({
      bridge: ['invoke', 'onMenuCommand', 'pathForFile'],
      node: 'undefined',
      process: 'undefined',
    });
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://tlsrpt/index.html#/');
    await app.close();
  });
});
