// The OAuth client secret (issue 23, point 14): it was kept in the clear in
// settings_json and returned by `mailboxes` to anyone who could call the API.
// Against a real authorization server with a confidential client, and a vault
// that seals with a key made here (as the OS keychain would).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxAccount, MailboxStatus } from '../../shared/mailbox/account.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { MIGRATIONS, migrateToLatest } from '../../electron/backend/db/migrations/index.js';
import type { SecretVault } from '../../electron/backend/mailbox/secret-vault.js';
import { useTempDir } from '../helpers/files.js';
import { createOAuthServer, signInWithHttpClient, type OAuthServer } from '../helpers/oauth-server.js';

const tempDir = useTempDir();
let auth: OAuthServer;

beforeAll(async () => {
  auth = await createOAuthServer();
});

afterAll(async () => {
  await auth.stop();
});

/** Seals with AES-256-GCM under a key only this process knows, like safeStorage under the keychain's. */
class KeyVault implements SecretVault {
  readonly persistent = true;
  private readonly key = randomBytes(32);
  seal(_name: string, secret: string): Promise<Uint8Array> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Promise.resolve(Buffer.concat([iv, cipher.getAuthTag(), body]));
  }
  open(_name: string, sealed: Uint8Array | null): Promise<string | null> {
    if (sealed === null) return Promise.resolve(null);
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Promise.resolve(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8'));
  }
  forget(): void {
    // Nothing is held here: the sealed bytes go with the account's row.
  }
}

function account(clientSecret: string | null): MailboxAccount {
  return {
    name: 'Confidential',
    host: '127.0.0.1',
    port: 993,
    security: 'tls',
    user: auth.user,
    auth: 'oauth2',
    mailbox: 'INBOX',
    after: { action: 'none' },
    pollIntervalSeconds: 3600,
    caFile: null,
    oauth: {
      provider: 'issuer',
      issuer: auth.issuer,
      clientId: auth.confidentialClientId,
      clientSecret,
      tenant: null,
      scope: null,
    },
  };
}

function api(file: string, vault: SecretVault) {
  const db = openDatabase(file);
  const { handlers } = createApiHandlers({ db, databasePath: file, transport: 'http', allowPaths: false, vault });
  const call = async (method: string, request: unknown): Promise<unknown> => {
    const result = await dispatch(handlers, method, request);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value;
  };
  return { db, call };
}

async function signIn(call: (method: string, request: unknown) => Promise<unknown>): Promise<MailboxStatus> {
  const started = (await call('signInMailbox', { name: 'Confidential' })) as { authorizationUrl: string };
  const page = await signInWithHttpClient(started.authorizationUrl, { user: auth.user, password: auth.password });
  expect(page.status).toBe(200);
  for (let i = 0; i < 200; i += 1) {
    const [status] = (await call('mailboxes', {})) as MailboxStatus[];
    if (status?.hasSecret === true || status?.lastError) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the sign-in never ended');
}

const storedSettings = (file: string): string[] => {
  const raw = new Database(file, { readonly: true });
  try {
    return raw.prepare('SELECT settings_json FROM mailbox_accounts').pluck().all() as string[];
  } finally {
    raw.close();
  }
};

describe('the OAuth client secret', () => {
  it('is sealed, never returned, kept when left empty, and still signs in', async () => {
    const file = join(tempDir(), 'secret.sqlite');
    const { db, call } = api(file, new KeyVault());
    const settings = account(auth.confidentialClientSecret);
    const saved = (await call('saveMailbox', { account: settings })) as MailboxStatus;
    expect(JSON.stringify(saved)).not.toContain(auth.confidentialClientSecret);
    expect(saved.oauth?.clientSecretKept).toBe(true);
    expect(saved.account.oauth?.clientSecret).toBeNull();
    expect(JSON.stringify(await call('mailboxes', {}))).not.toContain(auth.confidentialClientSecret);
    expect(storedSettings(file).join('')).not.toContain(auth.confidentialClientSecret);

    // Saved again as the form sends it, the field left empty: the secret stays, and the provider accepts it.
    await call('saveMailbox', { account: saved.account, previousName: 'Confidential' });
    const signedIn = await signIn(call);
    expect(signedIn.lastError).toBeNull();
    expect(signedIn).toMatchObject({ hasSecret: true, oauth: { signedInAs: auth.user, clientSecretKept: true } });
    expect(JSON.stringify(signedIn)).not.toContain(auth.confidentialClientSecret);
    db.close();
  });

  it('left in the clear by an older release, is sealed at the next start and still signs in', async () => {
    const file = join(tempDir(), 'old.sqlite');
    const old = new Database(file);
    migrateToLatest(old, MIGRATIONS.slice(0, 6));
    const clear = account(auth.confidentialClientSecret);
    old
      .prepare('INSERT INTO mailbox_accounts (name, settings_json, created_at, updated_at) VALUES (?, ?, 1, 1)')
      .run('Confidential', JSON.stringify(clear));
    old.close();

    const { db, call } = api(file, new KeyVault());
    const [status] = (await call('mailboxes', {})) as MailboxStatus[];
    expect(JSON.stringify(status)).not.toContain(auth.confidentialClientSecret);
    expect(status?.oauth?.clientSecretKept).toBe(true);
    const signedIn = await signIn(call);
    expect(signedIn.lastError).toBeNull();
    expect(signedIn.hasSecret).toBe(true);
    const raw = new Database(file, { readonly: true });
    const row = raw
      .prepare(
        'SELECT settings_json AS settings, client_secret_to_seal AS toSeal, client_secret_encrypted AS sealed FROM mailbox_accounts',
      )
      .get() as { settings: string; toSeal: string | null; sealed: Buffer | null };
    raw.close();
    expect(row.settings).not.toContain(auth.confidentialClientSecret);
    expect(row.toSeal).toBeNull();
    expect(row.sealed).not.toBeNull();
    expect(row.sealed?.toString('latin1')).not.toContain(auth.confidentialClientSecret);
    db.close();
  });
});
