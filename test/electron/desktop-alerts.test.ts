// The desktop app's alerts, against the stand-in Electron: the backend's
// notifier (the real one, over a real SQLite file) decides what is new after
// each import, main shows one notification per new error finding, with its
// window closed when the user asked the app to keep running, and a click
// re-creates the window on that domain's page.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import type { FindingSink } from '../../electron/backend/notify/finding-notifier.js';
import { startDesktopApp, type ElectronModule } from '../../electron/shell/desktop-app.js';
import { writeDailyReports } from '../helpers/alert-reports.js';
import { useTempDir } from '../helpers/files.js';
import { createFakeElectron, type FakeMenuItem } from './fake-electron.js';

const tempDir = useTempDir();
const TODAY = Date.parse('2026-12-07T12:00:00Z');
const TODAY_DAY = Math.floor(TODAY / 86_400_000);

const failingAt = (mx: string, resultType: string) => (offset: number) =>
  offset <= 4 ? { resultType, mx, failed: 30 } : null;

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

/** The desktop app over a database, its backend's notices sent to main as the backend process sends them. */
async function started(options: { appData: string; dbPath: string; platform?: NodeJS.Platform }) {
  const rendererDir = join(options.appData, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>tlsrpt-viewer</title>');
  const db = openDatabase(options.dbPath);
  let fake: ReturnType<typeof createFakeElectron> | null = null;
  // As backend-process.ts does: the notice goes to main over the parent port.
  const toMain: FindingSink = {
    describe: 'the desktop notification',
    deliver: (notice) => {
      fake?.utilityProcess.forked.at(-1)?.fromBackend({ findingsNotice: notice });
      return Promise.resolve();
    },
  };
  const problems: string[] = [];
  const api = createApiHandlers({
    db,
    databasePath: options.dbPath,
    transport: 'electron',
    allowPaths: true,
    notify: { sinks: [toMain], onProblem: (message) => problems.push(message), now: () => TODAY },
  });
  const platform = options.platform ?? 'linux';
  fake = createFakeElectron({ appData: options.appData, handlers: api.handlers, platform });
  const electron = fake;
  startDesktopApp(
    electron as unknown as ElectronModule,
    { rendererDir, preload: '/app/preload.cjs', backendEntry: '/app/backend.js' },
    { env: {}, platform },
  );
  await settle();
  const importReports = async (paths: string[]): Promise<void> => {
    await api.handlers.startImport({ paths });
    await api.jobs.idle();
    await api.notifier?.idle();
  };
  const fileItem = (label: string): FakeMenuItem => {
    const file = electron.Menu.applicationMenu?.items.find((item) => item.label === 'File');
    const item = file?.submenu?.items.find((entry) => entry.label === label);
    if (!item) throw new Error(`no File ▸ ${label}`);
    return item;
  };
  const stop = async (): Promise<void> => {
    await api.close();
    db.close();
  };
  return { fake: electron, importReports, fileItem, problems, stop, rendererDir };
}

function folder(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

describe('desktop notifications of new error findings', () => {
  it('quit with the last window by default', async () => {
    const appData = tempDir();
    const app = await started({ appData, dbPath: join(appData, 'reports.sqlite') });
    expect(app.fileItem('Keep running to sync when the window is closed').checked).toBe(false);
    app.fake.BrowserWindow.instances[0]?.close();
    expect(app.fake.app.quitCalls).toBe(1);
    expect(app.fake.Tray.instances).toEqual([]);
    await app.stop();
  });

  it('notify with the window closed, once per new finding, and a click opens its domain', async () => {
    const appData = tempDir();
    const dbPath = join(appData, 'reports.sqlite');
    const data = tempDir();
    let app = await started({ appData, dbPath });
    // The user asks for it: the setting is kept in userData.
    app.fileItem('Keep running to sync when the window is closed').click?.();
    expect(JSON.parse(readFileSync(join(appData, 'tlsrpt-viewer', 'alert-settings.json'), 'utf8'))).toEqual({
      notify: true,
      background: true,
    });
    app.fake.BrowserWindow.instances[0]?.close();
    expect(app.fake.app.quitCalls).toBe(0);
    expect(app.fake.BrowserWindow.open()).toEqual([]);
    const [tray] = app.fake.Tray.instances;
    expect(tray?.image).toBe(join(app.rendererDir, 'tray-icon.png'));
    expect(existsSync(join('renderer', 'public', 'tray-icon.png'))).toBe(true);
    expect(tray?.contextMenu?.items.filter((item) => item.label).map((item) => item.label)).toEqual([
      'Open tlsrpt-viewer',
      'Quit',
    ]);

    // A batch with two new error findings, in two domains, while no window is open.
    await app.importReports([
      ...writeDailyReports(folder(data, 'a'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: failingAt('mx2.shop.example', 'certificate-expired'),
      }),
      ...writeDailyReports(folder(data, 'b'), {
        asOfDay: TODAY_DAY,
        domain: 'bank.example',
        sender: 'Google Inc.',
        failing: failingAt('mx1.bank.example', 'starttls-not-supported'),
      }),
    ]);
    const shown = app.fake.Notification.instances;
    expect(shown.map((notification) => [notification.options.title, notification.shown])).toEqual([
      ['TLS failing for bank.example', 1],
      ['TLS failing for shop.example', 1],
    ]);
    expect(shown[1]?.options.body).toContain('mx2.shop.example fails with');
    expect(shown[1]?.options.body).toContain('since 2026-12-03');
    expect(app.fake.BrowserWindow.open()).toEqual([]);

    // The next batch (the same files, then an unrelated healthy domain): nothing new.
    await app.importReports(
      writeDailyReports(folder(data, 'a2'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: failingAt('mx2.shop.example', 'certificate-expired'),
      }),
    );
    await app.importReports(
      writeDailyReports(folder(data, 'c'), { asOfDay: TODAY_DAY, domain: 'calm.example', sender: 'Google Inc.' }),
    );
    expect(app.fake.Notification.instances).toHaveLength(2);

    // A click re-creates the closed window on that domain's page, and the tray icon goes.
    shown[1]?.click();
    const [reopened] = app.fake.BrowserWindow.open();
    expect(reopened?.loadedUrl).toBe('app://tlsrpt/index.html#/domains/shop.example');
    expect(tray?.isDestroyed()).toBe(true);
    // With the window open, a click moves it to the other domain and focuses it.
    shown[0]?.click();
    expect(app.fake.BrowserWindow.open()).toHaveLength(1);
    expect(reopened?.loadedUrl).toBe('app://tlsrpt/index.html#/domains/bank.example');
    expect(reopened?.focused).toBe(1);
    await app.stop();

    // A restart: the setting holds, and what was notified stays notified.
    app = await started({ appData, dbPath });
    expect(app.fileItem('Keep running to sync when the window is closed').checked).toBe(true);
    app.fake.BrowserWindow.instances[0]?.close();
    await app.importReports(
      writeDailyReports(folder(data, 'restart'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Microsoft Corporation',
        failing: failingAt('mx2.shop.example', 'certificate-expired'),
      }),
    );
    expect(app.fake.Notification.instances).toEqual([]);
    // A new, different finding: one more.
    await app.importReports(
      writeDailyReports(folder(data, 'mx3'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Yahoo',
        failing: failingAt('mx3.shop.example', 'validation-failure'),
      }),
    );
    expect(app.fake.Notification.instances.map((notification) => notification.options.title)).toEqual([
      'TLS failing for shop.example',
    ]);
    expect(app.fake.Notification.instances[0]?.options.body).toContain('mx3.shop.example');
    // The tray's Quit ends the app.
    app.fake.Tray.instances[0]?.contextMenu?.items.find((item) => item.label === 'Quit')?.click?.();
    expect(app.fake.app.quitCalls).toBe(1);
    expect(app.problems).toEqual([]);
    await app.stop();
  });

  it('stay quiet when turned off, and on macOS stay in the dock and reopen from it', async () => {
    const appData = tempDir();
    const data = tempDir();
    const app = await started({ appData, dbPath: join(appData, 'reports.sqlite'), platform: 'darwin' });
    app.fileItem('Keep running to sync when the window is closed').click?.();
    app.fileItem('Notify me of new TLS errors').click?.();
    app.fake.BrowserWindow.instances[0]?.close();
    expect(app.fake.app.quitCalls).toBe(0);
    // macOS keeps the app in the dock: no tray icon.
    expect(app.fake.Tray.instances).toEqual([]);
    await app.importReports(
      writeDailyReports(data, {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: failingAt('mx2.shop.example', 'certificate-expired'),
      }),
    );
    expect(app.fake.Notification.instances).toEqual([]);
    app.fake.app.activate();
    expect(app.fake.BrowserWindow.open().map((window) => window.loadedUrl)).toEqual(['app://tlsrpt/index.html']);
    await app.stop();
  });
});
