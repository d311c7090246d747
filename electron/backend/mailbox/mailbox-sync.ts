import type { ImapFlow } from 'imapflow';
import type { FileOutcome } from '../../../shared/import/types.js';
import type { AfterProcessing, MessageOutcome, MessageStatus, SyncResult } from '../../../shared/mailbox/account.js';
import type { WritableDatabase } from '../db/database.js';
import { mailboxProgress, recordMessage, recordSyncEnd, resetMailboxProgress } from '../db/mailbox-store.js';
import type { ReportImporter } from '../import/importer.js';
import { MAX_INPUT_FILE_BYTES, formatBytes } from '../import/limits.js';
import { accountKey, describeImapError, messageUrl, type ImapServer } from './imap-connection.js';

export interface SyncTarget {
  server: ImapServer;
  mailbox: string;
  after: AfterProcessing;
}

export interface SyncOptions {
  /** After each message, in UID order. */
  onMessage?: (outcome: MessageOutcome, done: number, total: number) => void;
}

const STATUS_OF: Record<FileOutcome['status'], MessageStatus> = {
  imported: 'imported',
  duplicate: 'duplicate',
  skipped: 'no-report',
  rejected: 'error',
};

/**
 * Fetches the messages that arrived since the last sync, imports their
 * reports and records each message's outcome. With `after: none` the
 * mailbox is opened read-only (EXAMINE) and nothing on the server changes.
 *
 * Progress is kept per message, so a sync cut off anywhere resumes at the
 * first message not yet recorded; a new UIDVALIDITY starts the mailbox over,
 * and report de-duplication keeps every report stored once.
 */
export async function syncMailbox(
  db: WritableDatabase,
  importer: ReportImporter,
  client: ImapFlow,
  target: SyncTarget,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const key = accountKey(target.server);
  const lock = await client.getMailboxLock(target.mailbox, { readOnly: target.after.action === 'none' });
  const result: SyncResult = {
    mailbox: target.mailbox,
    messagesSeen: 0,
    reportsImported: 0,
    duplicates: 0,
    noReport: 0,
    errors: 0,
    rescanned: false,
    outcomes: [],
  };
  try {
    const opened = client.mailbox;
    if (opened === false) throw new Error(`mailbox ${target.mailbox} is not open`);
    const uidValidity = String(opened.uidValidity);
    let progress = mailboxProgress(db, key, target.mailbox);
    if (progress?.uidValidity !== uidValidity) {
      result.rescanned = progress !== null;
      resetMailboxProgress(db, key, target.mailbox, uidValidity);
      progress = { uidValidity, lastUid: 0 };
    }
    const lastUid = progress.lastUid;
    // `n:*` always matches the newest message, even below n: keep only UIDs above the mark.
    const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
    const uids = (Array.isArray(found) ? found : []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
    let moveFolderReady = false;

    for (const uid of uids) {
      const outcome = await importMessage(importer, client, target, uidValidity, uid);
      recordMessage(db, key, target.mailbox, uidValidity, outcome);
      if (outcome.status !== 'error' && target.after.action !== 'none') {
        if (target.after.action === 'move' && !moveFolderReady) {
          await ensureFolder(client, target.after.folder);
          moveFolderReady = true;
        }
        await applyAfterProcessing(client, target.after, uid);
      }
      result.outcomes.push(outcome);
      result.messagesSeen += 1;
      result.reportsImported += outcome.reportsImported;
      if (outcome.status === 'duplicate') result.duplicates += 1;
      if (outcome.status === 'no-report') result.noReport += 1;
      if (outcome.status === 'error') result.errors += 1;
      options.onMessage?.(outcome, result.messagesSeen, uids.length);
    }
    recordSyncEnd(db, key, target.mailbox, null);
    return result;
  } catch (error) {
    recordSyncEnd(db, key, target.mailbox, describeImapError(error, target.server));
    throw error;
  } finally {
    lock.release();
  }
}

async function importMessage(
  importer: ReportImporter,
  client: ImapFlow,
  target: SyncTarget,
  uidValidity: string,
  uid: number,
): Promise<MessageOutcome> {
  const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
  if (meta === false)
    return { uid, status: 'no-report', message: 'the message was deleted before it could be read', reportsImported: 0 };
  if ((meta.size ?? 0) > MAX_INPUT_FILE_BYTES) {
    return {
      uid,
      status: 'error',
      message: `the message is ${formatBytes(meta.size ?? 0)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`,
      reportsImported: 0,
    };
  }
  const download = await client.download(String(uid), undefined, { uid: true });
  if (download.content === undefined) {
    return { uid, status: 'no-report', message: 'the message was deleted before it could be read', reportsImported: 0 };
  }
  // Streamed, and finished before the next IMAP command (imapflow cannot interleave them).
  const chunks: Buffer[] = [];
  for await (const chunk of download.content) chunks.push(chunk as Buffer);
  const source = { kind: 'mailbox' as const, ref: messageUrl(target.server, target.mailbox, uidValidity, uid) };
  const outcome = await importer.importBytes(Buffer.concat(chunks), source, `message-${uid}.eml`);
  return {
    uid,
    status: STATUS_OF[outcome.status],
    message: outcome.message,
    reportsImported: outcome.reports.filter((report) => report.status === 'imported').length,
  };
}

async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  const existing = await client.list();
  if (!existing.some((entry) => entry.path === folder)) await client.mailboxCreate(folder);
}

async function applyAfterProcessing(client: ImapFlow, after: AfterProcessing, uid: number): Promise<void> {
  if (after.action === 'seen') await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
  if (after.action === 'move') await client.messageMove(String(uid), after.folder, { uid: true });
}
