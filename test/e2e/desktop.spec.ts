import { _electron as electron, expect, test, type Page } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DEV_SQLITE_BINDING_VARIABLE,
  electronArguments,
  electronBinary,
  electronPackageDir,
  electronSqliteBinding,
  electronSqliteCacheDir,
  installedNativeBuildKey,
} from '../../electron/dev-electron.js';
import { createOAuthServer } from '../helpers/oauth-server.js';

const projectRoot = resolve('.');
const CORPUS = join(projectRoot, 'test', 'fixtures', 'corpus', 'reports');
const DROPPED = [
  join(CORPUS, 'parsedmarc__mail.ru.json'),
  join(CORPUS, 'mail-auth__rpt01.eml'),
  join(CORPUS, 'extracted'), // a folder
];

/**
 * Drops files and folders from disk on the page the way the OS does, through
 * Chromium's input layer (CDP Input.dispatchDragEvent): the page gets real,
 * disk-backed File objects and directory entries, not Files made in script.
 */
async function dropFromDisk(page: Page, paths: string[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const box = await page.getByTestId('app').boundingBox();
  const window = page.viewportSize();
  if (!box || !window) throw new Error('no drop target');
  // The middle of the part of the app that is in the window: the app is often taller than the window, and a
  // point below the fold is outside every element the drop could reach.
  const top = Math.max(box.y, 0);
  const bottom = Math.min(box.y + box.height, window.height);
  const left = Math.max(box.x, 0);
  const right = Math.min(box.x + box.width, window.width);
  if (bottom <= top || right <= left) throw new Error('the app is not in the window');
  const at = { x: (left + right) / 2, y: (top + bottom) / 2 };
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  }
  await cdp.detach();
}

/*
 * The page's drop code with a stand-in for the desktop preload, in Chromium
 * against serve mode. The stand-in's pathForFile behaves like Electron's
 * webUtils.getPathForFile: it names a path only for the File objects the drop
 * itself carried, and returns '' for any File made in script (such as a copy
 * made with `new File([file], …)`), which is what made every desktop drop an
 * upload.
 */
test.describe('a drop in the desktop app (stand-in preload, real Chromium)', () => {
  test('is imported by path, folders included, and nothing is uploaded', async ({ page }) => {
    await page.addInitScript((droppedPaths: string[]) => {
      const onDisk = new WeakMap<File, string>();
      const invoked: { method: string; request: unknown }[] = [];
      const byName = new Map(droppedPaths.map((path) => [path.slice(path.lastIndexOf('/') + 1), path]));
      // Electron knows the originals' paths; here, the drop's own File objects are noted before the page sees them.
      window.addEventListener(
        'drop',
        (event) => {
          for (const file of event.dataTransfer?.files ?? []) {
            const path = byName.get(file.name);
            if (path) onDisk.set(file, path);
          }
        },
        { capture: true },
      );
      Object.assign(window, {
        __invoked: invoked,
        tlsrpt: {
          async invoke(method: string, request: unknown) {
            invoked.push({ method, request });
            const response = await fetch(`api/${method}`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify(request),
            });
            return (await response.json()) as unknown;
          },
          pathForFile(file: unknown) {
            if (!(file instanceof File)) throw new TypeError('getPathForFile: not a File');
            return onDisk.get(file) ?? '';
          },
          onMenuCommand() {
            return () => undefined;
          },
        },
      });
    }, DROPPED);
    await page.goto('/');
    await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
    await dropFromDisk(page, DROPPED);
    const startImport = async () =>
      page.evaluate(() =>
        (window as unknown as { __invoked: { method: string; request: unknown }[] }).__invoked.filter(
          (call) => call.method === 'startImport',
        ),
      );
    await expect.poll(startImport).toHaveLength(1);
    expect(await startImport()).toEqual([{ method: 'startImport', request: { paths: DROPPED } }]);
    // Serve mode itself never reads paths a page names; in the desktop app the backend imports them.
    await expect(page).toHaveURL(/#\/import$/);
  });
});

