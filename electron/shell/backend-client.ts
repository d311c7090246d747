import type { ApiMethod, ApiResult } from '../../shared/api/contract.js';
import type { FindingsNotice } from '../../shared/health/notice.js';

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

/** New error findings, decided in the backend after an import or sync batch, for main to show. */
export interface FindingsNoticeMessage {
  findingsNotice: FindingsNotice;
}

export type MainToBackend = BackendRequest | VaultReply;
export type BackendToMain = BackendResponse | VaultRequest | FindingsNoticeMessage;

/**
 * Main's side of the vault: Electron's safeStorage. Its synchronous calls are
 * deprecated in Electron 45 and can block the window's process while the OS
 * asks to unlock a keychain, so only the asynchronous ones are used.
 */
export interface Keychain {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(sealed: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux only: which password store Chromium picked for this session. */
  getSelectedStorageBackend(): string;
}

/**
 * On Linux, where Chromium recognises no desktop keyring (a bare window
 * manager, a remote session), it falls back to `basic_text`: a key written
 * into the program itself, which protects nothing. A password sealed with it
 * would sit in the database as good as in the clear, so it is refused, and
 * the message names the switch that picks a real store.
 */
export const BASIC_TEXT_REFUSAL =
  'the system keychain is not available: Electron fell back to its basic_text store, which does not protect the ' +
  'password, so it cannot be stored safely. Start tlsrpt-viewer with --password-store=gnome-libsecret (GNOME ' +
  'Keyring, KeePassXC and other Secret Service keyrings) or --password-store=kwallet5 (KDE; kwallet6 on Plasma 6), ' +
  'with that keyring running and unlocked, and try again';

export const KEYCHAIN_UNAVAILABLE =
  'the system keychain is not available, so the password cannot be stored safely; unlock or set up the keychain and try again';

export async function answerVaultRequest(
  keychain: Keychain,
  request: VaultRequest['vault'],
  platform: NodeJS.Platform = process.platform,
): Promise<VaultReply> {
  const refuse = (error: string): VaultReply => ({ vaultReply: { id: request.id, ok: false, error } });
  try {
    if (platform === 'linux' && keychain.getSelectedStorageBackend() === 'basic_text')
      return refuse(BASIC_TEXT_REFUSAL);
    if (!(await keychain.isAsyncEncryptionAvailable())) return refuse(KEYCHAIN_UNAVAILABLE);
    const data =
      request.op === 'seal'
        ? (await keychain.encryptStringAsync(request.data)).toString('base64')
        : (await keychain.decryptStringAsync(Buffer.from(request.data, 'base64'))).result;
    return { vaultReply: { id: request.id, ok: true, data } };
  } catch (error) {
    return refuse(`the keychain refused: ${error instanceof Error ? error.message : String(error)}`);
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
      // Notices are main's to show (BackendSupervisor); they answer no call.
      if ('findingsNotice' in message) return;
      if ('vault' in message) {
        const { vault } = message;
        void (
          keychain
            ? answerVaultRequest(keychain, vault)
            : Promise.resolve<VaultReply>({ vaultReply: { id: vault.id, ok: false, error: 'no keychain' } })
        ).then((reply) => {
          if (this.exited === null) port.postMessage(reply);
        });
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
