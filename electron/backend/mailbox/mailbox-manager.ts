import {
  type MailboxAccount,
  type MailboxState,
  type MailboxStatus,
  type MessageOutcome,
} from '../../../shared/mailbox/account.js';
import { checkBeforeFirstWrite } from '../db/database-problems.js';
import { mailboxAccountSchema } from '../../../shared/mailbox/account-schema.js';
import type { WritableDatabase } from '../db/database.js';
import {
  deleteAccount,
  mailboxMessages,
  mailboxTotals,
  saveAccount,
  clientSecretVaultName,
  saveClientSecret,
  savedAccount,
  savedAccounts,
  type SavedAccountRow,
} from '../db/mailbox-store.js';
import type { OAuthSettings } from '../../../shared/mailbox/oauth.js';
import type { ImapFlow } from 'imapflow';
import type { ReportImporter } from '../import/importer.js';
import { ImapConnectionError, accountKey, connectImap, describeImapError } from './imap-connection.js';
import { syncMailbox } from './mailbox-sync.js';
import {
  OAuthError,
  OAuthTokenSource,
  beginSignIn,
  connectImapOAuth,
  describeOAuthFailure,
  parseOAuthSecret,
  serializeOAuthSecret,
  type PendingSignIn,
} from './oauth-client.js';
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

/** A signed-in mailbox's session: its tokens (in memory) and where a sign-in stands. */
interface OAuthSession {
  tokens: OAuthTokenSource | null;
  pending: PendingSignIn | null;
  signInRequired: boolean;
  error: string | null;
}

/** The vault's name for a mailbox's OAuth client secret (the store re-seals it by that name too). */
const clientSecretName = clientSecretVaultName;

