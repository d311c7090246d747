import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_METHODS, type ApiResult } from '../../shared/api/contract.js';
import { CONTENT_SECURITY_POLICY } from '../../shared/security.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { startDesktopApp, type DesktopOptions, type ElectronModule } from '../../electron/shell/desktop-app.js';
import { APP_ID } from '../../electron/shell/app-identity.js';
import { APP_HOMEPAGE } from '../../electron/shell/menu.js';
import { signInPageUrl } from '../../electron/shell/sign-in-page.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { createOAuthServer } from '../helpers/oauth-server.js';
import {
  createFakeElectron,
  navigationEvent,
  preventableEvent,
  type FakeMenu,
  type FakeWebContents,
  type KeychainState,
} from './fake-electron.js';

const tempDir = useTempDir();
// Polls wait this long at most: the machine may be busy with other suites.
const LOADED = { timeout: 10_000 };
const APP_PAGE = { senderFrame: { url: 'app://tlsrpt/index.html#/senders' } };

interface StartOptions {
  singleInstance?: boolean;
  isPackaged?: boolean;
  platform?: NodeJS.Platform;
  keychain?: KeychainState;
  env?: NodeJS.ProcessEnv;
  appData?: string;
  switches?: Record<string, string>;
  openedAtLaunch?: string[];
  argv?: string[];
  cwd?: string;
  createUpdater?: DesktopOptions['createUpdater'];
  beforeReady?: (fake: ReturnType<typeof createFakeElectron>) => void;
}

async function started(options: StartOptions = {}) {
  const appData = options.appData ?? tempDir();
  const rendererDir = join(tempDir(), 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>tlsrpt-viewer</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tempDir(), 'secret.txt'), 'not for the page');
  const db = openDatabase(join(tempDir(), 'reports.sqlite'));
  const { handlers, jobs, writeFailuresCsv } = createApiHandlers({
    db,
    databasePath: 'x',
    transport: 'electron',
    allowPaths: true,
  });
  const fake = createFakeElectron({ appData, handlers, writeFailuresCsv, ...options });
  options.beforeReady?.(fake);
  startDesktopApp(
    fake as unknown as ElectronModule,
    { rendererDir, preload: '/app/preload.cjs', backendEntry: '/app/backend.js' },
    {
      env: options.env ?? {},
      platform: options.platform ?? 'linux',
      argv: options.argv ?? ['/usr/lib/electron/electron', '/app'],
      cwd: options.cwd ?? '/',
      resourcesPath: undefined,
      // electron-updater needs the real Electron; test/electron/updates.test.ts drives it.
      createUpdater: options.createUpdater ?? (() => Promise.reject(new Error('no updater in this test'))),
    },
  );
  await settle();
  const window = fake.BrowserWindow.instances[0];
  const invoke = async (method: string, request: unknown, event: unknown = APP_PAGE): Promise<ApiResult<unknown>> => {
    const handler = fake.ipcMain.handlers.get(`api:${method}`);
    if (!handler) throw new Error(`no handler for ${method}`);
    return (await handler(event, request)) as ApiResult<unknown>;
  };
  return { fake, window, invoke, appData, jobs, db };
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

/** The roles and labels of a menu, one level deep, separators left out. */
function entries(menu: FakeMenu | undefined): string[] {
  return (menu?.items ?? []).filter((item) => item.type !== 'separator').map((item) => item.role ?? item.label ?? '');
}

