import type * as Electron from 'electron';
import { join } from 'node:path';
import { MENU_CHANNEL, type MenuCommand } from '../../shared/api/bridge.js';
import type { ApiResult } from '../../shared/api/contract.js';
import { failuresCsvFileName } from '../../shared/api/csv-export.js';
import type { MailboxStatus } from '../../shared/mailbox/account.js';
import { domainPageHash } from '../../shared/health/notice.js';
import { APP_NAME, DATABASE_FILE_NAME } from '../backend/paths.js';
import { DEV_SQLITE_BINDING_VARIABLE } from '../dev-electron.js';
import { APP_ID } from './app-identity.js';
import { registerAppScheme, serveRendererOnAppScheme } from './app-protocol.js';
import { BackendSupervisor } from './backend-supervisor.js';
import { reloadAfterRendererCrash } from './renderer-crash.js';
import { registerApiHandlers, type ApiRouter } from './ipc.js';
import { OpenedFiles, reportPathsFromArgv } from './opened-files.js';
import { aboutPanelOptions, menuTemplate } from './menu.js';
import { DesktopAlerts } from './notifications.js';
import { APP_ENTRY_URL, hardenWebContents, mainWindowOptions } from './security.js';
import { attachContextMenu } from './context-menu.js';
import { SignInPages } from './sign-in-page.js';
import { createUpdater, updateTarget, Updates, type UpdateTarget } from './updates.js';
import { boundsToRestore, loadWindowState, saveWindowState } from './window-state.js';
import type { AppUpdater } from 'electron-updater';

/** The parts of the electron module the shell uses; tests hand in a stand-in. */
export type ElectronModule = Pick<
  typeof Electron,
  | 'app'
  | 'BrowserWindow'
  | 'Menu'
  | 'ipcMain'
  | 'dialog'
  | 'protocol'
  | 'screen'
  | 'utilityProcess'
  | 'safeStorage'
  | 'shell'
  | 'Notification'
  | 'Tray'
  | 'clipboard'
>;

export interface DesktopPaths {
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** The compiled preload (dist/electron/preload.cjs). */
  preload: string;
  /** The backend process entry (dist/electron/shell/backend-process.js). */
  backendEntry: string;
}

export interface DesktopOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The command line the app started with, and the folder it started in. */
  argv?: readonly string[];
  cwd?: string;
  /** Where Electron keeps the app's resources (process.resourcesPath): the deb marks itself there. */
  resourcesPath?: string | undefined;
  /** Makes the updater for an installed copy (electron-updater's, by default). */
  createUpdater?: (target: UpdateTarget) => Promise<AppUpdater>;
}

/**
 * The desktop app: a thin, locked-down shell. One window on the app's own
 * origin, a native menu and dialogs; every request goes through the
 * contract's IPC handlers to the backend in its own process.
 */
