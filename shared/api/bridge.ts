import type { ApiResult } from './contract.js';

/**
 * Commands the native menu (and, for 'import-opened', the OS opening files
 * with the app) sends to the page; the page answers through the contract.
 */
export type MenuCommand = 'import-files' | 'import-folder' | 'import-opened';

/**
 * What the Electron preload puts on `window.tlsrpt`: the contract's single
 * entry point; the one thing a sandboxed page cannot do itself, find the
 * path of a dropped file; and the menu's commands. Nothing else of Electron
 * reaches the page.
 */
/** `FileType` is the DOM's File in the page; shared/ itself knows no DOM. */
export interface ElectronBridge<FileType = unknown> {
  invoke(method: string, request: unknown): Promise<ApiResult<unknown>>;
  pathForFile(file: FileType): string;
  /** Returns the function that removes the listener. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

/** IPC channels: one per contract method, `api:<method>`. */
export type ApiChannelPrefix = 'api:';
export const API_CHANNEL_PREFIX: ApiChannelPrefix = 'api:';
export type MenuChannel = 'menu-command';
export const MENU_CHANNEL: MenuChannel = 'menu-command';
