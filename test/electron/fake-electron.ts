import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { ApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import type { BackendToMain, MainToBackend } from '../../electron/shell/backend-client.js';

// A stand-in for the parts of the electron module the shell uses. It records
// what the shell asks of Electron, and lets a test fire the events Electron
// would fire. The backend process is replaced by the real backend handlers,
// called in this process through the same message protocol.
//
// Where Electron 45 has a rule, the stand-in keeps it (checked against its
// documentation and source): userData follows app.name; privileged schemes
// only before ready, once; protocol handlers, windows, dialogs, the screen and
// utility processes only after ready; Menu.buildFromTemplate keeps roles and
// fills in a role's default submenu; a utility process's 'error' event throws
// when nobody listens (it is an EventEmitter); safeStorage's deprecated
// synchronous calls throw, and its store can be missing or `basic_text`;
// navigation events carry their URL only in the event's details; closing
// the last window emits 'window-all-closed', and the app quits on it only
// when nobody listens (app.md); a closed window is destroyed and a new one
// must be made (browser-window.md); Notification and Tray exist only after
// ready, a notification shows only on show() and is clicked through its
// 'click' event (notification.md); a tray's menu comes from
// setContextMenu, and destroy() removes it (tray.md).

interface PreventableEvent {
  prevented: boolean;
  preventDefault(): void;
}

export function preventableEvent(): PreventableEvent {
  return {
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
}

/** Navigation events as Electron 25+ fires them: the URL in the details; the deprecated positional arguments left out. */
export function navigationEvent(url: string): PreventableEvent & { url: string; isMainFrame: boolean } {
  return { ...preventableEvent(), url, isMainFrame: true };
}

/**
 * Electron's session permission handlers, as the docs give their arguments:
 * a request handler gets (webContents, permission, callback, details with the
 * requesting URL); a check handler (webContents, permission, requestingOrigin,
 * details) and answers at once.
 */
export class FakeSession {
  permissionRequestHandler:
    | ((
        contents: unknown,
        permission: string,
        callback: (granted: boolean) => void,
        details: { requestingUrl: string; isMainFrame: boolean },
      ) => void)
    | null = null;
  permissionCheckHandler:
    | ((
        contents: unknown,
        permission: string,
        requestingOrigin: string,
        details: { requestingUrl?: string },
      ) => boolean)
    | null = null;
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
}

export class FakeWebContents extends EventEmitter {
  session = new FakeSession();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  sent: unknown[][] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
}

export interface FakeMenuItem {
  role?: string;
  label?: string;
  type?: string;
  accelerator?: string;
  checked?: boolean;
  /** The user clicks the item: a checkbox toggles first, then the template's click gets the item (as Electron does). */
  click?: () => void;
  submenu?: FakeMenu;
}

export interface FakeMenu {
  items: FakeMenuItem[];
}

interface TemplateItem {
  role?: string;
  label?: string;
  type?: string;
  accelerator?: string;
  checked?: boolean;
  click?: (item: FakeMenuItem) => void;
  submenu?: TemplateItem[];
}
type Template = TemplateItem[];

/** The submenus Electron 45 fills in for a menu role given without one (lib/browser/api/menu-item-roles.ts). */
function defaultSubmenu(role: string, platform: NodeJS.Platform): Template | undefined {
  const isMac = platform === 'darwin';
  const separator: TemplateItem = { type: 'separator' };
  switch (role.toLowerCase()) {
    case 'editmenu':
      return [
        { role: 'undo' },
        { role: 'redo' },
        separator,
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        ...(isMac
          ? [
              { role: 'pasteAndMatchStyle' },
              { role: 'delete' },
              { role: 'selectAll' },
              separator,
              { label: 'Substitutions', submenu: [{ role: 'showSubstitutions' }] },
              { label: 'Speech', submenu: [{ role: 'startSpeaking' }, { role: 'stopSpeaking' }] },
            ]
          : [{ role: 'delete' }, separator, { role: 'selectAll' }]),
      ];
    case 'windowmenu':
      return [
        { role: 'minimize' },
        { role: 'zoom' },
        ...(isMac ? [separator, { role: 'front' }] : [{ role: 'close' }]),
      ];
    default:
      return undefined;
  }
}

const ROLE_LABELS: Record<string, string> = { editmenu: 'Edit', windowmenu: 'Window' };

export type KeychainState = 'available' | 'unavailable' | 'basic_text';

export function createFakeElectron(options: {
  appData: string;
  singleInstance?: boolean;
  handlers: ApiHandlers;
  isPackaged?: boolean;
  platform?: NodeJS.Platform;
  keychain?: KeychainState;
  /** Chromium switches on the command line, e.g. { 'user-data-dir': '/x' }. */
  switches?: Record<string, string>;
}) {
  const platform = options.platform ?? 'linux';
  const switches = options.switches ?? {};
  const paths = new Map<string, string>([['appData', options.appData]]);
  // Electron takes userData from Chromium's --user-data-dir when it is given.
  if (switches['user-data-dir'] !== undefined) paths.set('userData', switches['user-data-dir']);
  let ready = false;
  const mustBeReady = (what: string): void => {
    if (!ready) throw new Error(`${what} cannot be used before the app is ready`);
  };

  const app = Object.assign(new EventEmitter(), {
    // What Electron's default app is called when it was started on a file, not a folder with package.json.
    name: 'Electron',
    isPackaged: options.isPackaged ?? false,
    quitCalls: 0,
    exitCodes: [] as number[],
    aboutShown: 0,
    aboutPanelOptions: null as object | null,
    /** userData at the moment the single-instance lock was taken: the lock lives there. */
    lockedIn: null as string | null,
    commandLine: {
      hasSwitch: (name: string) => Object.hasOwn(switches, name),
      getSwitchValue: (name: string) => switches[name] ?? '',
    },
    setName(name: string) {
      app.name = name;
    },
    getName: () => app.name,
    getVersion: () => (app.isPackaged ? '0.1.0' : '45.5.0'),
    requestSingleInstanceLock() {
      app.lockedIn = app.getPath('userData');
      return options.singleInstance ?? true;
    },
    whenReady: () =>
      new Promise<void>((resolve) => {
        setImmediate(() => {
          ready = true;
          app.emit('ready');
          resolve();
        });
      }),
    isReady: () => ready,
    getPath(name: string) {
      // As in Electron: userData is appData + the app's name, unless set.
      if (name === 'userData') return paths.get('userData') ?? join(options.appData, app.name);
      const set = paths.get(name);
      if (set === undefined) throw new Error(`unexpected path ${name}`);
      return set;
    },
    setPath(name: string, path: string) {
      paths.set(name, path);
    },
    quit() {
      app.quitCalls += 1;
    },
    /** The user clicks the dock icon (macOS): Electron emits 'activate' with whether windows are visible. */
    activate() {
      app.emit(
        'activate',
        {},
        BrowserWindow.instances.some((window) => !window.destroyed),
      );
    },
    exit(code: number) {
      app.exitCodes.push(code);
    },
    setAboutPanelOptions(panel: object) {
      app.aboutPanelOptions = panel;
    },
    showAboutPanel() {
      app.aboutShown += 1;
    },
  });

  class BrowserWindow extends EventEmitter {
    static instances: BrowserWindow[] = [];
    /** Makes the next window's constructor throw, as a failure while opening would. */
    static failNext: Error | null = null;
    webContents = new FakeWebContents();
    loadedUrl: string | null = null;
    shown = false;
    maximized = false;
    focused = 0;
    constructor(readonly options: Record<string, unknown>) {
      super();
      if (!ready) throw new Error('Cannot create BrowserWindow before app is ready');
      if (BrowserWindow.failNext) {
        const failure = BrowserWindow.failNext;
        BrowserWindow.failNext = null;
        throw failure;
      }
      BrowserWindow.instances.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
      return Promise.resolve();
    }
    show(): void {
      this.shown = true;
    }
    maximize(): void {
      this.maximized = true;
    }
    isMaximized(): boolean {
      return this.maximized;
    }
    isMinimized(): boolean {
      return false;
    }
    restored = 0;
    restore(): void {
      this.restored += 1;
    }
    focus(): void {
      this.focused += 1;
    }
    getNormalBounds() {
      return { x: 40, y: 30, width: 1111, height: 777 };
    }
    destroyed = false;
    isDestroyed(): boolean {
      return this.destroyed;
    }
    /**
     * The user closes the window: 'close' (preventable), then the window is
     * destroyed and 'closed' fires; when it was the last one, the app emits
     * 'window-all-closed', and without a listener Electron quits.
     */
    close(): void {
      if (this.destroyed) return;
      const event = preventableEvent();
      this.emit('close', event);
      if (event.prevented) return;
      this.destroyed = true;
      this.emit('closed');
      if (BrowserWindow.instances.every((window) => window.destroyed)) {
        if (app.listenerCount('window-all-closed') > 0) app.emit('window-all-closed');
        else app.quit();
      }
    }
    /** The windows not yet closed. */
    static open(): BrowserWindow[] {
      return BrowserWindow.instances.filter((window) => !window.destroyed);
    }
  }

  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      if (ready) throw new Error('protocol.registerSchemesAsPrivileged must be called before the app is ready');
      if (protocol.privileged.length > 0)
        throw new Error('protocol.registerSchemesAsPrivileged can be called only once');
      protocol.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: { url: string }) => Promise<Response>) {
      mustBeReady('protocol.handle');
      protocol.handlers.set(scheme, handler);
    },
  };

  const ipcMain = {
    handlers: new Map<string, (event: unknown, request: unknown) => Promise<unknown>>(),
    handle(channel: string, handler: (event: unknown, request: unknown) => Promise<unknown>) {
      if (ipcMain.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      ipcMain.handlers.set(channel, handler);
    },
  };

  const dialog = {
    nextChoice: { canceled: true, filePaths: [] as string[] },
    calls: [] as unknown[],
    /** The button the user clicks in the next message box. */
    nextResponse: 0,
    messageBoxes: [] as { message: string; detail: string; buttons: string[] }[],
    errorBoxes: [] as { title: string; content: string }[],
    showOpenDialog(...args: unknown[]) {
      mustBeReady('dialog');
      dialog.calls.push(args);
      return Promise.resolve(dialog.nextChoice);
    },
    showMessageBox(...args: unknown[]) {
      mustBeReady('dialog');
      const box = args.at(-1) as { message: string; detail: string; buttons: string[] };
      dialog.messageBoxes.push(box);
      return Promise.resolve({ response: dialog.nextResponse, checkboxChecked: false });
    },
    // The one dialog Electron allows before ready.
    showErrorBox(title: string, content: string) {
      dialog.errorBoxes.push({ title, content });
    },
  };

  const buildMenu = (template: Template): FakeMenu => ({
    items: template.map((entry) => {
      if (entry.label === undefined && entry.role === undefined && entry.type === undefined) {
        throw new Error('Invalid template for MenuItem: must have at least one of label, role or type');
      }
      const role = entry.role;
      const submenu = entry.submenu ?? (role ? defaultSubmenu(role, platform) : undefined);
      const item: FakeMenuItem = {};
      if (role !== undefined) item.role = role;
      const label = entry.label ?? (role ? ROLE_LABELS[role.toLowerCase()] : undefined);
      if (label !== undefined) item.label = label;
      if (entry.type !== undefined) item.type = entry.type;
      if (entry.accelerator !== undefined) item.accelerator = entry.accelerator;
      if (entry.type === 'checkbox' || entry.type === 'radio') item.checked = entry.checked ?? false;
      const click = entry.click;
      if (click !== undefined) {
        item.click = () => {
          if (item.type === 'checkbox') item.checked = item.checked !== true;
          click(item);
        };
      }
      if (submenu !== undefined) item.submenu = buildMenu(submenu);
      return item;
    }),
  });

  const Menu = {
    applicationMenu: null as FakeMenu | null,
    buildFromTemplate: (template: Template) => buildMenu(template),
    setApplicationMenu(menu: FakeMenu) {
      Menu.applicationMenu = menu;
    },
  };

  const screen = {
    getAllDisplays: () => {
      mustBeReady("The 'screen' module");
      return [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }];
    },
  };

  class BackendProcess extends EventEmitter {
    killed = false;
    constructor(
      readonly entry: string,
      readonly args: string[],
    ) {
      super();
    }
    vaultReplies: unknown[] = [];
    /** A message the backend sends main unasked (parentPort.postMessage), e.g. a notice of new findings. */
    fromBackend(message: BackendToMain): void {
      if (!this.killed) this.emit('message', message);
    }
    postMessage(message: MainToBackend): void {
      if ('vaultReply' in message) {
        this.vaultReplies.push(message.vaultReply);
        return;
      }
      void dispatch(options.handlers, message.method, message.request).then((result) => {
        if (!this.killed) this.emit('message', { id: message.id, result });
      });
    }
    /** A fatal V8 error, as Electron reports it: 'error', then 'exit' (docs: utility-process.md). */
    crash(location: string): void {
      this.emit('error', 'FatalError', location, '{}');
      this.killed = true;
      this.emit('exit', 134);
    }
    kill(): boolean {
      if (this.killed) return false;
      this.killed = true;
      setImmediate(() => this.emit('exit', 0));
      return true;
    }
  }
  const utilityProcess = {
    forked: [] as BackendProcess[],
    fork(entry: string, args: string[]) {
      mustBeReady('utilityProcess');
      const child = new BackendProcess(entry, args);
      utilityProcess.forked.push(child);
      return child;
    },
  };

  const keychain = options.keychain ?? 'available';
  const deprecated = (name: string) => () => {
    throw new Error(`safeStorage.${name} is deprecated in Electron 45: use its asynchronous form`);
  };
  const safeStorage = {
    isEncryptionAvailable: deprecated('isEncryptionAvailable'),
    encryptString: deprecated('encryptString'),
    decryptString: deprecated('decryptString'),
    // Chromium's choice on Linux; 'unknown' before ready, as documented.
    getSelectedStorageBackend: () =>
      !ready ? 'unknown' : keychain === 'basic_text' ? 'basic_text' : 'gnome_libsecret',
    isAsyncEncryptionAvailable: () => Promise.resolve(ready && keychain !== 'unavailable'),
    encryptStringAsync(plain: string) {
      if (!ready || keychain === 'unavailable') return Promise.reject(new Error('Encryption is not available.'));
      return Promise.resolve(Buffer.from(plain).reverse());
    },
    decryptStringAsync(sealed: Buffer) {
      if (!ready || keychain === 'unavailable') return Promise.reject(new Error('Decryption is not available.'));
      return Promise.resolve({ result: Buffer.from(sealed).reverse().toString(), shouldReEncrypt: false });
    },
  };

  const shell = {
    opened: [] as string[],
    openExternal(url: string) {
      shell.opened.push(url);
      return Promise.resolve();
    },
  };

  class Notification extends EventEmitter {
    static instances: Notification[] = [];
    /** Whether the system shows notifications (docs: false where it has no notification server). */
    static supported = true;
    static isSupported(): boolean {
      return Notification.supported;
    }
    shown = 0;
    constructor(readonly options: { title?: string; body?: string }) {
      super();
      mustBeReady('Notification');
      Notification.instances.push(this);
    }
    show(): void {
      this.shown += 1;
      this.emit('show', {});
    }
    close(): void {
      this.emit('close', {});
    }
    /** The user clicks it. */
    click(): void {
      this.emit('click', {});
    }
  }

  class Tray extends EventEmitter {
    static instances: Tray[] = [];
    toolTip = '';
    contextMenu: FakeMenu | null = null;
    destroyed = false;
    constructor(readonly image: string) {
      super();
      mustBeReady('Tray');
      Tray.instances.push(this);
    }
    setToolTip(text: string): void {
      this.toolTip = text;
    }
    setContextMenu(menu: FakeMenu | null): void {
      this.contextMenu = menu;
    }
    destroy(): void {
      this.destroyed = true;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
  }

  return {
    app,
    BrowserWindow,
    protocol,
    ipcMain,
    dialog,
    Menu,
    screen,
    utilityProcess,
    safeStorage,
    shell,
    Notification,
    Tray,
  };
}
