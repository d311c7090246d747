import {
  type MailboxAccount,
  type MailboxState,
  type MailboxStatus,
  type MessageOutcome,
} from '../../../shared/mailbox/account.js';
import { mailboxAccountSchema } from '../../../shared/mailbox/account-schema.js';
import type { WritableDatabase } from '../db/database.js';
import {
  deleteAccount,
  mailboxMessages,
  mailboxTotals,
  saveAccount,
  savedAccount,
  savedAccounts,
} from '../db/mailbox-store.js';
import type { ReportImporter } from '../import/importer.js';
import { ImapConnectionError, accountKey, connectImap, describeImapError } from './imap-connection.js';
import { syncMailbox } from './mailbox-sync.js';
import { MailboxWatcher } from './mailbox-watcher.js';
import type { SecretVault } from './secret-vault.js';

/** A failure the user can fix: no such account, no secret, a server that says no. */
export class MailboxError extends Error {
  override name = 'MailboxError';
}

interface Running {
  watcher: MailboxWatcher | null;
  state: MailboxState;
  progress: { done: number; total: number } | null;
  error: string | null;
}

/**
 * The saved mailboxes of the app and their syncs, one watcher per running
 * account. Used by the desktop app and serve mode alike.
 */
export class MailboxManager {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly db: WritableDatabase,
    private readonly importer: ReportImporter,
    private readonly vault: SecretVault,
  ) {}

  list(): MailboxStatus[] {
    return savedAccounts(this.db).map((row) => this.status(row.name));
  }

  status(name: string): MailboxStatus {
    const row = savedAccount(this.db, name);
    if (!row) throw new MailboxError(`there is no mailbox named "${name}"`);
    const account = mailboxAccountSchema.parse(JSON.parse(row.settingsJson));
    const totals = mailboxTotals(this.db, accountKey(account), account.mailbox);
    const running = this.running.get(name);
    return {
      account,
      hasSecret: row.secretEncrypted !== null || this.memorySecretKnown.has(name),
      secretPersists: this.vault.persistent,
      state: running?.state ?? 'stopped',
      lastSyncAt: totals.lastSyncAt,
      messagesSeen: totals.messagesSeen,
      reportsImported: totals.reportsImported,
      lastError: running?.error ?? totals.lastError,
      progress: running?.progress ?? null,
    };
  }

  /** Names whose secret a non-persistent vault holds (the database has no bytes for them). */
  private readonly memorySecretKnown = new Set<string>();

  async save(account: MailboxAccount, secret: string | undefined, previousName: string | null): Promise<MailboxStatus> {
    if (previousName !== null && previousName !== account.name && savedAccount(this.db, account.name)) {
      throw new MailboxError(`a mailbox named "${account.name}" exists already`);
    }
    const wasRunning = previousName !== null && this.running.has(previousName);
    if (previousName !== null) await this.stop(previousName);
    let sealed: Uint8Array | null | undefined;
    if (secret !== undefined) {
      sealed = await this.vault.seal(account.name, secret);
      if (sealed === null) this.memorySecretKnown.add(account.name);
    } else if (previousName !== null && previousName !== account.name && !this.vault.persistent) {
      const kept = await this.vault.open(previousName, null);
      if (kept !== null) await this.vault.seal(account.name, kept);
      if (kept !== null) this.memorySecretKnown.add(account.name);
    }
    saveAccount(this.db, account.name, JSON.stringify(account), sealed, previousName);
    if (wasRunning) await this.start(account.name);
    return this.status(account.name);
  }

  async remove(name: string): Promise<boolean> {
    await this.stop(name);
    this.vault.forget(name);
    this.memorySecretKnown.delete(name);
    return deleteAccount(this.db, name);
  }

  /** Connects and lists the folders: proves host, security, certificate and secret at once. */
  async test(account: MailboxAccount, secret: string | undefined): Promise<string[]> {
    const usable = secret ?? (await this.secretOf(account.name));
    const client = await connectImap(account, usable);
    try {
      const folders = await client.list();
      return folders.map((folder) => folder.path).sort();
    } catch (error) {
      throw new ImapConnectionError(describeImapError(error, account, usable));
    } finally {
      await client.logout().catch(() => undefined);
    }
  }

  async start(name: string): Promise<MailboxStatus> {
    if (this.running.has(name)) return this.status(name);
    const account = this.status(name).account;
    const secret = await this.secretOf(name);
    const target = { server: account, mailbox: account.mailbox, after: account.after };
    const entry: Running = { watcher: null, state: 'connecting', progress: null, error: null };
    this.running.set(name, entry);
    entry.watcher = new MailboxWatcher({
      server: account,
      connect: () => connectImap(account, secret),
      sync: async (client) => {
        entry.state = 'syncing';
        entry.progress = { done: 0, total: 0 };
        try {
          return await syncMailbox(this.db, this.importer, client, target, {
            onMessage: (_outcome, done, total) => {
              entry.progress = { done, total };
            },
          });
        } finally {
          entry.state = 'watching';
          entry.progress = null;
        }
      },
      pollIntervalSeconds: account.pollIntervalSeconds,
      onEvent: (event) => {
        if (event.type === 'connected') entry.error = null;
        if (event.type === 'synced') entry.error = null;
        if (event.type === 'error') {
          entry.state = 'error';
          entry.error = `${event.message} (trying again in ${event.retryInSeconds} s)`;
        }
      },
    });
    return this.status(name);
  }

  async stop(name: string): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) return;
    this.running.delete(name);
    await entry.watcher?.stop();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }

  messages(name: string, limit: number): (MessageOutcome & { processedAt: number })[] {
    const account = this.status(name).account;
    return mailboxMessages(this.db, accountKey(account), account.mailbox, limit);
  }

  private async secretOf(name: string): Promise<string> {
    const row = savedAccount(this.db, name);
    const secret = await this.vault.open(name, row?.secretEncrypted ?? null);
    if (secret === null) {
      throw new MailboxError(
        this.vault.persistent
          ? `no password or token is saved for "${name}"; edit the mailbox and enter it`
          : `no password or token is known for "${name}" since serve mode started; edit the mailbox and enter it (serve mode keeps secrets in memory only)`,
      );
    }
    return secret;
  }
}
