import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_METHODS, type ApiResult } from '../../shared/api/contract.js';
import { CONTENT_SECURITY_POLICY } from '../../shared/security.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { startDesktopApp, type ElectronModule } from '../../electron/shell/desktop-app.js';
import { openSignInPage } from '../../electron/shell/sign-in-page.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { createOAuthServer } from '../helpers/oauth-server.js';
import { createFakeElectron, preventableEvent, type FakeWebContents } from './fake-electron.js';

const tempDir = useTempDir();
const APP_PAGE = { senderFrame: { url: 'app://tlsrpt/index.html#/senders' } };

async function started(options: { singleInstance?: boolean } = {}) {
  const userData = tempDir();
  const rendererDir = join(tempDir(), 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>tlsrpt-viewer</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tempDir(), 'secret.txt'), 'not for the page');
  const db = openDatabase(join(userData, 'reports.sqlite'));
  const { handlers, jobs } = createApiHandlers({ db, databasePath: 'x', transport: 'electron', allowPaths: true });
  const fake = createFakeElectron({ userData, handlers, ...options });
  startDesktopApp(
    fake as unknown as ElectronModule,
    { rendererDir, preload: '/app/preload.cjs', backendEntry: '/app/backend.js' },
    {},
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  const window = fake.BrowserWindow.instances[0];
  const invoke = async (method: string, request: unknown, event: unknown = APP_PAGE): Promise<ApiResult<unknown>> => {
    const handler = fake.ipcMain.handlers.get(`api:${method}`);
    if (!handler) throw new Error(`no handler for ${method}`);
    return (await handler(event, request)) as ApiResult<unknown>;
  };
  return { fake, window, invoke, userData, jobs, db };
}

describe('the main window', () => {
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

  it('cannot be navigated away, open windows, attach webviews or get permissions', async () => {
    const { window } = await started();
    if (!window) throw new Error('no window');
    const contents: FakeWebContents = window.webContents;
    for (const [event, url, blocked] of [
      ['will-navigate', 'https://evil.example/', true],
      ['will-navigate', 'file:///etc/passwd', true],
      ['will-navigate', 'app://tlsrpt.evil.example/', true],
      ['will-navigate', 'app://tlsrpt/index.html#/mx', false],
      ['will-redirect', 'http://127.0.0.1:8460/', true],
    ] as const) {
      const navigation = preventableEvent();
      contents.emit(event, navigation, url);
      expect(navigation.prevented, `${event} ${url}`).toBe(blocked);
    }
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const webview = preventableEvent();
    contents.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    let granted: boolean | null = null;
    contents.session.permissionRequestHandler?.(contents, 'notifications', (answer) => (granted = answer));
    expect(granted).toBe(false);
    expect(contents.session.permissionCheckHandler?.()).toBe(false);
  });

  it('remembers where it was and opens there again', async () => {
    const first = await started();
    first.window?.emit('close');
    const { fake } = await createFakeElectronAgain(first.userData);
    const window = fake.BrowserWindow.instances.at(-1);
    expect(window?.options).toMatchObject({ x: 40, y: 30, width: 1111, height: 777 });
  });
});

/** Starts a second app over the same user data folder (the window state file). */
async function createFakeElectronAgain(userData: string) {
  const db = openDatabase(join(userData, 'reports.sqlite'));
  const { handlers } = createApiHandlers({ db, databasePath: 'x', transport: 'electron', allowPaths: true });
  const fake = createFakeElectron({ userData, handlers });
  startDesktopApp(
    fake as unknown as ElectronModule,
    { rendererDir: userData, preload: '/p.cjs', backendEntry: '/b.js' },
    {},
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  return { fake };
}

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

  it('validates every request before it reaches the backend', async () => {
    const { invoke } = await started();
    const bad = await invoke('summary', { filter: { fromTime: 'yesterday' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await invoke('report', { id: -1, extra: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(await invoke('summary', null)).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
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

describe('the application', () => {
  it('quits at once when another instance already runs', async () => {
    const { fake } = await started({ singleInstance: false });
    expect(fake.app.quitCalls).toBe(1);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
  });

  it('brings the window forward when a second instance starts', async () => {
    const { fake, window } = await started();
    fake.app.emit('second-instance');
    expect(window?.focused).toBe(1);
  });

  it('runs the backend in its own process, and stops it on quit', async () => {
    const { fake } = await started();
    const [backend] = fake.utilityProcess.forked;
    expect(backend?.entry).toBe('/app/backend.js');
    expect(backend?.args.slice(0, 1)).toEqual(['--db']);
    fake.app.emit('will-quit');
    expect(backend?.killed).toBe(true);
  });

  it('seals mailbox secrets for the backend with the OS keychain (safeStorage)', async () => {
    const { fake } = await started();
    const [backend] = fake.utilityProcess.forked;
    backend?.emit('message', { vault: { id: 7, op: 'seal', data: 'hunter2' } });
    const [reply] = (backend?.vaultReplies ?? []) as { id: number; ok: boolean; data: string }[];
    expect(reply).toMatchObject({ id: 7, ok: true });
    expect(Buffer.from(reply?.data ?? '', 'base64')).toEqual(fake.safeStorage.encryptString('hunter2'));
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
      expect(openSignInPage(fake.shell, { authorizationUrl: 'file:///etc/passwd' })).toBe(false);
      expect(fake.shell.opened).toHaveLength(1);
      await invoke('removeMailbox', { name: 'M365' });
    } finally {
      await auth.stop();
    }
  });

  it('has a File menu whose import items ask the page to import, and Help ▸ About', async () => {
    const { fake, window } = await started();
    const menu = fake.Menu.applicationMenu as {
      label?: string;
      submenu?: { label?: string; role?: string; click?: () => void }[];
    }[];
    const file = menu.find((item) => item.label === 'File');
    const labels = file?.submenu?.map((item) => item.label ?? item.role);
    expect(labels).toEqual(['Import files…', 'Import folder…', undefined, 'quit']);
    file?.submenu?.[0]?.click?.();
    file?.submenu?.[1]?.click?.();
    expect(window?.webContents.sent).toEqual([
      ['menu-command', 'import-files'],
      ['menu-command', 'import-folder'],
    ]);
    const view = menu.find((item) => item.label === 'View');
    expect(view?.submenu?.map((item) => item.role).filter(Boolean)).toEqual([
      'reload',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'togglefullscreen',
    ]);
    menu.find((item) => item.label === 'Help')?.submenu?.[0]?.click?.();
    expect(fake.app.aboutShown).toBe(1);
  });
});