/*
 * The Mailboxes card when the desktop shell could not open the system
 * browser: the stand-in preload passes every call to serve mode, and puts on
 * the `mailboxes` answer what the shell puts there after a refused
 * shell.openExternal (SignInPages.annotate, tested in test/electron/): the
 * refusal's reason on the mailbox whose sign-in is pending.
 */
test.describe('the sign-in card in the desktop app (stand-in preload, real Chromium)', () => {
  test('says the browser could not be opened and shows the address to copy', async ({ page, request }) => {
    const auth = await createOAuthServer();
    try {
      await page.addInitScript(() => {
        const call = async (method: string, body: unknown): Promise<unknown> => {
          const response = await fetch(`api/${method}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          });
          return (await response.json()) as unknown;
        };
        interface Status {
          oauth: { pendingUrl: string | null; browserRefused: string | null } | null;
        }
        Object.assign(window, {
          tlsrpt: {
            async invoke(method: string, request: unknown) {
              const answer = (await call(method, request)) as { ok: boolean; value?: unknown };
              if (method !== 'mailboxes' || !answer.ok) return answer;
              const statuses = answer.value as Status[];
              return {
                ok: true,
                value: statuses.map((status) =>
                  status.oauth?.pendingUrl
                    ? { ...status, oauth: { ...status.oauth, browserRefused: 'Failed to open path' } }
                    : status,
                ),
              };
            },
            pathForFile: () => '',
            onMenuCommand: () => () => undefined,
          },
        });
      });
      await page.goto('/#/mailboxes');
      await page.getByRole('button', { name: 'Add a mailbox…' }).click();
      const form = page.getByRole('form', { name: 'New mailbox' });
      await form.getByLabel('Name', { exact: true }).fill('Browserless');
      await form.getByLabel('Sign-in').selectOption('oauth2:issuer');
      await form.getByLabel('Server', { exact: true }).fill('127.0.0.1');
      await form.getByLabel('User', { exact: true }).fill(auth.user);
      await form.getByLabel('Issuer URL').fill(auth.issuer);
      await form.getByLabel('Client ID').fill(auth.clientId);
      // The desktop page opens no tab itself: the shell does, and here it was refused.
      let popups = 0;
      page.on('popup', () => (popups += 1));
      await form.getByRole('button', { name: 'Save' }).click();

      const card = page.getByTestId('mailbox').filter({ hasText: 'Browserless' });
      await expect(card.getByTestId('mailbox-oauth')).toContainText(
        'the app could not open your browser (Failed to open path). To sign in, copy this address into a browser:',
        { timeout: 20_000 },
      );
      const address = card.getByRole('textbox', { name: 'Sign-in address' });
      const url = await address.inputValue();
      expect(url.startsWith(`${auth.issuer}/auth?`)).toBe(true);
      await expect(card.getByRole('link', { name: 'try the sign-in page again' })).toHaveAttribute('href', url);
      // Focused, the whole address is selected, ready to copy.
      await address.focus();
      expect(
        await address.evaluate((input: HTMLInputElement) => [input.selectionStart, input.selectionEnd, input.readOnly]),
      ).toEqual([0, url.length, true]);
      expect(popups).toBe(0);
      mkdirSync(join('test', '.artifacts', 'screenshots'), { recursive: true });
      await card.screenshot({ path: join('test', '.artifacts', 'screenshots', '14-sign-in-browser-refused.png') });
    } finally {
      // The next specs expect no mailbox.
      await request.post('api/removeMailbox', { data: { name: 'Browserless' } });
      await auth.stop();
    }
  });
});

/*
 * The real desktop app, where an Electron binary and a better-sqlite3 built
 * for it exist (`npm start` makes both on a machine with network access).
 * The project's build machines have neither, so there this is skipped and
 * the shell is covered by test/electron/ against a stand-in module.
 */
const binary = electronBinary(electronPackageDir());
const key = installedNativeBuildKey();
const binding = electronSqliteBinding(electronSqliteCacheDir(projectRoot, key));
const missing =
  binary === null
    ? 'no Electron binary is installed (it cannot be downloaded on this machine)'
    : !existsSync(binding)
      ? `no better-sqlite3 ${key.sqliteVersion} built for Electron ${key.electronVersion} (run "npm start" once)`
      : null;

test.describe('the desktop app in real Electron', () => {
  test.skip(missing !== null, `skipped: ${missing ?? ''}`);

  /**
   * Started as npm start starts it, with its data in a fresh folder instead
   * of the user's: on Linux through XDG_CONFIG_HOME, so the app still picks
   * its own folder name in it; elsewhere with Chromium's --user-data-dir.
   */
  async function launch() {
    const config = mkdtempSync(join(tmpdir(), 'tlsrpt-electron-'));
    const app = await electron.launch({
      executablePath: binary ?? '',
      args: [...electronArguments(projectRoot), ...(process.platform === 'linux' ? [] : [`--user-data-dir=${config}`])],
      env: {
        ...process.env,
        TLSRPT_DB: '',
        XDG_CONFIG_HOME: config,
        [DEV_SQLITE_BINDING_VARIABLE]: binding,
      },
    });
    return { app, config };
  }

  test('opens a locked-down window whose page reaches the backend only through the bridge', async () => {
    const { app } = await launch();
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
    // Wait until the shell has had its say on the navigation (its will-navigate listener runs before this one).
    const attempted = app.evaluate(
      ({ BrowserWindow }) =>
        new Promise<string>((resolve) => {
          BrowserWindow.getAllWindows()[0]?.webContents.once('will-navigate', (event) => {
            resolve(event.url);
          });
        }),
    );
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    expect(await attempted).toBe('https://example.com/');
    await expect(page.getByRole('heading', { name: 'No reports yet' })).toBeVisible();
    expect(page.url()).toBe('app://tlsrpt/index.html#/');
    await app.close();
  });

  test('keeps its data in …/tlsrpt-viewer, as the command line and the packaged app do', async () => {
    test.skip(process.platform !== 'linux', 'the data folder is moved with XDG_CONFIG_HOME, which only Linux reads');
    const { app, config } = await launch();
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { name: 'No reports yet' })).toBeVisible();
    const where = await app.evaluate(({ app: electronApp }) => ({
      name: electronApp.name,
      userData: electronApp.getPath('userData'),
      version: electronApp.getVersion(),
    }));
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(where).toEqual({
      name: 'tlsrpt-viewer',
      userData: join(config, 'tlsrpt-viewer'),
      version: manifest.version,
    });
    await expect.poll(() => existsSync(join(config, 'tlsrpt-viewer', 'reports.sqlite'))).toBe(true);
    await app.close();
  });

  test('has an Edit menu with the clipboard roles', async () => {
    const { app } = await launch();
    await app.firstWindow();
    const edit = await app.evaluate(({ Menu }) => {
      const item = Menu.getApplicationMenu()?.items.find((entry) => entry.label === 'Edit');
      return item?.submenu?.items.map((entry) => entry.role?.toLowerCase()).filter(Boolean);
    });
    expect(edit).toEqual(expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectall']));
    await app.close();
  });

  test('imports a drop of files and a folder by path', async () => {
    const { app } = await launch();
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { name: 'No reports yet' })).toBeVisible();
    await dropFromDisk(page, DROPPED);
    const totals = page.getByTestId('import-totals');
    await expect(totals).toHaveText(/^Done: /, { timeout: 30_000 });
    // By path, every outcome names the file on disk; an upload would name only the file.
    await expect(page.getByText(DROPPED[0] ?? '').first()).toBeVisible();
    await app.close();
  });
});
