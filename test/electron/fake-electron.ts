import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { ApiHandlers } from '../../electron/backend/api/handlers.js';
import type { FailuresCsvRequest } from '../../shared/api/contract.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import type { BackendToMain, MainToBackend, StartupProblem } from '../../electron/shell/backend-client.js';

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
// synchronous calls throw; its asynchronous encryptor seals with a real
// keyring ("v11") or falls back to the fixed key ("v10") whatever the
// synchronous store's getSelectedStorageBackend() says, and asks for data
// sealed with an older key to be sealed again (shouldReEncrypt);
// navigation events carry their URL only in the event's details;
// closing the last window emits 'window-all-closed', and the app quits on it
// only when nobody listens (app.md); a closed window is destroyed and a new
// one must be made (browser-window.md); Notification and Tray exist only
// after ready, a notification shows only on show() and is clicked through its
// 'click' event (notification.md); a tray's menu comes from setContextMenu,
// and destroy() removes it (tray.md); shell.openExternal answers with a
// promise that rejects with the platform's reason when the system cannot
// open the URL (shell.md; "Failed to open path" from platform_util_linux.cc);
// a right-click emits webContents 'context-menu' with its parameters, and a
// menu opens only on popup() (web-contents.md, menu.md); clipboard.writeText
// answers with a promise (clipboard.md); autoUpdater is an EventEmitter
// (auto-updater.md), the module electron-updater emits
// 'before-quit-for-update' on and, on macOS, hands the checked zip to.

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
  reloads = 0;
  reload(): void {
    this.reloads += 1;
  }
  /**
   * What Electron emits when the page's process ends (webContents
   * 'render-process-gone', with RenderProcessGoneDetails: reason such as
   * 'crashed' or 'oom', and exitCode).
   */
  renderProcessGone(reason: string, exitCode: number): void {
    this.emit('render-process-gone', {}, { reason, exitCode });
  }
  /**
   * The user right-clicks: Electron emits 'context-menu' with the
   * parameters of what is under the pointer (web-contents.md). Those not
   * given are as on a plain, non-editable part of the page.
   */
  rightClick(params: Partial<FakeContextMenuParams> = {}): void {
    const defaults: FakeContextMenuParams = {
      x: 10,
      y: 10,
      frame: null,
      linkURL: '',
      linkText: '',
      pageURL: 'app://tlsrpt/index.html',
      frameURL: '',
      srcURL: '',
      mediaType: 'none',
      hasImageContents: false,
      isEditable: false,
      selectionText: '',
      titleText: '',
      altText: '',
      menuSourceType: 'mouse',
      editFlags: {
        canUndo: false,
        canRedo: false,
        canCut: false,
        canCopy: false,
        canPaste: false,
        canDelete: false,
        canSelectAll: false,
        canEditRichly: false,
      },
    };
    this.emit('context-menu', preventableEvent(), { ...defaults, ...params });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
}

/** The part of Electron's ContextMenuParams the stand-in fills in. */
export interface FakeContextMenuParams {
  x: number;
  y: number;
  frame: null;
  linkURL: string;
  linkText: string;
  pageURL: string;
  frameURL: string;
  srcURL: string;
  mediaType: string;
  hasImageContents: boolean;
  isEditable: boolean;
  selectionText: string;
  titleText: string;
  altText: string;
  menuSourceType: string;
  editFlags: {
    canUndo: boolean;
    canRedo: boolean;
    canCut: boolean;
    canCopy: boolean;
    canPaste: boolean;
    canDelete: boolean;
    canSelectAll: boolean;
    canEditRichly: boolean;
  };
}

export interface FakeMenuItem {
  role?: string;
  /** As MenuItem.enabled: true unless the template said otherwise. */
  enabled: boolean;
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
  /** Shows it as a context menu (menu.md); recorded in Menu.popups. */
  popup(options?: object): void;
}