export function startDesktopApp(electron: ElectronModule, paths: DesktopPaths, options: DesktopOptions = {}): void {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const { app, protocol } = electron;
  // First, before anything asks for userData: Electron started on a file
  // rather than on a folder with package.json is named "Electron", and the
  // database, the window state and the single-instance lock would all land in
  // …/Electron instead of the …/tlsrpt-viewer the command line and the
  // packaged app use.
  app.setName(APP_NAME);
  // Electron may have derived userData from the old name already
  // (electron/electron#22899), so it is set too; Chromium's --user-data-dir,
  // which Electron honours, still wins.
  if (!app.commandLine.hasSwitch('user-data-dir')) {
    app.setPath('userData', join(app.getPath('appData'), APP_NAME));
  }
  if (platform === 'win32') app.setAppUserModelId(APP_ID);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme(protocol);

  let window: Electron.BrowserWindow | null = null;
  let backend: BackendSupervisor | null = null;
  let alerts: DesktopAlerts | null = null;
  let signInPages: SignInPages | null = null;
  let updates: Updates | null = null;
  // Set once ready: the window, shown again (or re-created) where a click asks.
  let openWindow: (domain: string | null) => void = () => undefined;
  // Reports the OS opens the app with: the page is told, and asks for them
  // (chooseAndImport 'opened'); one that is still loading asks when it starts.
  const opened = new OpenedFiles();
  const openedByOs = (paths: readonly string[]): void => {
    if (opened.add(paths)) window?.webContents.send(MENU_CHANNEL, 'import-opened' satisfies MenuCommand);
  };
  // A packaged app's argv is [executable, …]; otherwise [electron, app, …].
  const programEntries = app.isPackaged ? 1 : 2;
  opened.add(reportPathsFromArgv(options.argv ?? process.argv, options.cwd ?? process.cwd(), programEntries));
  // macOS hands files to a running app, and to one that is starting, as
  // 'open-file' (Finder's Open With, a drop on the dock icon), possibly
  // before 'ready': so it is listened for now. Handled, it must be prevented.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openedByOs([path]);
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    // Windows and Linux start a second instance for Open With and a drop on
    // the taskbar icon; its command line comes here, and it quits.
    openedByOs(reportPathsFromArgv(argv, workingDirectory, programEntries));
    if (!window) {
      // Started again while running in the background: the window comes back.
      if (app.isReady()) openWindow(null);
      return;
    }
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  // Listening takes over Electron's default of quitting: the alert settings decide.
  app.on('window-all-closed', () => {
    if (alerts) alerts.lastWindowClosed();
    else app.quit();
  });
  // macOS: a click on the dock icon of an app running without windows opens one.
  app.on('activate', () => {
    if (app.isReady() && !window) openWindow(null);
  });
  // Every web contents, including any a bug might create, gets the same locks.
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, (url) => void signInPages?.openRequested(url));
    attachContextMenu(electron, contents);
  });
  app.on('will-quit', () => {
    updates?.stop();
    backend?.stop();
  });

  app
    .whenReady()
    .then(() => {
      serveRendererOnAppScheme(protocol, paths.rendererDir);
      const userData = app.getPath('userData');
      // As on the command line: a set, non-empty TLSRPT_DB wins.
      const fromEnv = env['TLSRPT_DB'];
      const databasePath = fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(userData, DATABASE_FILE_NAME);
      // A packaged app loads only the addon it ships: an environment variable
      // must not be a way to load other native code into it (the fuses close
      // NODE_OPTIONS and ELECTRON_RUN_AS_NODE for the same reason).
      const devBinding = env[DEV_SQLITE_BINDING_VARIABLE];
      const nativeBinding = !app.isPackaged && devBinding !== undefined && devBinding !== '' ? devBinding : null;
      backend = new BackendSupervisor(electron, {
        entry: paths.backendEntry,
        databasePath,
        args: (file) => ['--db', file, ...(nativeBinding ? ['--native-binding', nativeBinding] : [])],
        window: () => window,
        onNotice: (notice) => alerts?.show(notice),
      });

      const chooseAndImport = async (what: 'files' | 'folder' | 'opened'): Promise<ApiResult<unknown>> => {
        if (what === 'opened') {
          const paths = opened.take();
          return paths.length === 0 ? { ok: true, value: { jobId: null } } : call('startImport', { paths });
        }
        const dialogOptions: Electron.OpenDialogOptions =
          what === 'files'
            ? {
                title: 'Import TLS-RPT reports',
                properties: ['openFile', 'multiSelections'],
                filters: [
                  { name: 'TLS-RPT reports and e-mails', extensions: ['json', 'gz', 'eml'] },
                  { name: 'All files', extensions: ['*'] },
                ],
              }
            : { title: 'Import a folder of TLS-RPT reports', properties: ['openDirectory'] };
        const choice = window
          ? await electron.dialog.showOpenDialog(window, dialogOptions)
          : await electron.dialog.showOpenDialog(dialogOptions);
        if (choice.canceled || choice.filePaths.length === 0) return { ok: true, value: { jobId: null } };
        return call('startImport', { paths: choice.filePaths });
      };
      const running = backend;
      // The page asks; main chooses the file; the backend writes it, streaming (never the text over IPC).
      const saveFailuresCsv = async (request: unknown): Promise<ApiResult<unknown>> => {
        const dialogOptions: Electron.SaveDialogOptions = {
          title: 'Export failures as CSV',
          defaultPath: failuresCsvFileName(new Date()),
          filters: [{ name: 'CSV', extensions: ['csv'] }],
        };
        const choice = window
          ? await electron.dialog.showSaveDialog(window, dialogOptions)
          : await electron.dialog.showSaveDialog(dialogOptions);
        if (choice.canceled || choice.filePath === '') return { ok: true, value: { file: null, rows: 0 } };
        return running.exportCsv(request, choice.filePath);
      };
      const pages = new SignInPages(electron.shell, async () => {
        const answer = await running.call('mailboxes', {});
        return answer.ok ? (answer.value as MailboxStatus[]) : [];
      });
      signInPages = pages;
      const call: ApiRouter['call'] = async (method, request) => {
        const result = await running.call(method, request);
        // The sandboxed page may not open windows; the sign-in goes to the system browser from here,
        // before the answer, so the card's next look at the mailboxes already shows a refusal.
        if (method === 'signInMailbox' && result.ok) await pages.openAnswer(result.value);
        if (method === 'mailboxes' && result.ok) {
          return { ok: true, value: pages.annotate(result.value as MailboxStatus[]) };
        }
        return result;
      };
      registerApiHandlers(electron.ipcMain, {
        answersItself: (method) => method === 'chooseAndImport' || method === 'saveFailuresCsv',
        call: (method, request) =>
          method === 'chooseAndImport'
            ? chooseAndImport((request as { what: 'files' | 'folder' | 'opened' }).what)
            : method === 'saveFailuresCsv'
              ? saveFailuresCsv(request)
              : call(method, request),
      });

      const stateFile = join(userData, 'window-state.json');
      const track = (created: Electron.BrowserWindow): Electron.BrowserWindow => {
        created.on('closed', () => {
          if (window === created) window = null;
        });
        return created;
      };
      alerts = new DesktopAlerts(electron, {
        settingsFile: join(userData, 'alert-settings.json'),
        platform,
        // Vite copies it from renderer/public/ beside the page; its @2x is found by its name.
        trayIcon: join(paths.rendererDir, 'tray-icon.png'),
        openWindow: (domain) => openWindow(domain),
        quit: () => app.quit(),
      });
      const shownAlerts = alerts;
      openWindow = (domain) => {
        const url = domain === null ? null : `${APP_ENTRY_URL}${domainPageHash(domain)}`;
        shownAlerts.removeTray();
        if (!window) {
          window = track(createMainWindow(electron, paths.preload, stateFile, url ?? APP_ENTRY_URL));
          return;
        }
        // Only the hash changes: the page moves to the route without reloading.
        if (url !== null) void window.loadURL(url);
        if (window.isMinimized()) window.restore();
        window.show();
        window.focus();
      };
      window = track(createMainWindow(electron, paths.preload, stateFile));
      const send = (command: MenuCommand): void => {
        window?.webContents.send(MENU_CHANNEL, command);
      };
      const target = updateTarget({
        platform,
        isPackaged: app.isPackaged,
        env,
        resourcesPath: 'resourcesPath' in options ? options.resourcesPath : process.resourcesPath,
      });
      const makeUpdater = options.createUpdater ?? createUpdater;
      updates = new Updates({
        target,
        currentVersion: app.getVersion(),
        // Beside the alert settings and the window state.
        settingsFile: join(userData, 'update-settings.json'),
        updater: () => (target === null ? Promise.reject(new Error('not an installed copy')) : makeUpdater(target)),
        dialog: electron.dialog,
        openExternal: (url) => electron.shell.openExternal(url),
        window: () => window,
      });
      app.setAboutPanelOptions(aboutPanelOptions(app.getVersion()));
      const { Menu } = electron;
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          withMenuItems(
            withMenuItems(
              menuTemplate(
                {
                  importFiles: () => send('import-files'),
                  importFolder: () => send('import-folder'),
                  showAbout: () => app.showAboutPanel(),
                },
                platform,
              ),
              'File',
              alerts.menuItems(),
              'before-last',
            ),
            'Help',
            updates.menuItems(),
            'first',
          ),
        ),
      );
      updates.start();
    })
    .catch((error: unknown) => {
      // Without this, a throw while opening leaves a process with no window
      // that only a task manager can end.
      backend?.stop();
      electron.dialog.showErrorBox(
        'tlsrpt-viewer could not start',
        `${error instanceof Error ? error.message : String(error)}\n\nThe app will quit.`,
      );
      app.exit(1);
    });
}

