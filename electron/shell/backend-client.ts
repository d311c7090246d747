import type { ApiMethod, ApiResult } from '../../shared/api/contract.js';

/** The message port of the backend process, as main sees it (Electron's UtilityProcess). */
export interface BackendPort {
  postMessage(message: MainToBackend): void;
  on(event: 'message', listener: (message: BackendToMain) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

export interface BackendRequest {
  id: number;
  method: ApiMethod;
  request: unknown;
}

export interface BackendResponse {
  id: number;
  result: ApiResult<unknown>;
}

/**
 * The backend asks main to seal or open a mailbox secret: only main can use
 * the OS keychain (Electron's safeStorage). Sealed bytes travel as base64.
 */
export interface VaultRequest {
  vault: { id: number; op: 'seal' | 'open'; data: string };
}

export interface VaultReply {
  vaultReply: { id: number; ok: true; data: string } | { id: number; ok: false; error: string };
}

export type MainToBackend = BackendRequest | VaultReply;
export type BackendToMain = BackendResponse | VaultRequest;

/** Main's side of the vault: seal and open with the OS keychain. */
export interface Keychain {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

export function answerVaultRequest(keychain: Keychain, request: VaultRequest['vault']): VaultReply {
  if (!keychain.isEncryptionAvailable()) {
    return {
      vaultReply: {
        id: request.id,
        ok: false,
        error:
          'the system keychain is not available, so the password cannot be stored safely; unlock or set up the keychain and try again',
      },
    };
  }
  try {
    const data =
      request.op === 'seal'
        ? keychain.encryptString(request.data).toString('base64')
        : keychain.decryptString(Buffer.from(request.data, 'base64'));
    return { vaultReply: { id: request.id, ok: true, data } };
  } catch (error) {
    return {
      vaultReply: {
        id: request.id,
        ok: false,
        error: `the keychain refused: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
}

/**
 * Calls into the backend process and matches answers to calls. If the
 * process ends, every open call is answered with an error instead of
 * hanging the window.
 */
export class BackendClient {
  private nextId = 1;
  private readonly pending = new Map<number, (result: ApiResult<unknown>) => void>();
  private exited: string | null = null;

  constructor(
    private readonly port: BackendPort,
    keychain: Keychain | null = null,
  ) {
    port.on('message', (message) => {
      if ('vault' in message) {
        port.postMessage(
          keychain
            ? answerVaultRequest(keychain, message.vault)
            : { vaultReply: { id: message.vault.id, ok: false, error: 'no keychain' } },
        );
        return;
      }
      const resolve = this.pending.get(message.id);
      if (!resolve) return;
      this.pending.delete(message.id);
      resolve(message.result);
    });
    port.on('exit', (code) => {
      this.exited = `the backend process stopped (exit code ${code})`;
      for (const resolve of this.pending.values())
        resolve({ ok: false, error: { code: 'internal', message: this.exited } });
      this.pending.clear();
    });
  }

  call(method: ApiMethod, request: unknown): Promise<ApiResult<unknown>> {
    if (this.exited !== null) return Promise.resolve({ ok: false, error: { code: 'internal', message: this.exited } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.port.postMessage({ id, method, request });
    });
  }
}