describe('the main window', () => {
  it('reloads once when its page process is gone, then asks, and quits if told to', async () => {
    const { fake, window } = await started();
    const contents = window?.webContents;
    contents?.renderProcessGone('crashed', 133);
    expect(contents?.reloads).toBe(1);
    expect(fake.dialog.messageBoxes).toHaveLength(0);

    fake.dialog.responses = [0, 1];
    contents?.renderProcessGone('oom', -536870904);
    await settle();
    expect(fake.dialog.messageBoxes).toHaveLength(1);
    expect(fake.dialog.messageBoxes[0]).toMatchObject({
      message: 'The tlsrpt-viewer window stopped working again.',
      buttons: ['Reload', 'Quit'],
    });
    expect(fake.dialog.messageBoxes[0]?.detail).toContain('(oom, exit code -536870904)');
    expect(contents?.reloads).toBe(2);
    expect(fake.app.quitCalls).toBe(0);

    contents?.renderProcessGone('crashed', 133);
    await settle();
    expect(fake.dialog.messageBoxes).toHaveLength(2);
    expect(contents?.reloads).toBe(2);
    expect(fake.app.quitCalls).toBe(1);
  });

  it('is sandboxed, context-isolated and without Node, with only the preload', async () => {
    const { window } = await started();
    expect(window?.options['webPreferences']).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    });
  });

  it('loads the app’s own origin, never a file:// or remote URL', async () => {
    const { window, fake } = await started();
    expect(window?.loadedUrl).toBe('app://tlsrpt/index.html');
    expect(fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
  });

  it('registers its scheme before the app is ready and everything else after', async () => {
    const appData = tempDir();
    const db = openDatabase(join(tempDir(), 'reports.sqlite'));
    const { handlers } = createApiHandlers({ db, databasePath: 'x', transport: 'electron', allowPaths: true });
    const fake = createFakeElectron({ appData, handlers });
    startDesktopApp(fake as unknown as ElectronModule, { rendererDir: appData, preload: '/p', backendEntry: '/b' });
    // Synchronously, before ready: the scheme only (the stand-in throws for anything needing ready).
    expect(fake.protocol.privileged).toHaveLength(1);
    expect(fake.protocol.handlers.size).toBe(0);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    await settle();
    expect(fake.app.isReady()).toBe(true);
    expect([...fake.protocol.handlers.keys()]).toEqual(['app']);
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    expect(fake.dialog.errorBoxes).toEqual([]);
  });

  it('serves the renderer with the Content-Security-Policy, and nothing outside it', async () => {
    const { fake } = await started();
    const serve = fake.protocol.handlers.get('app');
    if (!serve) throw new Error('no app:// handler');
    const index = await serve({ url: 'app://tlsrpt/index.html' });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect((await serve({ url: 'app://tlsrpt/assets/app.js' })).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await serve({ url: 'app://tlsrpt/../secret.txt' })).status).toBe(404);
    expect((await serve({ url: 'app://tlsrpt/%2e%2e/secret.txt' })).status).toBe(404);
    expect((await serve({ url: 'app://elsewhere/index.html' })).status).toBe(404);
  });

  it('cannot be navigated away (read from the event’s details), open windows, attach webviews or get permissions but notifications', async () => {
    const { window } = await started();
    if (!window) throw new Error('no window');
    const contents: FakeWebContents = window.webContents;
    for (const [event, url, blocked] of [
      ['will-navigate', 'https://evil.example/', true],
      ['will-navigate', 'file:///etc/passwd', true],
      ['will-navigate', 'app://tlsrpt.evil.example/', true],
      ['will-navigate', 'app://tlsrpt/index.html#/mx', false],
      ['will-redirect', 'http://127.0.0.1:8460/', true],
      ['will-redirect', 'app://tlsrpt/index.html', false],
    ] as const) {
      const navigation = navigationEvent(url);
      contents.emit(event, navigation);
      expect(navigation.prevented, `${event} ${url}`).toBe(blocked);
    }
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const webview = preventableEvent();
    contents.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    // Only notifications (of new error findings), and only for the app's own page.
    const request = (permission: string, requestingUrl: string): boolean | null => {
      let granted: boolean | null = null;
      contents.session.permissionRequestHandler?.(contents, permission, (answer) => (granted = answer), {
        requestingUrl,
        isMainFrame: true,
      });
      return granted;
    };
    expect(request('notifications', 'app://tlsrpt/index.html')).toBe(true);
    expect(request('notifications', 'https://evil.example/')).toBe(false);
    expect(request('media', 'app://tlsrpt/index.html')).toBe(false);
    expect(request('geolocation', 'app://tlsrpt/index.html')).toBe(false);
    const check = (permission: string, origin: string): boolean | undefined =>
      contents.session.permissionCheckHandler?.(contents, permission, origin, {});
    expect(check('notifications', 'app://tlsrpt')).toBe(true);
    expect(check('notifications', 'https://evil.example')).toBe(false);
    expect(check('clipboard-read', 'app://tlsrpt')).toBe(false);
  });

  it('remembers where it was and opens there again', async () => {
    const first = await started();
    first.window?.emit('close');
    const second = await started({ appData: first.appData });
    expect(second.window?.options).toMatchObject({ x: 40, y: 30, width: 1111, height: 777 });
  });
});

