// Runs PRAGMA quick_check on its own read-only connection (see database-problems.ts):
// on a large file it takes seconds, which the thread that answers requests must not spend.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export type QuickCheckReply = { ok: true; lines: string[] } | { ok: false; code: string | null; message: string };

const port = parentPort;
if (port) {
  const { file, nativeBinding } = workerData as { file: string; nativeBinding: string | undefined };
  let reply: QuickCheckReply;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding });
    try {
      const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
      reply = { ok: true, lines: rows.map((row) => row.quick_check) };
    } finally {
      db.close();
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    reply = {
      ok: false,
      code: typeof code === 'string' ? code : null,
      message: error instanceof Error ? error.message : String(error),
    };
  }
  port.postMessage(reply);
}