/** The settings as they are stored and returned: the client secret goes to the vault, never here. */
function withoutClientSecret(account: MailboxAccount): MailboxAccount {
  return account.oauth === undefined ? account : { ...account, oauth: { ...account.oauth, clientSecret: null } };
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
    const account = withoutClientSecret(mailboxAccountSchema.parse(JSON.parse(row.settingsJson)));
    const totals = mailboxTotals(this.db, accountKey(account), account.mailbox);
    const running = this.running.get(name);
    const hasSecret = row.secretEncrypted !== null || this.memorySecretKnown.has(name);
    const session = this.sessions.get(name);
    return {
      account,
      hasSecret,
      secretPersists: this.vault.persistent,
      state: session?.signInRequired ? 'sign-in-required' : (running?.state ?? 'stopped'),
      lastSyncAt: totals.lastSyncAt,
      messagesSeen: totals.messagesSeen,
      reportsImported: totals.reportsImported,
      lastError: session?.error ?? running?.error ?? totals.lastError,
      progress: running?.progress ?? null,
      oauth:
        account.auth === 'oauth2'
          ? {
              signedIn: hasSecret && session?.signInRequired !== true,
              signedInAs: session?.tokens?.signedInAs ?? this.signedInAs.get(name) ?? null,
              accessTokenExpiresAt: session?.tokens?.expiresAt ?? null,
              signInRequired: session?.signInRequired ?? false,
              pendingUrl: session?.pending?.url ?? null,
              browserRefused: null,
              clientSecretKept: this.clientSecretKept(row),
            }
          : null,
    };
  }

  private readonly sessions = new Map<string, OAuthSession>();
  /** Who signed in, learned when the sealed secret was last opened; not a secret, never stored. */
  private readonly signedInAs = new Map<string, string | null>();

  /** Names whose secret a non-persistent vault holds (the database has no bytes for them). */
  private readonly memorySecretKnown = new Set<string>();

  private clientSecretKept(row: SavedAccountRow): boolean {
    return (
      row.clientSecretEncrypted !== null ||
      row.clientSecretToSeal !== null ||
      this.memorySecretKnown.has(clientSecretName(row.name))
    );
  }

  private leftClientSecretsSealed: Promise<void> | null = null;

  /** Seals the clear client secrets migration 0007 took out of the settings, once per manager. */
  private sealLeftClientSecrets(): Promise<void> {
    this.leftClientSecretsSealed ??= (async () => {
      for (const row of savedAccounts(this.db)) {
        if (row.clientSecretToSeal === null) continue;
        await this.keepClientSecret(row.name, row.clientSecretToSeal);
      }
    })();
    return this.leftClientSecretsSealed;
  }

  private async keepClientSecret(name: string, secret: string | null): Promise<void> {
    const key = clientSecretName(name);
    let sealed: Uint8Array | null = null;
    if (secret === null) {
      this.vault.forget(key);
      this.memorySecretKnown.delete(key);
    } else {
      sealed = await this.vault.seal(key, secret);
      if (sealed === null) this.memorySecretKnown.add(key);
    }
    saveClientSecret(this.db, name, sealed);
  }

  /** The mailbox's OAuth settings with its client secret opened, for talking to the provider. */
  private async oauthSettingsOf(name: string, account: MailboxAccount): Promise<OAuthSettings | undefined> {
    if (account.oauth === undefined) return undefined;
    await this.sealLeftClientSecrets();
    const row = savedAccount(this.db, name);
    const clientSecret = await this.vault.open(clientSecretName(name), row?.clientSecretEncrypted ?? null);
    return { ...account.oauth, clientSecret };
  }

  async save(account: MailboxAccount, secret: string | undefined, previousName: string | null): Promise<MailboxStatus> {
    // A damaged database is written to by nothing, as the import refuses it: settings too.
    await checkBeforeFirstWrite(this.db);
    await this.sealLeftClientSecrets();
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
    // Kept when given as null, as the form leaves it empty; Entra ID's public clients have none to keep.
    const givenClientSecret = account.oauth?.clientSecret ?? null;
    const keptClientSecret =
      previousName === null
        ? null
        : await this.vault.open(
            clientSecretName(previousName),
            savedAccount(this.db, previousName)?.clientSecretEncrypted ?? null,
          );
    saveAccount(this.db, account.name, JSON.stringify(withoutClientSecret(account)), sealed, previousName);
    if (account.auth !== 'oauth2' || account.oauth?.provider === 'microsoft') {
      await this.keepClientSecret(account.name, null);
    } else if (givenClientSecret !== null) {
      await this.keepClientSecret(account.name, givenClientSecret);
    } else if (
      previousName !== null &&
      previousName !== account.name &&
      !this.vault.persistent &&
      keptClientSecret !== null
    ) {
      // The in-memory vault holds it by name: a renamed mailbox takes it along (sealed bytes go with the row).
      this.vault.forget(clientSecretName(previousName));
      this.memorySecretKnown.delete(clientSecretName(previousName));
      await this.keepClientSecret(account.name, keptClientSecret);
    }
    // Tokens belong to a provider, client and user: new settings may make them someone else's.
    for (const old of new Set([previousName ?? account.name, account.name])) {
      this.sessions.get(old)?.pending?.cancel();
      this.sessions.delete(old);
    }
    if (wasRunning) await this.start(account.name);
    return this.status(account.name);
  }

  async remove(name: string): Promise<boolean> {
    await checkBeforeFirstWrite(this.db);
    await this.stop(name);
    this.sessions.get(name)?.pending?.cancel();
    this.sessions.delete(name);
    this.vault.forget(name);
    this.memorySecretKnown.delete(name);
    this.vault.forget(clientSecretName(name));
    this.memorySecretKnown.delete(clientSecretName(name));
    return deleteAccount(this.db, name);
  }

  /** Connects and lists the folders: proves host, security, certificate and secret at once. */
  async test(account: MailboxAccount, secret: string | undefined): Promise<string[]> {
    let usable = '';
    let client;
    if (account.auth === 'oauth2') {
      const saved = savedAccount(this.db, account.name);
      if (!saved) throw new MailboxError('save the mailbox and sign in first; then test the connection');
      client = await connectImapOAuth(account, await this.tokensOf(account.name, account));
    } else {
      usable = secret ?? (await this.secretOf(account.name));
      client = await connectImap(account, usable);
    }
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
    const existing = this.running.get(name);
    // A watcher that stopped on refused credentials is restarted: the user fixed them, or wants to see it fail again.
    if (existing && existing.state !== 'auth-failed') return this.status(name);
    if (existing) this.running.delete(name);
    const account = this.status(name).account;
    let connect: () => Promise<ImapFlow>;
    if (account.auth === 'oauth2') {
      const tokens = await this.tokensOf(name, account);
      connect = () => connectImapOAuth(account, tokens);
    } else {
      const secret = await this.secretOf(name);
      connect = () => connectImap(account, secret);
    }
    const target = { server: account, mailbox: account.mailbox, after: account.after };
    const entry: Running = { watcher: null, state: 'connecting', progress: null, error: null };
    this.running.set(name, entry);
    entry.watcher = new MailboxWatcher({
      server: account,
      connect,
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
        if (event.type === 'auth-failed') {
          entry.state = 'auth-failed';
          entry.error = event.signInRequired
            ? `${event.message}. The sync has stopped.`
            : `${event.message}. The sync has stopped: correct the ${account.auth === 'password' ? 'password' : 'token'} and start it again.`;
          if (event.signInRequired) this.markSignInRequired(name, event.message);
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
    // A sign-in still waiting for the browser holds a loopback port open: let it go too.
    for (const session of this.sessions.values()) session.pending?.cancel();
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }

  messages(name: string, limit: number): (MessageOutcome & { processedAt: number })[] {
    const account = this.status(name).account;
    return mailboxMessages(this.db, accountKey(account), account.mailbox, limit);
  }

  /**
   * Starts an OAuth2 sign-in: the URL to open in the system browser, and a
   * loopback listener that takes the answer. The refresh token that comes
   * back is sealed by the vault like a password; the access token stays in
   * memory.
   */
  async signIn(name: string): Promise<MailboxStatus & { authorizationUrl: string }> {
    const account = this.status(name).account;
    if (account.auth !== 'oauth2' || account.oauth === undefined) {
      throw new MailboxError(`"${name}" does not sign in with OAuth2; choose a provider in its settings first`);
    }
    const settings = (await this.oauthSettingsOf(name, account)) ?? account.oauth;
    const session = this.sessionOf(name);
    session.pending?.cancel();
    let pending: PendingSignIn;
    try {
      pending = await beginSignIn(settings, { loginHint: account.user });
    } catch (error) {
      throw new MailboxError(
        error instanceof OAuthError ? error.message : `cannot start the sign-in: ${describeOAuthFailure(error)}`,
      );
    }
    session.pending = pending;
    session.error = null;
    pending.result
      .then(
        async (grant) => {
          if (session.pending !== pending) return;
          session.pending = null;
          const secret = { refreshToken: grant.refreshToken, signedInAs: grant.signedInAs };
          await this.storeOAuthSecret(name, account, secret);
          const tokens = new OAuthTokenSource(settings, secret, (rotated) =>
            this.storeOAuthSecret(name, account, rotated),
          );
          tokens.adopt(grant);
          session.tokens = tokens;
          session.signInRequired = false;
          this.signedInAs.set(name, secret.signedInAs);
          // A sync stopped by the ended sign-in has nothing else to wait for.
          if (this.running.get(name)?.state === 'auth-failed') await this.start(name);
        },
        (error: unknown) => {
          if (session.pending !== pending) return;
          session.pending = null;
          session.error = error instanceof Error ? error.message : String(error);
        },
      )
      .catch((error: unknown) => {
        session.error = `the sign-in finished but could not be saved: ${error instanceof Error ? error.message : String(error)}`;
      });
    return { ...this.status(name), authorizationUrl: pending.url };
  }

  /** Ends the sign-in: stops the sync, tells the provider (where it can be told), forgets the tokens. */
  async signOut(name: string): Promise<MailboxStatus> {
    const account = this.status(name).account;
    await this.stop(name);
    const session = this.sessions.get(name);
    session?.pending?.cancel();
    let tokens = session?.tokens ?? null;
    const settings = await this.oauthSettingsOf(name, account);
    if (tokens === null && settings !== undefined) {
      const row = savedAccount(this.db, name);
      const opened = await this.vault.open(name, row?.secretEncrypted ?? null);
      if (opened !== null) {
        try {
          tokens = new OAuthTokenSource(settings, parseOAuthSecret(opened), () => Promise.resolve());
        } catch {
          tokens = null;
        }
      }
    }
    // Revocation is a courtesy to the provider: signing out locally must work offline too.
    await tokens?.revoke().catch(() => undefined);
    this.sessions.delete(name);
    this.signedInAs.delete(name);
    this.vault.forget(name);
    this.memorySecretKnown.delete(name);
    saveAccount(this.db, name, JSON.stringify(account), null, null);
    return this.status(name);
  }

  private sessionOf(name: string): OAuthSession {
    let session = this.sessions.get(name);
    if (!session) {
      session = { tokens: null, pending: null, signInRequired: false, error: null };
      this.sessions.set(name, session);
    }
    return session;
  }

  private markSignInRequired(name: string, message: string): void {
    const session = this.sessionOf(name);
    session.signInRequired = true;
    session.tokens = null;
    session.error = message;
  }

  private async storeOAuthSecret(
    name: string,
    account: MailboxAccount,
    secret: { refreshToken: string; signedInAs: string | null },
  ): Promise<void> {
    const sealed = await this.vault.seal(name, serializeOAuthSecret(secret));
    if (sealed === null) this.memorySecretKnown.add(name);
    saveAccount(this.db, name, JSON.stringify(account), sealed, null);
  }

  /** The mailbox's token source: the one in memory, or one made from the sealed refresh token. */
  private async tokensOf(name: string, account: MailboxAccount): Promise<OAuthTokenSource> {
    const session = this.sessionOf(name);
    if (session.tokens) return session.tokens;
    const settings = await this.oauthSettingsOf(name, account);
    if (settings === undefined) throw new MailboxError(`"${name}" has no OAuth2 provider; edit the mailbox`);
    if (session.signInRequired) throw new MailboxError(`the sign-in of "${name}" has ended; sign in again`);
    const row = savedAccount(this.db, name);
    const opened = await this.vault.open(name, row?.secretEncrypted ?? null);
    if (opened === null) {
      throw new MailboxError(
        this.vault.persistent
          ? `"${name}" is not signed in; sign in first`
          : `"${name}" is not signed in since serve mode started; sign in (serve mode keeps tokens in memory only)`,
      );
    }
    let secret;
    try {
      secret = parseOAuthSecret(opened);
    } catch (error) {
      this.markSignInRequired(name, (error as Error).message);
      throw new MailboxError((error as Error).message);
    }
    this.signedInAs.set(name, secret.signedInAs);
    session.tokens = new OAuthTokenSource(settings, secret, (rotated) => this.storeOAuthSecret(name, account, rotated));
    return session.tokens;
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
