import type { ApiResult } from './contract.js';

/**
 * What the Electron preload puts on `window.tlsrpt`: the contract's single
 * entry point, and the one thing a sandboxed page cannot do itself, find the
 * path of a dropped file. Nothing else of Electron reaches the page.
 */
export interface ElectronBridge {
  invoke(method: string, request: unknown): Promise<ApiResult<unknown>>;
  pathForFile(file: unknown): string;
}

export const BRIDGE_GLOBAL = 'tlsrpt';
export const IPC_CHANNEL_PREFIX = 'api:';
