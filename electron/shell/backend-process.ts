// The backend in its own process (Electron's utilityProcess), so that a big
// import or a slow query never freezes the window. It is the same backend as
// the command line's, started with the database path main gives it.
import { parseArgs } from 'node:util';
import { createApiHandlers } from '../backend/api/handlers.js';
import { dispatch } from '../backend/api/dispatch.js';
import { openDatabase, type WritableDatabase } from '../backend/db/database.js';
import { DatabaseProblem } from '../backend/db/database-problems.js';
import { replaceSealedSecret } from '../backend/db/mailbox-store.js';
import { CsvWriteError } from '../backend/export/failures-csv.js';
import { MailboxError } from '../backend/mailbox/mailbox-manager.js';
import type { SecretVault } from '../backend/mailbox/secret-vault.js';
import type { FindingSink } from '../backend/notify/finding-notifier.js';
import {
  describeValidationError,
  failuresCsvRequestSchema,
  type ApiResult,
  type FailuresCsvRequest,
} from '../../shared/api/contract.js';
import type {
  BackendResponse,
  FindingsNoticeMessage,
  MainToBackend,
  StartupProblem,
  VaultReply,
  VaultRequest,
} from './backend-client.js';

const { values } = parseArgs({
  options: { db: { type: 'string' }, 'native-binding': { type: 'string' } },
  allowPositionals: false,
});
if (values.db === undefined) throw new Error('backend process started without --db');

const port = process.parentPort;

/** Mailbox secrets sealed by the OS keychain, which only main can reach: asked for over the parent port. */
class KeychainVault implements SecretVault {
  readonly persistent = true;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: VaultReply['vaultReply']) => void>();

  constructor(private readonly db: WritableDatabase) {}

  answer(reply: VaultReply['vaultReply']): void {
    this.pending.get(reply.id)?.(reply);
    this.pending.delete(reply.id);
  }

  async seal(_name: string, secret: string): Promise<Uint8Array> {
    return Buffer.from((await this.ask('seal', secret)).data, 'base64');
  }

  async open(name: string, sealed: Uint8Array | null): Promise<string | null> {
    if (sealed === null) return null;
    const reply = await this.ask('open', Buffer.from(sealed).toString('base64'));
    // The keychain rotated its key or can now protect the secret better
    // (safeStorage's shouldReEncrypt): the old bytes are replaced, so the
    // secret does not stay sealed the old way.
    if (reply.resealed !== undefined) replaceSealedSecret(this.db, name, sealed, Buffer.from(reply.resealed, 'base64'));
    return reply.data;
  }

  forget(): void {
    // Nothing is held here: the sealed bytes go with the account's row.
  }

  private ask(op: 'seal' | 'open', data: string): Promise<{ data: string; resealed?: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => {
        if (reply.ok) resolve(reply);
        else reject(new MailboxError(reply.error));
      });
      const request: VaultRequest = { vault: { id, op, data } };
      port.postMessage(request);
    });
  }
}

/** The database, or null after telling main in words why it cannot be opened (main then ends this process). */
function openOrExplain(file: string): WritableDatabase | null {
  try {
    return openDatabase(file, { nativeBinding: values['native-binding'] });
  } catch (error) {
    const problem: StartupProblem = {
      startupProblem:
        error instanceof DatabaseProblem
          ? { kind: 'database', problem: error.kind, file: error.file, message: error.message }
          : { kind: 'other', message: error instanceof Error ? error.message : String(error) },
    };
    port.postMessage(problem);
    return null;
  }
}

const db = openOrExplain(values.db);
if (db !== null) serve(db, values.db);

function serve(db: WritableDatabase, databasePath: string): void {
  const vault = new KeychainVault(db);
  /** The desktop notification: main shows it, with its window open or not. */
  const toMain: FindingSink = {
    describe: 'the desktop notification',
    deliver: (notice) => {
      const message: FindingsNoticeMessage = { findingsNotice: notice };
      port.postMessage(message);
      return Promise.resolve();
    },
  };
  const { handlers, writeFailuresCsv } = createApiHandlers({
    db,
    databasePath,
    transport: 'electron',
    allowPaths: true,
    vault,
    notify: { sinks: [toMain], onProblem: (message) => process.stderr.write(`tlsrpt-viewer: ${message}\n`) },
  });

  port.on('message', (event: { data: MainToBackend }) => {
    const message = event.data;
    if ('vaultReply' in message) {
      vault.answer(message.vaultReply);
      return;
    }
    if ('csvExport' in message) {
      void exportCsv(message.csvExport.request, message.csvExport.file, writeFailuresCsv).then((result) => {
        const response: BackendResponse = { id: message.id, result };
        port.postMessage(response);
      });
      return;
    }
    void dispatch(handlers, message.method, message.request).then((result) => {
      const response: BackendResponse = { id: message.id, result };
      port.postMessage(response);
    });
  });
}

/** Main's CSV export to the file its save dialog chose (CsvExportRequest): checked as a contract request is. */
async function exportCsv(
  request: unknown,
  file: string,
  write: (request: FailuresCsvRequest, file: string) => Promise<{ rows: number }>,
): Promise<ApiResult<unknown>> {
  const valid = failuresCsvRequestSchema.safeParse(request);
  if (!valid.success)
    return {
      ok: false,
      error: { code: 'invalid-request', message: `saveFailuresCsv: ${describeValidationError(valid.error)}` },
    };
  try {
    const { rows } = await write(valid.data, file);
    return { ok: true, value: { file, rows } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: error instanceof CsvWriteError ? 'failed' : 'internal', message } };
  }
}
