import type { ImapFlow } from 'imapflow';
import type { FileOutcome } from '../../../shared/import/types.js';
import type { AfterProcessing, MessageOutcome, MessageStatus, SyncResult } from '../../../shared/mailbox/account.js';
import type { WritableDatabase } from '../db/database.js';
import { mailboxProgress, recordMessages, recordSyncEnd, resetMailboxProgress } from '../db/mailbox-store.js';
import type { ByteInput, ReportImporter } from '../import/importer.js';
import { MAX_INPUT_FILE_BYTES, formatBytes } from '../import/limits.js';
import {
  ImapConnectionError,
  accountKey,
  connectionFailure,
  describeImapError,
  messageUrl,
  type ImapServer,
} from './imap-connection.js';

export interface SyncTarget {
  server: ImapServer;
  mailbox: string;
  after: AfterProcessing;
}

export interface SyncOptions {
  /** After each message, in UID order, once its batch is recorded. */
  onMessage?: (outcome: MessageOutcome, done: number, total: number) => void;
  /** Messages per FETCH (default {@link BATCH_MESSAGES}); the tests make it small to cut a sync mid-batch. */
  batchMessages?: number;
  /**
   * The whole sync's deadline in milliseconds (default
   * {@link DEFAULT_SYNC_DEADLINE_MS}): the socket's own timeout restarts with
   * every byte, so a server that sends one a second would hold it forever.
   */
  deadlineMs?: number;
}

/** A sync of a year's mailbox on a slow link takes minutes; one that takes half an hour is held. */
const DEFAULT_SYNC_DEADLINE_MS = 30 * 60_000;

/**
 * New messages one sync lists at most: a listing holds a few dozen bytes a
 * message, and a server that lists without end (1.07 GB after 120 s) is
 * stopped here, or at the count it said the mailbox holds.
 */
const MAX_LISTED_MESSAGES = 1_000_000;

/** imapflow's codes for a response over IMAP_RESPONSE_LIMITS. */
const OVER_LIMIT = new Set(['LiteralTooLarge', 'ResponseTooLarge', 'LineTooLarge', 'TooManyTokens']);

/** A sync that the server made stop: it lied about sizes, listed without end, or ran past the deadline. */
class SyncStopped extends ImapConnectionError {
  override name = 'SyncStopped';
}

/**
 * Messages fetched in one FETCH command, and their bytes together at most:
 * the round trips of a sync grow with the batches, not with the messages
 * (each message on its own cost two round trips and a transaction: 158
 * messages/s on loopback, minutes for a year's mailbox 20–50 ms away), and
 * the bytes a batch holds stay bounded.
 */
const BATCH_MESSAGES = 250;
const BATCH_BYTES = 32 * 1024 * 1024;

const STATUS_OF: Record<FileOutcome['status'], MessageStatus> = {
  imported: 'imported',
  duplicate: 'duplicate',
  skipped: 'no-report',
  rejected: 'error',
};

interface NewMessage {
  uid: number;
  size: number;
}

/**
 * Fetches the messages that arrived since the last sync, imports their
 * reports and records each message's outcome. With `after: none` the
 * mailbox is opened read-only (EXAMINE) and nothing on the server changes.
 *
 * One FETCH lists the new messages with their sizes; they are then fetched
 * in batches (by count and bytes), each batch imported through the import's
 * worker threads in one transaction, its messages recorded in one more, and
 * marked or moved on the server with one command. A sync cut off anywhere
 * resumes after the last batch recorded: a batch whose reports were stored
 * but not yet recorded is fetched again and its reports found to be
 * duplicates, never stored twice. A new UIDVALIDITY starts the mailbox over.
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
  // Set once the sync knows what it is to fetch, so that a stop can say what it could not fetch.
  const plan = { listed: null as number | null, fetched: 0 };
  const deadlineMs = options.deadlineMs ?? DEFAULT_SYNC_DEADLINE_MS;
  // An object: the timer sets it while this function awaits.
  const clock = { pastDeadline: false };
  const deadline = setTimeout(() => {
    clock.pastDeadline = true;
    // Ends every command under way: each rejects, and the sync stops below.
    client.close();
  }, deadlineMs);
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
    const messages = await newMessages(client, lastUid, opened.exists);
    plan.listed = messages.length;
    let moveFolderReady = false;

    await importer.importByteBatches(async (importBatch) => {
      for (const batch of batches(messages, options.batchMessages ?? BATCH_MESSAGES)) {
        const outcomes = await fetchAndImport(importBatch, client, target, uidValidity, batch);
        recordMessages(db, key, target.mailbox, uidValidity, outcomes);
        const processed = outcomes.filter((outcome) => outcome.status !== 'error').map((outcome) => outcome.uid);
        if (processed.length > 0 && target.after.action !== 'none') {
          if (target.after.action === 'move' && !moveFolderReady) {
            await ensureFolder(client, target.after.folder);
            moveFolderReady = true;
          }
          await applyAfterProcessing(client, target.after, processed);
        }
        for (const outcome of outcomes) {
          result.outcomes.push(outcome);
          result.messagesSeen += 1;
          result.reportsImported += outcome.reportsImported;
          if (outcome.status === 'duplicate') result.duplicates += 1;
          if (outcome.status === 'no-report') result.noReport += 1;
          if (outcome.status === 'error') result.errors += 1;
          options.onMessage?.(outcome, result.messagesSeen, messages.length);
        }
        plan.fetched = result.messagesSeen;
      }
    });
    recordSyncEnd(db, key, target.mailbox, null);
    return result;
  } catch (error) {
    const cause = connectionFailure(client, error);
    const stopped = clock.pastDeadline
      ? new SyncStopped(`the sync stopped at its deadline of ${Math.round(deadlineMs / 1000)} s; ${notFetched(plan)}`)
      : cause instanceof SyncStopped || OVER_LIMIT.has((cause as { code?: string } | undefined)?.code ?? '')
        ? new SyncStopped(`${describeImapError(cause, target.server)}; ${notFetched(plan)}`)
        : cause;
    recordSyncEnd(db, key, target.mailbox, describeImapError(stopped, target.server));
    throw stopped;
  } finally {
    clearTimeout(deadline);
    lock.release();
  }
}

function notFetched(plan: { listed: number | null; fetched: number }): string {
  if (plan.listed === null) return 'the server had not finished listing the new messages, so none were fetched';
  const left = plan.listed - plan.fetched;
  return `${left.toLocaleString('en-US')} of ${plan.listed.toLocaleString('en-US')} new messages were not fetched (the next sync goes on from there)`;
}

/**
 * The messages above the mark, with their sizes, in UID order: one FETCH of
 * UID and RFC822.SIZE, read as it comes and stopped past the messages the
 * mailbox holds (its EXISTS) or {@link MAX_LISTED_MESSAGES}.
 */