interface TemplateItem {
  role?: string;
  label?: string;
  type?: string;
  accelerator?: string;
  checked?: boolean;
  enabled?: boolean;
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

/**
 * What the OS offers safeStorage. On Linux: a working Secret Service on a
 * desktop Chromium recognises ('keyring'), or on one it does not
 * ('bare-wm-keyring': the synchronous store says basic_text, the
 * asynchronous encryptor still uses the keyring); a recognised desktop whose
 * keyring fails ('keyring-failed': the asynchronous encryptor falls back to
 * the fixed key and still says it is available); no keyring at all
 * ('no-keyring'); or a keychain that refuses ('unavailable').
 */
export type KeychainState = 'keyring' | 'bare-wm-keyring' | 'keyring-failed' | 'no-keyring' | 'unavailable';

/*
 * Chromium's OSCrypt ciphertexts: a three-byte tag, then AES-128-CBC. "v10"
 * is sealed with a key derived from the published password "peanuts" on
 * Linux (PosixKeyProvider), and with the Keychain's or DPAPI's key on macOS
 * and Windows; "v11" with the Linux keyring's password
 * (FreedesktopSecretKeyProvider). The keyring's password is one per test
 * run, as a user's keyring is one per login.
 */
const OS_KEYRING_PASSWORD = randomBytes(16).toString('base64');
const osCryptKey = (password: string): Buffer => pbkdf2Sync(password, 'saltysalt', 1, 16, 'sha1');
const OS_CRYPT_IV = Buffer.alloc(16, ' ');

function sealingTag(platform: NodeJS.Platform, keychain: KeychainState): 'v10' | 'v11' {
  if (platform !== 'linux') return 'v10';
  return keychain === 'keyring' || keychain === 'bare-wm-keyring' ? 'v11' : 'v10';
}

/** The key a tag stands for on a platform: the fixed one only for Linux's "v10". */
function keyOf(tag: string, platform: NodeJS.Platform): Buffer {
  return osCryptKey(platform === 'linux' && tag === 'v10' ? 'peanuts' : OS_KEYRING_PASSWORD);
}

function osCryptSeal(tag: 'v10' | 'v11', platform: NodeJS.Platform, plain: string): Buffer {
  const cipher = createCipheriv('aes-128-cbc', keyOf(tag, platform), OS_CRYPT_IV);
  return Buffer.concat([Buffer.from(tag, 'latin1'), cipher.update(plain, 'utf8'), cipher.final()]);
}

function osCryptOpen(sealed: Buffer, platform: NodeJS.Platform, keychain: KeychainState): string {
  const tag = sealed.subarray(0, 3).toString('latin1');
  if (tag !== 'v10' && tag !== 'v11') throw new Error('Ciphertext does not appear to be encrypted.');
  // A keyring's ciphertext cannot be opened while that keyring is not reachable.
  if (platform === 'linux' && tag === 'v11' && sealingTag(platform, keychain) !== 'v11')
    throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptStringAsync.');
  const decipher = createDecipheriv('aes-128-cbc', keyOf(tag, platform), OS_CRYPT_IV);
  return Buffer.concat([decipher.update(sealed.subarray(3)), decipher.final()]).toString('utf8');
}

/** Electron 45's safeStorage over the OS's keychain as `keychain` describes it; `ready` says whether the app is. */
export function createFakeSafeStorage(platform: NodeJS.Platform, keychain: KeychainState, isReady: () => boolean) {
  const deprecated = (name: string) => () => {
    throw new Error(`safeStorage.${name} is deprecated in Electron 45: use its asynchronous form`);
  };
  const notReady = (): Promise<never> => Promise.reject(new Error('safeStorage cannot be used before app is ready'));
  return {
    isEncryptionAvailable: deprecated('isEncryptionAvailable'),
    encryptString: deprecated('encryptString'),
    decryptString: deprecated('decryptString'),
    // The synchronous store's choice on Linux, by the desktop it recognises;
    // 'unknown' before ready, as documented. It says nothing of the
    // asynchronous encryptor, which tries the Secret Service whatever this says.
    getSelectedStorageBackend: () =>
      !isReady()
        ? 'unknown'
        : keychain === 'no-keyring' || keychain === 'bare-wm-keyring'
          ? 'basic_text'
          : 'gnome_libsecret',
    isAsyncEncryptionAvailable: () => Promise.resolve(isReady() && keychain !== 'unavailable'),
    encryptStringAsync(plain: string) {
      if (!isReady()) return notReady();
      if (keychain === 'unavailable')
        return Promise.reject(new Error('Error while encrypting the text provided to safeStorage.encryptStringAsync.'));
      return Promise.resolve(osCryptSeal(sealingTag(platform, keychain), platform, plain));
    },
    decryptStringAsync(sealed: Buffer) {
      if (!isReady()) return notReady();
      if (keychain === 'unavailable')
        return Promise.reject(
          new Error('Error while decrypting the ciphertext provided to safeStorage.decryptStringAsync.'),
        );
      const tag = sealed.subarray(0, 3).toString('latin1');
      try {
        const result = osCryptOpen(sealed, platform, keychain);
        // As OSCryptAsync: data sealed with another key than the one it seals with now should be sealed again.
        return Promise.resolve({ result, shouldReEncrypt: tag !== sealingTag(platform, keychain) });
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}

export function createFakeElectron(options: {
  appData: string;
  singleInstance?: boolean;
  handlers: ApiHandlers;
  /** What the backend process does with main's CSV export (createApiHandlers' writeFailuresCsv). */
  writeFailuresCsv?: (request: FailuresCsvRequest, file: string) => Promise<{ rows: number }>;
  isPackaged?: boolean;
  platform?: NodeJS.Platform;
  keychain?: KeychainState;
  /** Chromium switches on the command line, e.g. { 'user-data-dir': '/x' }. */
  switches?: Record<string, string>;
  /**
   * macOS: files Finder opens the app with (Open With, a drop on the dock
   * icon). They arrive as 'open-file' events before 'ready'; one nobody
   * listens to by then is lost, as in Electron.
   */
  openedAtLaunch?: string[];
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
    /** 'open-file' events nobody prevented (Electron then lets macOS say the file could not be opened). */
    unhandledOpenFiles: [] as string[],
    whenReady: () =>
      new Promise<void>((resolve) => {
        setImmediate(() => {
          if (platform === 'darwin') {
            for (const path of options.openedAtLaunch ?? []) {
              const event = preventableEvent();
              app.emit('open-file', event, path);
              if (!event.prevented) app.unhandledOpenFiles.push(path);
            }
          }
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
    relaunches: 0,
    relaunch() {
      app.relaunches += 1;
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
    appUserModelId: null as string | null,
    // Electron defines it on Windows only (electron_api_app.cc): elsewhere calling it is a TypeError.
    ...(platform === 'win32'
      ? {
          setAppUserModelId(id: string) {
            app.appUserModelId = id;
          },
        }
      : {}),
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
    /** What the next open dialogs answer, in order; then nextChoice. */
    choices: [] as { canceled: boolean; filePaths: string[] }[],
    nextChoice: { canceled: true, filePaths: [] as string[] },
    calls: [] as unknown[][],
    /** The buttons the user clicks in the next message boxes, in order; then nextResponse. */
    responses: [] as number[],
    /** The button the user clicks in a message box. */
    nextResponse: 0,
    messageBoxes: [] as { message: string; detail: string; buttons: string[] }[],
    errorBoxes: [] as { title: string; content: string }[],
    /** What the next save dialog answers. */
    nextSave: { canceled: true, filePath: '' } as { canceled: boolean; filePath: string },
    showSaveDialog(...args: unknown[]) {
      mustBeReady('dialog');
      dialog.calls.push(args);
      return Promise.resolve(dialog.nextSave);
    },
    showOpenDialog(...args: unknown[]) {
      mustBeReady('dialog');
      dialog.calls.push(args);
      return Promise.resolve(dialog.choices.shift() ?? dialog.nextChoice);
    },
    showMessageBox(...args: unknown[]) {
      mustBeReady('dialog');
      const box = args.at(-1) as { message: string; detail: string; buttons: string[] };
      dialog.messageBoxes.push(box);
      return Promise.resolve({ response: dialog.responses.shift() ?? dialog.nextResponse, checkboxChecked: false });
    },
    // The one dialog Electron allows before ready.
    showErrorBox(title: string, content: string) {
      dialog.errorBoxes.push({ title, content });
    },
  };

  const buildMenu = (template: Template): FakeMenu => ({
    popup(popupOptions: object = {}) {
      Menu.popups.push({ menu: this, options: popupOptions });
    },
    items: template.map((entry) => {
      if (entry.label === undefined && entry.role === undefined && entry.type === undefined) {
        throw new Error('Invalid template for MenuItem: must have at least one of label, role or type');
      }
      const role = entry.role;
      const submenu = entry.submenu ?? (role ? defaultSubmenu(role, platform) : undefined);
      const item: FakeMenuItem = { enabled: entry.enabled ?? true };
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
    /** Context menus shown, in order. */
    popups: [] as { menu: FakeMenu; options: object }[],
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
    /** As in Electron: a stream only when options.stdio[2] (or stdio itself) is 'pipe', else null. */
    readonly stderr: PassThrough | null;
    constructor(
      readonly entry: string,
      readonly args: string[],
      options: { stdio?: string | string[] } = {},
    ) {
      super();
      const stdio = options.stdio ?? 'inherit';
      this.stderr = (Array.isArray(stdio) ? stdio[2] : stdio) === 'pipe' ? new PassThrough() : null;
    }
    /** What the real backend process sends when it cannot start (backend-process.ts), then waits to be ended. */
    failAtStart(problem: StartupProblem['startupProblem']): void {
      this.emit('message', { startupProblem: problem });
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
      if ('csvExport' in message) {
        const write = options.writeFailuresCsv;
        const { request, file } = message.csvExport;
        void (write ? write(request as FailuresCsvRequest, file) : Promise.reject(new Error('no export'))).then(
          ({ rows }) => {
            if (!this.killed) this.emit('message', { id: message.id, result: { ok: true, value: { file, rows } } });
          },
          (error: unknown) => {
            const result = { ok: false, error: { code: 'failed', message: String(error) } };
            if (!this.killed) this.emit('message', { id: message.id, result });
          },
        );
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
    fork(entry: string, args: string[], forkOptions?: { stdio?: string | string[] }) {
      mustBeReady('utilityProcess');
      const child = new BackendProcess(entry, args, forkOptions);
      utilityProcess.forked.push(child);
      return child;
    },
  };

  const safeStorage = createFakeSafeStorage(platform, options.keychain ?? 'keyring', () => ready);

  const shell = {
    opened: [] as string[],
    shownInFolder: [] as string[],
    showItemInFolder(path: string) {
      shell.shownInFolder.push(path);
    },
    /** Set: the system cannot open URLs (no browser, xdg-open missing), and openExternal rejects with this reason. */
    refusal: null as string | null,
    openExternal(url: string) {
      if (shell.refusal !== null) return Promise.reject(new Error(shell.refusal));
      shell.opened.push(url);
      return Promise.resolve();
    },
  };

  const clipboard = {
    text: '',
    writeText(text: string) {
      clipboard.text = text;
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

  // Electron's built-in updater (Squirrel on macOS and Windows); electron-updater drives it on macOS only.
  const autoUpdater = Object.assign(new EventEmitter(), {
    feedUrl: null as string | null,
    quitAndInstallCalls: 0,
    setFeedURL(feed: { url: string }) {
      autoUpdater.feedUrl = feed.url;
    },
    getFeedURL: () => autoUpdater.feedUrl ?? '',
    checkForUpdates() {
      autoUpdater.emit('checking-for-update');
    },
    quitAndInstall() {
      autoUpdater.quitAndInstallCalls += 1;
    },
  });

  return {
    app,
    autoUpdater,
    BrowserWindow,
    protocol,
    ipcMain,
    dialog,
    Menu,
    screen,
    utilityProcess,
    safeStorage,
    shell,
    clipboard,
    Notification,
    Tray,
  };
}
