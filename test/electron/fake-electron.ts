import { EventEmitter } from 'node:events';
import type { ApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import type { MainToBackend } from '../../electron/shell/backend-client.js';

/**
 * A stand-in for the parts of the electron module the shell uses. It records
 * what the shell asks of Electron, and lets a test fire the events Electron
 * would fire. The backend process is replaced by the real backend handlers,
 * called in this process through the same message protocol.
 */

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

export class FakeSession {
  permissionRequestHandler:
    ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  permissionCheckHandler: (() => boolean) | null = null;
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: () => boolean): void {
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

export function createFakeElectron(options: { userData: string; singleInstance?: boolean; handlers: ApiHandlers }) {
  const app = Object.assign(new EventEmitter(), {
    quitCalls: 0,
    aboutShown: 0,
    requestSingleInstanceLock: () => options.singleInstance ?? true,
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => {
      if (name !== 'userData') throw new Error(`unexpected path ${name}`);
      return options.userData;
    },
    quit() {
      app.quitCalls += 1;
    },
    showAboutPanel() {
      app.aboutShown += 1;
    },
  });

  class BrowserWindow extends EventEmitter {
    static instances: BrowserWindow[] = [];
    webContents = new FakeWebContents();
    loadedUrl: string | null = null;
    shown = false;
    maximized = false;
    focused = 0;
    constructor(readonly options: Record<string, unknown>) {
      super();
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
  }

  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      protocol.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: { url: string }) => Promise<Response>) {
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
    showOpenDialog(...args: unknown[]) {
      dialog.calls.push(args);
      return Promise.resolve(dialog.nextChoice);
    },
  };

  const Menu = {
    applicationMenu: null as unknown,
    buildFromTemplate: (template: unknown) => template,
    setApplicationMenu(menu: unknown) {
      Menu.applicationMenu = menu;
    },
  };

  const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };

  class BackendProcess extends EventEmitter {
    killed = false;
    constructor(
      readonly entry: string,
      readonly args: string[],
    ) {
      super();
    }
    vaultReplies: unknown[] = [];
    postMessage(message: MainToBackend): void {
      if ('vaultReply' in message) {
        this.vaultReplies.push(message.vaultReply);
        return;
      }
      void dispatch(options.handlers, message.method, message.request).then((result) => {
        this.emit('message', { id: message.id, result });
      });
    }
    kill(): void {
      this.killed = true;
    }
  }
  const utilityProcess = {
    forked: [] as BackendProcess[],
    fork(entry: string, args: string[]) {
      const child = new BackendProcess(entry, args);
      utilityProcess.forked.push(child);
      return child;
    },
  };

  const safeStorage = {
    isEncryptionAvailable: () => true,
    encryptString: (plain: string) => Buffer.from(plain).reverse(),
    decryptString: (sealed: Buffer) => Buffer.from(sealed).reverse().toString(),
  };

  const shell = {
    opened: [] as string[],
    openExternal(url: string) {
      shell.opened.push(url);
      return Promise.resolve();
    },
  };

  return { app, BrowserWindow, protocol, ipcMain, dialog, Menu, screen, utilityProcess, safeStorage, shell };
}
