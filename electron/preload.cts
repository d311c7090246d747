// The preload of the sandboxed window. A sandboxed preload can require
// nothing but 'electron', so it imports only types from the rest of the
// project; the literal types keep its channel names in step with shared/.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS
import electron = require('electron');
import type { ApiChannelPrefix, ElectronBridge, MenuChannel, MenuCommand } from '../shared/api/bridge.js';

const { contextBridge, ipcRenderer, webUtils } = electron;
const API_CHANNEL_PREFIX: ApiChannelPrefix = 'api:';
const MENU_CHANNEL: MenuChannel = 'menu-command';
const METHOD_NAME = /^[a-zA-Z]{1,64}$/;
const MENU_COMMANDS: readonly MenuCommand[] = ['import-files', 'import-folder', 'import-opened'];

const bridge = {
  invoke(method: string, request: unknown) {
    // Main registers one handler per contract method; anything else has no channel to reach.
    if (typeof method !== 'string' || !METHOD_NAME.test(method)) {
      return Promise.resolve({
        ok: false as const,
        error: { code: 'invalid-request' as const, message: 'not a method name' },
      });
    }
    return ipcRenderer.invoke(`${API_CHANNEL_PREFIX}${method}`, request) as ReturnType<ElectronBridge['invoke']>;
  },
  pathForFile(file: Parameters<typeof webUtils.getPathForFile>[0]) {
    return webUtils.getPathForFile(file);
  },
  onMenuCommand(listener: (command: MenuCommand) => void) {
    const forward = (_event: unknown, command: unknown): void => {
      if (MENU_COMMANDS.includes(command as MenuCommand)) listener(command as MenuCommand);
    };
    ipcRenderer.on(MENU_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(MENU_CHANNEL, forward);
    };
  },
} satisfies ElectronBridge<Parameters<typeof webUtils.getPathForFile>[0]>;

contextBridge.exposeInMainWorld('tlsrpt', bridge);
