import type * as Electron from 'electron';
import { join } from 'node:path';
import { MENU_CHANNEL, type MenuCommand } from '../../shared/api/bridge.js';
import type { ApiResult } from '../../shared/api/contract.js';
import { DATABASE_FILE_NAME } from '../backend/paths.js';
import { registerAppScheme, serveRendererOnAppScheme } from './app-protocol.js';
import { BackendClient } from './backend-client.js';
import { registerApiHandlers, type ApiRouter } from './ipc.js';
import { menuTemplate } from './menu.js';
import { APP_ENTRY_URL, hardenWebContents, mainWindowOptions } from './security.js';
import { openSignInPage } from './sign-in-page.js';
import { boundsToRestore, loadWindowState, saveWindowState } from './window-state.js';

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
>;

export interface DesktopPaths {
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** The compiled preload (dist/electron/preload.cjs). */
  preload: string;
  /** The backend process entry (dist/electron/shell/backend-process.js). */
  backendEntry: string;
  /** A better-sqlite3 addon built for Electron, where node_modules holds the Node build. */
  nativeBinding?: string | undefined;
}

/**
 * The desktop app: a thin, locked-down shell. One window on the app's own
 * origin, a native menu and dialogs; every request goes through the
 * contract's IPC handlers to the backend in its own process.
 */
export function startDesktopApp(
  electron: ElectronModule,
  paths: DesktopPaths,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const { app, protocol } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme(protocol);

  let window: Electron.BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => {
    app.quit();
  });
  // Every web contents, including any a bug might create, gets the same locks.
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents);
  });

  void app.whenReady().then(() => {
    serveRendererOnAppScheme(protocol, paths.rendererDir);
    const userData = app.getPath('userData');
    // As on the command line: a set, non-empty TLSRPT_DB wins.
    const fromEnv = env['TLSRPT_DB'];
    const databasePath = fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(userData, DATABASE_FILE_NAME);
    const backendProcess = electron.utilityProcess.fork(
      paths.backendEntry,
      ['--db', databasePath, ...(paths.nativeBinding ? ['--native-binding', paths.nativeBinding] : [])],
      { serviceName: 'tlsrpt-viewer backend' },
    );
    app.on('will-quit', () => {
      backendProcess.kill();
    });
    const backend = new BackendClient(backendProcess, electron.safeStorage);

    const chooseAndImport = async (what: 'files' | 'folder'): Promise<ApiResult<unknown>> => {
      const options: Electron.OpenDialogOptions =
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
        ? await electron.dialog.showOpenDialog(window, options)
        : await electron.dialog.showOpenDialog(options);
      if (choice.canceled || choice.filePaths.length === 0) return { ok: true, value: { jobId: null } };
      return backend.call('startImport', { paths: choice.filePaths });
    };
    const router: ApiRouter = {
      call: async (method, request) => {
        if (method === 'chooseAndImport') return chooseAndImport((request as { what: 'files' | 'folder' }).what);
        const result = await backend.call(method, request);
        // The sandboxed page may not open windows; the sign-in goes to the system browser from here.
        if (method === 'signInMailbox' && result.ok) openSignInPage(electron.shell, result.value);
        return result;
      },
    };
    registerApiHandlers(electron.ipcMain, router);

    window = createMainWindow(electron, paths.preload, join(userData, 'window-state.json'));
    const send = (command: MenuCommand): void => {
      window?.webContents.send(MENU_CHANNEL, command);
    };
    const { Menu } = electron;
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate(
          {
            importFiles: () => send('import-files'),
            importFolder: () => send('import-folder'),
            showAbout: () => app.showAboutPanel(),
          },
          process.platform,
        ),
      ),
    );
  });
}

/** The main window, where it was last closed, showing the app's own page. */
export function createMainWindow(electron: ElectronModule, preload: string, stateFile: string): Electron.BrowserWindow {
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
  void window.loadURL(APP_ENTRY_URL);
  return window;
}