/** The main window, where it was last closed, showing the app's own page. */
function createMainWindow(
  electron: ElectronModule,
  preload: string,
  stateFile: string,
  url: string = APP_ENTRY_URL,
): Electron.BrowserWindow {
  const saved = loadWindowState(stateFile);
  const window = new electron.BrowserWindow(
    mainWindowOptions(preload, boundsToRestore(saved, electron.screen.getAllDisplays())),
  );
  if (saved?.maximized) window.maximize();
  window.once('ready-to-show', () => {
    window.show();
  });
  window.on('close', () => {
    saveWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  });
  reloadAfterRendererCrash(electron, window);
  void window.loadURL(url);
  return window;
}

/**
 * Items added to a menu of the template, with a separator: the alert
 * settings' check boxes at the end of File, before its Quit (or Close);
 * the update items first in Help, before About.
 */
function withMenuItems(
  template: Electron.MenuItemConstructorOptions[],
  label: string,
  items: Electron.MenuItemConstructorOptions[],
  where: 'first' | 'before-last',
): Electron.MenuItemConstructorOptions[] {
  return template.map((menu) => {
    if (menu.label !== label || !Array.isArray(menu.submenu)) return menu;
    const submenu = [...menu.submenu];
    submenu.splice(where === 'first' ? 0 : submenu.length - 1, 0, ...items, { type: 'separator' });
    return { ...menu, submenu };
  });
}
