import type { ApiMethod, ApiResult } from '../../shared/api/contract.js';
import type { FindingsNotice } from '../../shared/health/notice.js';
import type { DatabaseProblemKind } from '../backend/database-files.js';
import { answerVaultRequest, type Keychain } from './keychain.js';

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
  vaultReply:
    | {
        id: number;
        ok: true;
        data: string;
        /** The secret sealed again, when the keychain asks for it (safeStorage's shouldReEncrypt). */
        resealed?: string;
      }
    | { id: number; ok: false; error: string };
}

/**
 * The backend could not start, in words: it sends this instead of dying
 * with an exit code, and main ends it. A database problem (damaged, locked,
 * from a newer version…) names the file, so main can offer to show it or to
 * open a backup instead: restarting on the same file fails the same way.
 */
export interface StartupProblem {
  startupProblem:
    | { kind: 'database'; problem: DatabaseProblemKind; file: string; message: string }
    | { kind: 'other'; message: string };
}

/** New error findings, decided in the backend after an import or sync batch, for main to show. */
export interface FindingsNoticeMessage {
  findingsNotice: FindingsNotice;
}

/**
 * Main asks the backend to write a CSV export (a `saveFailuresCsv` request)
 * to the file its save dialog chose: the backend streams it to disk, and
 * answers `{ file, rows }` as a BackendResponse. Not a contract method, so
 * that the page can never name a file to be written.
 */
export interface CsvExportRequest {
  id: number;
  csvExport: { request: unknown; file: string };
}

export type MainToBackend = BackendRequest | VaultReply | CsvExportRequest;
export type BackendToMain = BackendResponse | VaultRequest | FindingsNoticeMessage | StartupProblem;

/** What the page shows while the backend process is down. */
const BACKEND_STOPPED =
  'The part of tlsrpt-viewer that reads and stores reports has stopped. Restart it from the dialog, then press Retry.';

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
      // The supervisor answers a start-up problem; there is no call to answer.
      if ('startupProblem' in message) return;
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
      this.exited = `${BACKEND_STOPPED} (It stopped with exit code ${code}.)`;
      // `unreachable`, as a stopped server is in serve mode: the page shows its banner and reloads every view
      // once the restarted process answers.
      for (const resolve of this.pending.values())
        resolve({ ok: false, error: { code: 'unreachable', message: this.exited } });
      this.pending.clear();
    });
  }

  call(method: ApiMethod, request: unknown): Promise<ApiResult<unknown>> {
    return this.send((id) => ({ id, method, request }));
  }

  /** See {@link CsvExportRequest}. */
  exportCsv(request: unknown, file: string): Promise<ApiResult<unknown>> {
    return this.send((id) => ({ id, csvExport: { request, file } }));
  }

  private send(message: (id: number) => BackendRequest | CsvExportRequest): Promise<ApiResult<unknown>> {
    if (this.exited !== null)
      return Promise.resolve({ ok: false, error: { code: 'unreachable', message: this.exited } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.port.postMessage(message(id));
    });
  }
}