async function newMessages(client: ImapFlow, lastUid: number, exists: number): Promise<NewMessage[]> {
  const most = Math.min(MAX_LISTED_MESSAGES, exists);
  const listed: NewMessage[] = [];
  // `n:*` always matches the newest message, even below n: keep only UIDs above the mark.
  for await (const message of client.fetch(`${lastUid + 1}:*`, { uid: true, size: true }, { uid: true })) {
    if (message.uid > lastUid) listed.push({ uid: message.uid, size: message.size ?? 0 });
    if (listed.length > most) {
      client.close();
      throw new SyncStopped(
        `the server listed more than the ${most.toLocaleString('en-US')} messages ${most === exists ? 'it said the mailbox holds' : 'a sync lists'}`,
      );
    }
  }
  return listed.sort((a, b) => a.uid - b.uid);
}

/** Runs of messages of at most `count` messages and {@link BATCH_BYTES} (a larger message goes alone). */
function* batches(messages: readonly NewMessage[], count: number): Generator<NewMessage[]> {
  let batch: NewMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Math.min(message.size, MAX_INPUT_FILE_BYTES + 1);
    if (batch.length > 0 && (batch.length >= count || bytes + size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** One FETCH for a batch's messages (those within the size limit), then one import of them; outcomes in UID order. */
async function fetchAndImport(
  importBatch: (items: readonly ByteInput[]) => Promise<FileOutcome[]>,
  client: ImapFlow,
  target: SyncTarget,
  uidValidity: string,
  batch: readonly NewMessage[],
): Promise<MessageOutcome[]> {
  const tooLarge = (size: number): MessageOutcome['message'] =>
    `the message is ${formatBytes(size)}, over the ${formatBytes(MAX_INPUT_FILE_BYTES)} limit`;
  const wanted = batch.filter((message) => message.size <= MAX_INPUT_FILE_BYTES).map((message) => message.uid);
  const sources = new Map<number, Buffer>();
  const announced = new Map(batch.map((message) => [message.uid, message.size]));
  if (wanted.length > 0) {
    // Read as they come: a message bigger than the listing said stops the sync before the next is held,
    // so a batch holds what its listed sizes add up to (BATCH_BYTES), and one message more at most.
    for await (const message of client.fetch(
      wanted.join(','),
      { uid: true, size: true, source: true },
      { uid: true },
    )) {
      if (message.source === undefined) continue;
      const listedSize = announced.get(message.uid);
      if (listedSize === undefined || message.source.length > listedSize) {
        client.close();
        throw new SyncStopped(
          `the server sent ${formatBytes(message.source.length)} for message UID ${message.uid}, listed as ${formatBytes(listedSize ?? 0)}`,
        );
      }
      if ((message.size ?? message.source.length) <= MAX_INPUT_FILE_BYTES) sources.set(message.uid, message.source);
    }
  }
  const present = batch.filter((message) => sources.has(message.uid));
  const imported = await importBatch(
    present.map((message) => ({
      bytes: sources.get(message.uid) ?? Buffer.alloc(0),
      source: { kind: 'mailbox', ref: messageUrl(target.server, target.mailbox, uidValidity, message.uid) },
      name: `message-${message.uid}.eml`,
    })),
  );
  const outcomes = new Map(present.map((message, index) => [message.uid, imported[index]]));
  return batch.map((message): MessageOutcome => {
    if (message.size > MAX_INPUT_FILE_BYTES) {
      return { uid: message.uid, status: 'error', message: tooLarge(message.size), reportsImported: 0 };
    }
    const outcome = outcomes.get(message.uid);
    if (outcome === undefined) {
      return {
        uid: message.uid,
        status: 'no-report',
        message: 'the message was deleted before it could be read',
        reportsImported: 0,
      };
    }
    return {
      uid: message.uid,
      status: STATUS_OF[outcome.status],
      message: outcome.message,
      reportsImported: outcome.reports.filter((report) => report.status === 'imported').length,
    };
  });
}

async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  const existing = await client.list();
  if (!existing.some((entry) => entry.path === folder)) await client.mailboxCreate(folder);
}

/** One STORE or MOVE for a batch's messages. */
async function applyAfterProcessing(client: ImapFlow, after: AfterProcessing, uids: readonly number[]): Promise<void> {
  const set = uids.join(',');
  if (after.action === 'seen') await client.messageFlagsAdd(set, ['\\Seen'], { uid: true });
  if (after.action === 'move') await client.messageMove(set, after.folder, { uid: true });
}