describe('the data folder', () => {
  it('is …/tlsrpt-viewer even when Electron was started on a file and is named "Electron"', async () => {
    const { fake, appData, window } = await started();
    const folder = join(appData, 'tlsrpt-viewer');
    expect(fake.app.name).toBe('tlsrpt-viewer');
    // The lock, the database and the window state all live in the one folder.
    expect(fake.app.lockedIn).toBe(folder);
    expect(fake.utilityProcess.forked[0]?.args).toEqual(['--db', join(folder, 'reports.sqlite')]);
    window?.emit('close');
    expect(existsSync(join(folder, 'window-state.json'))).toBe(true);
    expect(existsSync(join(appData, 'Electron'))).toBe(false);
  });

  it('is the one --user-data-dir names, when Electron is given that switch', async () => {
    const chosen = tempDir();
    const { fake } = await started({ switches: { 'user-data-dir': chosen } });
    expect(fake.app.lockedIn).toBe(chosen);
    expect(fake.utilityProcess.forked[0]?.args).toEqual(['--db', join(chosen, 'reports.sqlite')]);
  });

  it('is the one TLSRPT_DB names, when it is set and not empty', async () => {
    const { fake } = await started({ env: { TLSRPT_DB: '/data/reports.sqlite' } });
    expect(fake.utilityProcess.forked[0]?.args).toEqual(['--db', '/data/reports.sqlite']);
    const empty = await started({ env: { TLSRPT_DB: '' } });
    expect(empty.fake.utilityProcess.forked[0]?.args[1]).toBe(join(empty.appData, 'tlsrpt-viewer', 'reports.sqlite'));
  });

  it('uses the better-sqlite3 build npm start names, but never in a packaged app', async () => {
    const env = { TLSRPT_ELECTRON_SQLITE_BINDING: '/tmp/evil.node' };
    const dev = await started({ env });
    expect(dev.fake.utilityProcess.forked[0]?.args.slice(2)).toEqual(['--native-binding', '/tmp/evil.node']);
    const packaged = await started({ env, isPackaged: true });
    expect(packaged.fake.utilityProcess.forked[0]?.args).not.toContain('--native-binding');
  });
});

