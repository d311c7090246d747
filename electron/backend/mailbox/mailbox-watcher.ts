import type { ImapFlow } from 'imapflow';
import type { SyncResult } from '../../../shared/mailbox/account.js';
import { ImapConnectionError, describeImapError, type ImapServer } from './imap-connection.js';

export type WatchEvent =
  | { type: 'connected' }
  | { type: 'synced'; result: SyncResult }
  | { type: 'error'; message: string; retryInSeconds: number }
  /** The server refused the credentials (or the provider the refresh token): the watcher has stopped. */
  | { type: 'auth-failed'; message: string; signInRequired: boolean }
  | { type: 'stopped' };

export interface WatchOptions {
  server: ImapServer;
  connect: () => Promise<ImapFlow>;
  sync: (client: ImapFlow) => Promise<SyncResult>;
  /** Backup poll for servers without IDLE, and against missed notifications. */
  pollIntervalSeconds: number;
  onEvent: (event: WatchEvent) => void;
  /** First and largest wait before reconnecting, in milliseconds. */
  backoff?: { initialMs: number; maxMs: number };
}

/**
 * Keeps a mailbox in sync: syncs, then waits on IMAP IDLE (imapflow idles
 * by itself between commands and reports new mail as `exists`) or the poll
 * interval, and syncs again. After a network error it reconnects with
 * exponential backoff; progress is per message, so nothing is lost or
 * fetched twice across reconnects. A refused password or token ends the
 * watch: retrying would repeat the refusal forever, and servers lock
 * accounts after repeated failures.
 */
export class MailboxWatcher {
  private stopped = false;
  private client: ImapFlow | null = null;
  private wake: (() => void) | null = null;
  private readonly done: Promise<void>;

  constructor(private readonly options: WatchOptions) {
    this.done = this.run();
  }

  /** Stops watching and closes the connection; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const client = this.client;
    if (client) await client.logout().catch(() => undefined);
    await this.done;
  }

  private async run(): Promise<void> {
    const backoff = this.options.backoff ?? { initialMs: 1000, maxMs: 5 * 60_000 };
    let delay = backoff.initialMs;
    while (!this.stopped) {
      try {
        const client = await this.options.connect();
        this.client = client;
        this.options.onEvent({ type: 'connected' });
        delay = backoff.initialMs;
        // Set from event handlers while the loop awaits, hence an object the compiler does not narrow.
        const connection = { closed: false, pending: true };
        client.once('close', () => {
          connection.closed = true;
          this.wake?.();
        });
        client.on('exists', () => {
          connection.pending = true;
          this.wake?.();
        });
        while (!this.isStopped() && !connection.closed) {
          if (connection.pending) {
            // Mail that arrives during a sync sets `pending` again: look once more before sleeping.
            connection.pending = false;
            this.options.onEvent({ type: 'synced', result: await this.options.sync(client) });
            continue;
          }
          await this.sleep(this.options.pollIntervalSeconds * 1000);
          connection.pending = true;
        }
        if (!this.isStopped()) throw Object.assign(new Error('connection closed'), { code: 'NoConnection' });
      } catch (error) {
        if (this.isStopped()) break;
        if (error instanceof ImapConnectionError && error.authenticationFailed) {
          this.stopped = true;
          this.options.onEvent({ type: 'auth-failed', message: error.message, signInRequired: error.signInRequired });
          break;
        }
        this.options.onEvent({
          type: 'error',
          message: describeImapError(error, this.options.server),
          retryInSeconds: delay / 1000,
        });
        this.client?.close();
        await this.sleep(delay);
        delay = Math.min(delay * 2, backoff.maxMs);
      } finally {
        this.client = null;
      }
    }
    this.options.onEvent({ type: 'stopped' });
  }

  /** Read through a method: stop() sets it while the loop awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  /** Waits for the time given, or less when woken by new mail, a closed connection or stop(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
    });
  }
}