describe('the IPC bridge', () => {
  it('has one handler per contract method, and no other', async () => {
    const { fake } = await started();
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(API_METHODS.map((method) => `api:${method}`).sort());
  });

  it('refuses calls from any frame but the app’s own page', async () => {
    const { invoke } = await started();
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'app://other/index.html', undefined]) {
      expect(await invoke('summary', { filter: {} }, { senderFrame: url === undefined ? null : { url } })).toEqual({
        ok: false,
        error: { code: 'invalid-request', message: 'calls from outside the app are refused' },
      });
    }
  });

  it('refuses every request that does not match its schema (checked once, by the backend or by main for its dialogs)', async () => {
    const { invoke } = await started();
    const bad = await invoke('summary', { filter: { fromTime: 'yesterday' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await invoke('report', { id: -1, extra: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(await invoke('summary', null)).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await invoke('chooseAndImport', { what: 'everything' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(await invoke('summary', { filter: {} })).toMatchObject({ ok: true, value: { reports: 0 } });
  });

  it('imports what the native dialog chose, and nothing when it was cancelled', async () => {
    const { invoke, fake, jobs } = await started();
    expect(await invoke('chooseAndImport', { what: 'files' })).toEqual({ ok: true, value: { jobId: null } });
    fake.dialog.nextChoice = { canceled: false, filePaths: [join(corpusReports, 'parsedmarc__mail.ru.json')] };
    const started_ = (await invoke('chooseAndImport', { what: 'folder' })) as ApiResult<{ jobId: string }>;
    if (!started_.ok) throw new Error(started_.error.message);
    await jobs.idle();
    const status = await invoke('importStatus', { jobId: started_.value.jobId, since: 0 });
    expect(status).toMatchObject({ ok: true, value: { done: true, progress: { totals: { imported: 1 } } } });
    expect(fake.dialog.calls).toHaveLength(2);
  });
});

describe('the CSV export', () => {
  it('is written by the backend to the file the save dialog chose, and nothing is written when it is cancelled', async () => {
    const { invoke, fake, jobs } = await started();
    const imported = (await invoke('startImport', {
      paths: [join(corpusReports, 'parsedmarc__mail.ru.json')],
    })) as ApiResult<{
      jobId: string;
    }>;
    if (!imported.ok) throw new Error(imported.error.message);
    await jobs.idle();
    const request = { query: { filter: {} } };
    expect(await invoke('saveFailuresCsv', request)).toEqual({ ok: true, value: { file: null, rows: 0 } });
    const folder = tempDir();
    const file = join(folder, 'failures.csv');
    fake.dialog.nextSave = { canceled: false, filePath: file };
    const saved = await invoke('saveFailuresCsv', request);
    expect(saved).toMatchObject({ ok: true, value: { file } });
    const rows = saved.ok ? (saved.value as { rows: number }).rows : -1;
    const lines = readFileSync(file, 'utf8').split('\r\n');
    expect(lines[0]).toMatch(/^report_start,organization,/);
    expect(rows).toBeGreaterThan(0);
    // The header, the rows, and the empty string after the last CRLF.
    expect(lines).toHaveLength(rows + 2);
    // main checks the request before its dialog opens; the page never names a file.
    expect(await invoke('saveFailuresCsv', { ...request, file: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(fake.dialog.calls).toHaveLength(2);
  });
});

describe('the application', () => {
  it('quits at once when another instance already runs', async () => {
    const { fake } = await started({ singleInstance: false });
    expect(fake.app.quitCalls).toBe(1);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
  });

  it('brings the window forward when a second instance starts', async () => {
    const { fake, window } = await started();
    fake.app.emit('second-instance', preventableEvent(), ['/usr/lib/electron/electron', '/app'], '/', {});
    expect(window?.focused).toBe(1);
  });

  it('runs the backend in its own process, and stops it on quit without calling that a crash', async () => {
    const { fake } = await started();
    const [backend] = fake.utilityProcess.forked;
    expect(backend?.entry).toBe('/app/backend.js');
    fake.app.emit('will-quit');
    expect(backend?.killed).toBe(true);
    await settle();
    expect(fake.dialog.messageBoxes).toEqual([]);
    expect(fake.utilityProcess.forked).toHaveLength(1);
  });

  it('offers to restart a backend that died of a fatal V8 error, and the restarted one answers', async () => {
    const { fake, invoke } = await started();
    const [first] = fake.utilityProcess.forked;
    // Without a listener, this 'error' would be thrown here, in main.
    expect(() => first?.crash('node::OOMErrorHandler')).not.toThrow();
    await settle();
    expect(fake.dialog.messageBoxes).toHaveLength(1);
    expect(fake.dialog.messageBoxes[0]).toMatchObject({
      message: 'The part of tlsrpt-viewer that reads and stores reports stopped.',
      buttons: ['Restart it', 'Quit'],
    });
    expect(fake.dialog.messageBoxes[0]?.detail).toContain('exit code 134, FatalError at node::OOMErrorHandler');
    expect(fake.utilityProcess.forked).toHaveLength(2);
    expect(fake.utilityProcess.forked[1]?.args).toEqual(first?.args);
    expect(await invoke('chooseAndImport', { what: 'everything' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(await invoke('summary', { filter: {} })).toMatchObject({ ok: true, value: { reports: 0 } });
  });

  it('shows the last words the backend wrote to stderr, and says mailbox syncs stopped', async () => {
    const { fake } = await started();
    const [first] = fake.utilityProcess.forked;
    first?.stderr?.write('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    await settle();
    first?.crash('node::OOMErrorHandler');
    await settle();
    const [box] = fake.dialog.messageBoxes;
    expect(box?.detail).toContain('It said:\nFATAL ERROR: Reached heap limit');
    expect(box?.detail).toContain('Mailbox syncs stopped with it');
  });

  it('explains a database it cannot open in words and offers Quit, Show the file, Open a backup — not Restart', async () => {
    const folder = tempDir();
    const file = join(folder, 'reports.sqlite');
    const backup = join(folder, 'reports.sqlite.schema-3-backup-20261201T101500');
    writeFileSync(file, 'not a database');
    writeFileSync(backup, '');
    writeFileSync(join(folder, 'reports.sqlite.notes'), '');
    const { fake } = await started({ env: { TLSRPT_DB: file } });
    // Show the file, then Open a backup… (cancelled), then Open a backup… (chosen).
    fake.dialog.responses = [1, 2, 2];
    fake.dialog.choices = [
      { canceled: true, filePaths: [] },
      { canceled: false, filePaths: [backup] },
    ];
    const [first] = fake.utilityProcess.forked;
    first?.failAtStart({
      kind: 'database',
      problem: 'not-a-database',
      file,
      message: `${file} is not a tlsrpt-viewer database`,
    });
    await settle();
    expect(first?.killed).toBe(true);
    expect(fake.dialog.messageBoxes[0]).toMatchObject({
      message: 'tlsrpt-viewer cannot open its database.',
      buttons: ['Quit', 'Show the file', 'Open a backup…'],
    });
    expect(fake.dialog.messageBoxes[0]?.detail).toContain(`${file} is not a tlsrpt-viewer database`);
    expect(fake.dialog.messageBoxes[0]?.detail).toContain('reports.sqlite.schema-3-backup-20261201T101500');
    expect(fake.dialog.messageBoxes[0]?.detail).not.toContain('reports.sqlite.notes');
    expect(fake.dialog.messageBoxes[0]?.detail).toContain('Mailbox syncs stopped');
    expect(fake.shell.shownInFolder).toEqual([file]);
    // Asked again after showing the file and after a cancelled choice; then the backup was opened.
    expect(fake.dialog.messageBoxes).toHaveLength(3);
    expect(fake.dialog.calls.at(-1)?.at(-1)).toMatchObject({
      defaultPath: backup,
      properties: ['openFile'],
    });
    expect(fake.app.quitCalls).toBe(0);
    expect(fake.utilityProcess.forked.map((child) => child.args)).toEqual([
      ['--db', file],
      ['--db', backup],
    ]);
    // No generic "stopped (exit code …)" dialog for the process main ended.
    expect(fake.dialog.messageBoxes.every((box) => box.message === 'tlsrpt-viewer cannot open its database.')).toBe(
      true,
    );
  });

  it('answers calls as unreachable once the backend died, so the page shows its banner', async () => {
    const { fake, invoke } = await started();
    fake.dialog.nextResponse = 1;
    const [first] = fake.utilityProcess.forked;
    first?.crash('v8::internal::Heap');
    await settle();
    const answer = await invoke('summary', { filter: {} });
    expect(answer).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    expect(JSON.stringify(answer)).toContain('reads and stores reports has stopped');
  });

  it('quits when the user chooses Quit after the backend died', async () => {
    const { fake } = await started();
    fake.dialog.nextResponse = 1;
    fake.utilityProcess.forked[0]?.crash('v8::internal::Heap');
    await settle();
    expect(fake.app.quitCalls).toBe(1);
    expect(fake.utilityProcess.forked).toHaveLength(1);
  });

  it('shows why it could not open and exits, instead of running on without a window', async () => {
    const { fake } = await started({
      beforeReady: (electron) => {
        electron.BrowserWindow.failNext = new Error('no display');
      },
    });
    expect(fake.dialog.errorBoxes).toEqual([
      { title: 'tlsrpt-viewer could not start', content: 'no display\n\nThe app will quit.' },
    ]);
    expect(fake.app.exitCodes).toEqual([1]);
    expect(fake.utilityProcess.forked[0]?.killed).toBe(true);
  });

  it('seals mailbox secrets for the backend with the OS keychain’s asynchronous calls', async () => {
    const { fake } = await started();
    const [backend] = fake.utilityProcess.forked;
    backend?.emit('message', { vault: { id: 7, op: 'seal', data: 'hunter2' } });
    await settle();
    const [reply] = (backend?.vaultReplies ?? []) as { id: number; ok: boolean; data: string }[];
    expect(reply).toMatchObject({ id: 7, ok: true });
    const sealed = reply?.data ?? '';
    expect(Buffer.from(sealed, 'base64').toString()).not.toContain('hunter2');
    backend?.emit('message', { vault: { id: 8, op: 'open', data: sealed } });
    await settle();
    expect(backend?.vaultReplies[1]).toEqual({ id: 8, ok: true, data: 'hunter2' });
  });

  it('refuses to seal with the fixed key Electron falls back to when the Linux keyring fails, and names the switch', async () => {
    const { fake } = await started({ keychain: 'keyring-failed' });
    expect(fake.safeStorage.getSelectedStorageBackend()).toBe('gnome_libsecret');
    const [backend] = fake.utilityProcess.forked;
    backend?.emit('message', { vault: { id: 1, op: 'seal', data: 'hunter2' } });
    await settle();
    const [reply] = (backend?.vaultReplies ?? []) as { ok: boolean; error: string }[];
    expect(reply?.ok).toBe(false);
    expect(reply?.error).toContain('fixed, publicly known key');
    expect(reply?.error).toContain('--password-store=gnome-libsecret');
    expect(reply?.error).toContain('--password-store=kwallet5');
  });

  it('refuses to seal when no keychain is available at all', async () => {
    const { fake } = await started({ keychain: 'unavailable' });
    const [backend] = fake.utilityProcess.forked;
    backend?.emit('message', { vault: { id: 2, op: 'seal', data: 'hunter2' } });
    await settle();
    expect(backend?.vaultReplies[0]).toMatchObject({
      id: 2,
      ok: false,
      error: expect.stringMatching(/^the system keychain is not available, so/) as unknown,
    });
  });

  it('opens an OAuth2 sign-in page in the system browser, from the backend’s answer only', async () => {
    const auth = await createOAuthServer();
    try {
      const { fake, invoke } = await started();
      const saved = await invoke('saveMailbox', {
        account: {
          name: 'M365',
          host: '127.0.0.1',
          port: 993,
          security: 'tls',
          user: auth.user,
          auth: 'oauth2',
          mailbox: 'INBOX',
          after: { action: 'none' },
          pollIntervalSeconds: 300,
          caFile: null,
          oauth: {
            provider: 'issuer',
            issuer: auth.issuer,
            clientId: auth.clientId,
            clientSecret: null,
            tenant: null,
            scope: null,
          },
        },
      });
      expect(saved.ok).toBe(true);
      const answer = await invoke('signInMailbox', { name: 'M365' });
      const url = answer.ok ? (answer.value as { authorizationUrl: string }).authorizationUrl : 'none';
      expect(url.startsWith(`${auth.issuer}/auth?`)).toBe(true);
      expect(fake.shell.opened).toEqual([url]);
      // A failed call opens nothing.
      expect((await invoke('signInMailbox', { name: 'nobody' })).ok).toBe(false);
      expect(fake.shell.opened).toHaveLength(1);
      expect(signInPageUrl('file:///etc/passwd')).toBeNull();
      expect(signInPageUrl('javascript:alert(1)')).toBeNull();

      // The card's fallback link: the window-open handler denies every window,
      // and hands the system browser only a URL that is a pending sign-in.
      const contents = fake.BrowserWindow.instances[0]?.webContents;
      if (!contents) throw new Error('no window');
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
      await expect.poll(() => fake.shell.opened, LOADED).toHaveLength(2);
      expect(fake.shell.opened[1]).toBe(url);
      // Asked in order, so once the last is opened the others were decided.
      for (const other of ['https://evil.example/', `${url}&prompt=none`, 'file:///etc/passwd', `${auth.issuer}/`])
        expect(contents.windowOpenHandler?.({ url: other })).toEqual({ action: 'deny' });
      contents.windowOpenHandler?.({ url });
      await expect.poll(() => fake.shell.opened, LOADED).toHaveLength(3);
      expect(fake.shell.opened).toEqual([url, url, url]);

      // The system cannot open a browser: the card is told why, with the sign-in still pending.
      const oauthOf = async (): Promise<{ pendingUrl: string | null; browserRefused: string | null }> => {
        const answer = await invoke('mailboxes', {});
        if (!answer.ok) throw new Error('mailboxes failed');
        const [status] = answer.value as { oauth: { pendingUrl: string | null; browserRefused: string | null } }[];
        if (!status) throw new Error('no mailbox');
        return status.oauth;
      };
      expect(await oauthOf()).toMatchObject({ pendingUrl: url, browserRefused: null });
      fake.shell.refusal = 'Failed to open path';
      const again = await invoke('signInMailbox', { name: 'M365' });
      const newUrl = again.ok ? (again.value as { authorizationUrl: string }).authorizationUrl : 'none';
      expect(newUrl).not.toBe(url);
      expect(fake.shell.opened).toHaveLength(3);
      expect(await oauthOf()).toEqual(
        expect.objectContaining({ pendingUrl: newUrl, browserRefused: 'Failed to open path' }),
      );
      // The old URL is no longer pending: the link to it opens nothing, even once the system can.
      fake.shell.refusal = null;
      contents.windowOpenHandler?.({ url });
      // Clicked again when the system can: opened, and the refusal is gone.
      contents.windowOpenHandler?.({ url: newUrl });
      await expect.poll(() => fake.shell.opened, LOADED).toHaveLength(4);
      expect(fake.shell.opened[3]).toBe(newUrl);
      expect(await oauthOf()).toMatchObject({ pendingUrl: newUrl, browserRefused: null });
      await invoke('removeMailbox', { name: 'M365' });
    } finally {
      await auth.stop();
    }
  });
});

describe('the context menu', () => {
  const roles = (menu: FakeMenu | undefined): string[] =>
    (menu?.items ?? []).map((item) => `${item.role ?? item.label ?? item.type ?? ''}${item.enabled ? '' : ' (off)'}`);

  it('offers cut, copy, paste and select all in a field, copy for a selection, and a link’s address', async () => {
    const { fake, window } = await started();
    if (!window) throw new Error('no window');
    const contents = window.webContents;
    const edit = { canUndo: true, canRedo: false, canCut: false, canCopy: false, canPaste: true, canDelete: false };
    contents.rightClick({ isEditable: true, editFlags: { ...edit, canSelectAll: true, canEditRichly: false } });
    expect(roles(fake.Menu.popups[0]?.menu)).toEqual(['cut (off)', 'copy (off)', 'paste', 'separator', 'selectAll']);

    contents.rightClick({ selectionText: 'mx1.example.com' });
    expect(roles(fake.Menu.popups[1]?.menu)).toEqual(['copy', 'selectAll']);

    const link = 'https://login.example.test/auth?client_id=x&state=y';
    contents.rightClick({ linkURL: link, linkText: 'open the sign-in page' });
    const linkMenu = fake.Menu.popups[2]?.menu;
    expect(roles(linkMenu)).toEqual(['Copy link address']);
    linkMenu?.items[0]?.click?.();
    expect(fake.clipboard.text).toBe(link);

    // Nothing to edit, select or follow (or an app-internal link): no menu.
    contents.rightClick();
    contents.rightClick({ linkURL: 'app://tlsrpt/index.html#/mx' });
    expect(fake.Menu.popups).toHaveLength(3);
  });
});

/** Imports what main holds of the files the OS opened the app with, as the page does, and says what was stored. */
async function importOpened(app: Awaited<ReturnType<typeof started>>): Promise<unknown> {
  const answer = (await app.invoke('chooseAndImport', { what: 'opened' })) as ApiResult<{ jobId: string | null }>;
  if (!answer.ok) throw new Error(answer.error.message);
  if (answer.value.jobId === null) return null;
  await app.jobs.idle();
  const status = await app.invoke('importStatus', { jobId: answer.value.jobId, since: 0 });
  return status.ok ? (status.value as { progress: { totals: unknown } }).progress.totals : status;
}

describe('reports opened from the OS', () => {
  it('imports the files on the command line it started with (paths and file:// URLs, switches skipped)', async () => {
    const app = await started({
      argv: [
        '/opt/tlsrpt-viewer/tlsrpt-viewer',
        '--password-store=gnome-libsecret',
        'mail-tls-rpt__report.json.gz',
        pathToFileURL(join(corpusReports, 'mail-auth__rpt01.eml')).href,
        'https://evil.example/report.json',
      ],
      cwd: corpusReports,
      isPackaged: true,
    });
    expect(await importOpened(app)).toMatchObject({ imported: 2 });
    // Taken once: asking again imports nothing.
    expect(await importOpened(app)).toBeNull();
  });

  it('imports what a second instance was started with, in the folder it was started in, and tells the page', async () => {
    const app = await started();
    app.fake.app.emit(
      'second-instance',
      preventableEvent(),
      ['/usr/lib/electron/electron', '/app', '--allow-file-access-from-files', 'mail-auth__rpt02.json'],
      corpusReports,
      {},
    );
    expect(app.window?.focused).toBe(1);
    expect(app.window?.webContents.sent).toEqual([['menu-command', 'import-opened']]);
    expect(await importOpened(app)).toMatchObject({ imported: 1 });
    // A second instance with nothing to open only brings the window forward.
    app.fake.app.emit('second-instance', preventableEvent(), ['/usr/lib/electron/electron', '/app'], '/', {});
    expect(app.window?.webContents.sent).toHaveLength(1);
    expect(app.window?.focused).toBe(2);
  });

  it('on macOS, takes the files Finder opens it with before it is ready (open-file), and those that come later', async () => {
    const app = await started({ platform: 'darwin', openedAtLaunch: [join(corpusReports, 'mail-auth__rpt03.json')] });
    expect(app.fake.app.unhandledOpenFiles).toEqual([]);
    expect(await importOpened(app)).toMatchObject({ imported: 1 });
    const later = preventableEvent();
    app.fake.app.emit('open-file', later, join(corpusReports, 'mail-tls-rpt__report.json'));
    expect(later.prevented).toBe(true);
    expect(app.window?.webContents.sent).toEqual([['menu-command', 'import-opened']]);
    expect(await importOpened(app)).toMatchObject({ imported: 1 });
  });
});

describe('the menu', () => {
  it('has a File menu whose import items ask the page to import, an Edit menu, and Help ▸ About', async () => {
    const { fake, window } = await started({ platform: 'linux' });
    const menu = fake.Menu.applicationMenu;
    expect(menu?.items.map((item) => item.label)).toEqual(['File', 'Edit', 'View', 'Help']);
    const file = menu?.items.find((item) => item.label === 'File');
    expect(entries(file?.submenu)).toEqual([
      'Import files…',
      'Import folder…',
      'Notify me of new TLS errors',
      'Keep running to sync when the window is closed',
      'quit',
    ]);
    file?.submenu?.items[0]?.click?.();
    file?.submenu?.items[1]?.click?.();
    expect(window?.webContents.sent).toEqual([
      ['menu-command', 'import-files'],
      ['menu-command', 'import-folder'],
    ]);
    const edit = menu?.items.find((item) => item.label === 'Edit');
    expect(entries(edit?.submenu)).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll']);
    const view = menu?.items.find((item) => item.label === 'View');
    expect(entries(view?.submenu)).toEqual(['reload', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
    const help = menu?.items.find((item) => item.label === 'Help');
    expect(entries(help?.submenu)).toEqual([
      'Check for updates…',
      'Check for updates automatically',
      'About tlsrpt-viewer',
    ]);
    help?.submenu?.items.find((item) => item.label === 'About tlsrpt-viewer')?.click?.();
    expect(fake.app.aboutShown).toBe(1);
  });

  it('checks for updates from Help, and says so where this copy cannot update itself', async () => {
    const { fake, appData } = await started({ platform: 'linux' });
    const help = fake.Menu.applicationMenu?.items.find((item) => item.label === 'Help');
    const item = (label: string) => help?.submenu?.items.find((entry) => entry.label === label);
    expect(item('Check for updates automatically')?.checked).toBe(true);
    item('Check for updates…')?.click?.();
    await expect.poll(() => fake.dialog.messageBoxes.length, LOADED).toBe(1);
    expect(fake.dialog.messageBoxes[0]?.message).toBe('This copy of tlsrpt-viewer is not an installed one.');
    item('Check for updates automatically')?.click?.();
    expect(JSON.parse(readFileSync(join(appData, 'tlsrpt-viewer', 'update-settings.json'), 'utf8'))).toEqual({
      checkAutomatically: false,
    });
  });

  it('checks for updates at start in an installed copy, with the updater of its installer', async () => {
    const asked: string[] = [];
    await started({
      platform: 'win32',
      isPackaged: true,
      createUpdater: (target) => {
        asked.push(target);
        return Promise.reject(new Error('offline'));
      },
    });
    await expect.poll(() => asked, LOADED).toEqual(['nsis']);
  });

  it('on macOS, has the app menu, Edit (so Cmd+C/V/X/A/Z reach text fields) and Window', async () => {
    const { fake } = await started({ platform: 'darwin' });
    const menu = fake.Menu.applicationMenu;
    expect(menu?.items.map((item) => item.label)).toEqual(['tlsrpt-viewer', 'File', 'Edit', 'View', 'Window', 'Help']);
    const edit = menu?.items.find((item) => item.label === 'Edit');
    expect(entries(edit?.submenu)).toEqual(
      expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'pasteAndMatchStyle', 'selectAll']) as unknown,
    );
    expect(entries(menu?.items.find((item) => item.label === 'Window')?.submenu)).toEqual([
      'minimize',
      'zoom',
      'front',
    ]);
    expect(entries(menu?.items.find((item) => item.label === 'File')?.submenu).at(-1)).toBe('close');
  });

  it('on Windows, claims the Application User Model ID of electron-builder.yml’s appId, and only there', async () => {
    const windows = await started({ platform: 'win32' });
    const config = readFileSync(join('build', 'electron-builder.yml'), 'utf8');
    const appId = /^appId: (\S+)$/m.exec(config)?.[1];
    expect(appId).toBe(APP_ID);
    expect(windows.fake.app.appUserModelId).toBe(appId);
    // Elsewhere the method does not exist; the app starts without calling it.
    const linux = await started({ platform: 'linux' });
    expect('setAppUserModelId' in linux.fake.app).toBe(false);
    expect(linux.window).toBeDefined();
  });

  it('fills the About panel, which on Linux shows only what is set', async () => {
    const { fake } = await started({ isPackaged: true });
    expect(fake.app.aboutPanelOptions).toEqual({
      applicationName: 'tlsrpt-viewer',
      applicationVersion: '0.1.0',
      copyright: 'Copyright © tlsrpt-viewer developers',
      credits: 'Reads SMTP TLS reports (TLS-RPT, RFC 8460) offline.',
      authors: ['tlsrpt-viewer developers'],
      website: APP_HOMEPAGE,
    });
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { homepage: string };
    expect(manifest.homepage).toBe(APP_HOMEPAGE);
  });
});
