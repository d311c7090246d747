import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxAccount, MailboxStatus, SyncResult } from '../../shared/mailbox/account.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { cliPath, parseJsonOutput, runCliAsync, type CliResult } from '../helpers/cli.js';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { reportEmail } from '../helpers/email.js';
import { useTempDir } from '../helpers/files.js';
import { createOAuthServer, signInWithHttpClient, type OAuthServer } from '../helpers/oauth-server.js';
import { reportJson } from '../helpers/reports.js';
import { OAuthTokenSource, beginSignIn, connectImapOAuth } from '../../electron/backend/mailbox/oauth-client.js';

/*
 * OAuth2 sign-in (RFC 8252) against a real authorization server (panva's
 * oidc-provider on loopback) and a real Dovecot whose oauth2 passdb checks
 * each token by introspection at that server. Access tokens live a few
 * seconds, so the tests see them expire.
 */
const tempDir = useTempDir();
// Long enough for a sync on a busy 2-core machine to finish well inside the refresh margin (a fifth of it).
const ACCESS_TOKEN_SECONDS = 15;
let auth: OAuthServer;
let dovecot: DovecotServer;

beforeAll(async () => {
  auth = await createOAuthServer({ accessTokenSeconds: ACCESS_TOKEN_SECONDS });
  // XOAUTH2 only: the mechanism Microsoft and Google offer for IMAP.
  dovecot = await createDovecot({ oauth2IntrospectionUrl: auth.introspectionUrl, oauth2Mechanisms: ['xoauth2'] });
  await dovecot.start();
}, 60_000);

afterAll(async () => {
  await dovecot.stop();
  removeDovecot(dovecot);
  await auth.stop();
});

function account(overrides: Partial<MailboxAccount> = {}): MailboxAccount {
  return {
    name: 'Signed in',
    host: dovecot.host,
    port: dovecot.tlsPort,
    security: 'tls',
    user: auth.user,
    auth: 'oauth2',
    mailbox: 'INBOX',
    after: { action: 'none' },
    pollIntervalSeconds: 3600,
    caFile: dovecot.caFile,
    oauth: {
      provider: 'issuer',
      issuer: auth.issuer,
      clientId: auth.clientId,
      clientSecret: null,
      tenant: null,
      scope: null,
    },
    ...overrides,
  };
}

async function appendReport(mailbox: string, reportId: string): Promise<void> {
  const client = await dovecot.client();
  try {
    if (mailbox !== 'INBOX' && !(await client.list()).some((entry) => entry.path === mailbox))
      await client.mailboxCreate(mailbox);
    await client.append(
      mailbox,
      reportEmail([
        {
          contentType: 'application/tlsrpt+gzip',
          filename: `${reportId}.json.gz`,
          encoding: 'base64',
          body: gzipSync(reportJson({ reportId, organization: 'OAuth Sender' })),
        },
      ]),
    );
  } finally {
    await client.logout();
  }
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const tokenRequests = (): number => auth.requests.filter((path) => path === '/token').length;

describe('OAuth2 mailboxes', () => {
  it('sign in through the loopback redirect, sync with XOAUTH2, refresh, and end in "sign in again" when revoked', async () => {
    const file = join(tempDir(), 'oauth.sqlite');
    const db = openDatabase(file);
    const { handlers, mailboxes } = createApiHandlers({ db, databasePath: file, transport: 'http', allowPaths: false });
    const call = async (method: string, request: unknown): Promise<unknown> => {
      const result = await dispatch(handlers, method, request);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value;
    };
    const status = async (): Promise<MailboxStatus> => {
      const [only] = (await call('mailboxes', {})) as MailboxStatus[];
      if (!only) throw new Error('no mailbox');
      return only;
    };
    await appendReport('INBOX', 'oauth-1');
    await appendReport('INBOX', 'oauth-2');

    await call('saveMailbox', { account: account() });
    expect(await status()).toMatchObject({
      hasSecret: false,
      oauth: { signedIn: false, signInRequired: false, pendingUrl: null },
    });
    const started = (await call('signInMailbox', { name: 'Signed in' })) as MailboxStatus & {
      authorizationUrl: string;
    };
    const url = new URL(started.authorizationUrl);
    expect(url.origin).toBe(auth.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(url.searchParams.get('login_hint')).toBe(auth.user);
    expect(started.oauth?.pendingUrl).toBe(started.authorizationUrl);

    const signInStarted = Date.now();
    const landed = await signInWithHttpClient(started.authorizationUrl, { user: auth.user, password: auth.password });
    expect(landed.url.startsWith(url.searchParams.get('redirect_uri') ?? 'none')).toBe(true);
    expect(landed.text).toContain('Signed in');
    const signedIn = await until(status, (s) => s.oauth?.signedIn === true);
    expect(signedIn).toMatchObject({ hasSecret: true, oauth: { signedInAs: auth.user, pendingUrl: null } });
    const expiresAt = signedIn.oauth?.accessTokenExpiresAt ?? 0;
    // Issued between the start of the sign-in and now, for the server's lifetime.
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(signInStarted / 1000) + ACCESS_TOKEN_SECONDS - 1);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + ACCESS_TOKEN_SECONDS);

    // The first sync uses the sign-in's access token: no refresh.
    const beforeSync = tokenRequests();
    await call('startMailboxSync', { name: 'Signed in' });
    expect(await until(status, (s) => s.reportsImported === 2)).toMatchObject({ reportsImported: 2, lastError: null });
    await call('stopMailboxSync', { name: 'Signed in' });
    expect(tokenRequests()).toBe(beforeSync);

    // Expired: the next sync refreshes first, and goes on.
    await sleep(ACCESS_TOKEN_SECONDS * 1000 + 500);
    await appendReport('INBOX', 'oauth-3');
    await call('startMailboxSync', { name: 'Signed in' });
    const refreshed = await until(status, (s) => s.reportsImported === 3);
    expect(refreshed).toMatchObject({ reportsImported: 3, lastError: null, state: 'watching' });
    await call('stopMailboxSync', { name: 'Signed in' });
    expect(tokenRequests()).toBe(beforeSync + 1);
    expect(refreshed.oauth?.accessTokenExpiresAt ?? 0).toBeGreaterThan(expiresAt);

    // Refused by the server while it looks valid to us: refreshed once and tried again.
    await auth.revokeAccessTokens();
    await appendReport('INBOX', 'oauth-4');
    await call('startMailboxSync', { name: 'Signed in' });
    expect(await until(status, (s) => s.reportsImported === 4)).toMatchObject({ reportsImported: 4, lastError: null });
    await call('stopMailboxSync', { name: 'Signed in' });
    expect(tokenRequests()).toBe(beforeSync + 2);

    // Revoked: one refused refresh, then "sign in again", and no retry loop.
    await auth.revokeAll();
    await appendReport('INBOX', 'oauth-5');
    await call('startMailboxSync', { name: 'Signed in' });
    const ended = await until(status, (s) => s.state === 'sign-in-required');
    expect(ended).toMatchObject({
      state: 'sign-in-required',
      reportsImported: 4,
      oauth: { signedIn: false, signInRequired: true },
    });
    expect(ended.lastError).toMatch(/sign in again/);
    const afterRevoke = tokenRequests();
    await sleep(3000);
    expect(tokenRequests()).toBe(afterRevoke);
    expect(afterRevoke).toBe(beforeSync + 3);
    expect((await status()).state).toBe('sign-in-required');
    const again = await dispatch(handlers, 'startMailboxSync', { name: 'Signed in' });
    expect(again).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/sign in again/) as unknown },
    });

    // Signing in again picks the sync up where it stopped.
    const second = (await call('signInMailbox', { name: 'Signed in' })) as { authorizationUrl: string };
    await signInWithHttpClient(second.authorizationUrl, { user: auth.user, password: auth.password });
    await until(status, (s) => s.oauth?.signedIn === true);
    await call('startMailboxSync', { name: 'Signed in' });
    expect(await until(status, (s) => s.reportsImported === 5)).toMatchObject({
      reportsImported: 5,
      state: 'watching',
    });

    // Nor in what the page is told.
    const told = JSON.stringify([
      await call('mailboxes', {}),
      await call('mailboxMessages', { name: 'Signed in', limit: 50 }),
    ]);
    for (const token of auth.issuedTokens) expect(told).not.toContain(token);

    const out = await call('signOutMailbox', { name: 'Signed in' });
    expect(out).toMatchObject({ state: 'stopped', hasSecret: false, oauth: { signedIn: false, signedInAs: null } });
    await mailboxes.stopAll();

    expect(readFileSync(join(dovecot.dir, 'dovecot.log'), 'utf8')).toMatch(
      /imap-login: Info: Login: user=<reports@example\.test>, method=XOAUTH2/,
    );

    // No token in the database or its write-ahead log, whichever was issued.
    const stored = [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path));
    expect(stored.length).toBeGreaterThan(0);
    expect(auth.issuedTokens.length).toBeGreaterThanOrEqual(8);
    for (const token of auth.issuedTokens) {
      for (const bytes of stored) expect(bytes.includes(token)).toBe(false);
    }
    db.close();
  }, 120_000);

  it('sign in once from the command line, sync with the stored refresh token, and exit 2 when it is revoked', async () => {
    const dir = tempDir();
    const db = join(dir, 'cli.sqlite');
    const tokenFile = join(dir, 'tokens', 'reports.json');
    await appendReport('Cli', 'cli-1');
    const base = [
      'sync',
      '--db',
      db,
      '--auth',
      'oauth2',
      '--provider',
      auth.issuer,
      '--client-id',
      auth.clientId,
      '--host',
      dovecot.host,
      '--port',
      String(dovecot.tlsPort),
      '--ca',
      dovecot.caFile,
      '--user',
      auth.user,
      '--mailbox',
      'Cli',
      '--once',
      '--json',
    ];
    const outputs: string[] = [];

    // First run: no token yet, so it prints the URL, waits for the browser, stores the token and syncs.
    const first = await runCliSigningIn([...base, '--refresh-token-file', tokenFile, '--no-browser']);
    outputs.push(first.stdout, first.stderr);
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(
      /^To sign in to reports@example\.test, open this address in a browser:\n\n {2}http:\/\/127/,
    );
    expect(first.stderr).toContain(`signed in as ${auth.user}; the refresh token is kept in ${tokenFile}`);
    expect(parseJsonOutput<SyncResult>(first)).toMatchObject({ mailbox: 'Cli', reportsImported: 1 });
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);

    // Later runs: the stored token, refreshed (and rotated: the file keeps the newest), no browser.
    await sleep(ACCESS_TOKEN_SECONDS * 1000 + 500);
    await appendReport('Cli', 'cli-2');
    const storedBefore = readFileSync(tokenFile, 'utf8');
    const second = await runCliAsync([...base, '--refresh-token-file', tokenFile]);
    outputs.push(second.stdout, second.stderr);
    expect(second.stderr).toBe('');
    expect(parseJsonOutput<SyncResult>(second)).toMatchObject({ reportsImported: 1, messagesSeen: 1 });
    expect(readFileSync(tokenFile, 'utf8')).not.toBe(storedBefore);

    // A mailbox saved in the app, by name: its settings, and the command line's own token.
    await appendReport('Cli', 'cli-4');
    const saving = openDatabase(db);
    const { handlers: saver } = createApiHandlers({
      db: saving,
      databasePath: db,
      transport: 'http',
      allowPaths: false,
    });
    expect((await dispatch(saver, 'saveMailbox', { account: account({ name: 'Saved', mailbox: 'Cli' }) })).ok).toBe(
      true,
    );
    saving.close();
    const byName = await runCliAsync([
      'sync',
      '--db',
      db,
      '--account',
      'Saved',
      '--refresh-token-file',
      tokenFile,
      '--once',
      '--json',
    ]);
    outputs.push(byName.stdout, byName.stderr);
    expect(parseJsonOutput<SyncResult>(byName)).toMatchObject({ mailbox: 'Cli', reportsImported: 1 });

    // Unattended: the refresh token from the environment. This provider rotates refresh tokens and takes each
    // only once, so the copy in the file is spent after this run (and the command says the new one is not kept).
    await appendReport('Cli', 'cli-3');
    const stored = JSON.parse(readFileSync(tokenFile, 'utf8')) as { refreshToken: string };
    const fromEnv = await runCliAsync([...base, '--refresh-token-env', 'TLSRPT_TEST_RT'], {
      TLSRPT_TEST_RT: stored.refreshToken,
    });
    outputs.push(fromEnv.stdout, fromEnv.stderr);
    expect(parseJsonOutput<SyncResult>(fromEnv)).toMatchObject({ reportsImported: 1 });
    expect(fromEnv.stderr).toContain('the provider issued a new refresh token; TLSRPT_TEST_RT cannot be updated');

    // Revoked: exit 2 and "sign in again", at once.
    await auth.revokeAll();
    const started = Date.now();
    const revoked = await runCliAsync([...base, '--refresh-token-file', tokenFile]);
    outputs.push(revoked.stdout, revoked.stderr);
    expect(revoked.status).toBe(2);
    expect(revoked.stderr).toMatch(
      /^tlsrpt sync: reports@example\.test at 127\.0\.0\.1: the sign-in has ended: the provider refused the refresh token \(invalid_grant/,
    );
    expect(revoked.stderr).toContain('run the same command with --sign-in');
    expect(Date.now() - started).toBeLessThan(15_000);

    // Watching (no --once) stops too, with status 2, instead of retrying.
    const watching = await runCliAsync(
      base.filter((arg) => arg !== '--once').concat(['--refresh-token-file', tokenFile]),
    );
    outputs.push(watching.stdout, watching.stderr);
    expect(watching.status).toBe(2);
    expect(watching.stderr).toMatch(/the sign-in has ended.*; stopped\n$/);

    const files = [db, `${db}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path));
    for (const token of auth.issuedTokens) {
      for (const text of outputs) expect(text).not.toContain(token);
      for (const bytes of files) expect(bytes.includes(token)).toBe(false);
    }
  }, 120_000);
});

describe('OAUTHBEARER', () => {
  it('is used where the server offers it (RFC 7628), with the same tokens', async () => {
    const both = await createDovecot({ oauth2IntrospectionUrl: auth.introspectionUrl });
    await both.start();
    try {
      const settings = account().oauth;
      if (!settings) throw new Error('no settings');
      const pending = await beginSignIn(settings, { loginHint: auth.user });
      await signInWithHttpClient(pending.url, { user: auth.user, password: auth.password });
      const grant = await pending.result;
      const tokens = new OAuthTokenSource(settings, { refreshToken: grant.refreshToken, signedInAs: null }, () =>
        Promise.resolve(),
      );
      tokens.adopt(grant);
      const server = { ...account(), port: both.tlsPort, caFile: both.caFile };
      const client = await connectImapOAuth(server, tokens);
      try {
        expect(client.authenticated).toBe(true);
      } finally {
        await client.logout();
      }
      expect(readFileSync(join(both.dir, 'dovecot.log'), 'utf8')).toMatch(
        /imap-login: Info: Login: user=<reports@example\.test>, method=OAUTHBEARER/,
      );
    } finally {
      await both.stop();
      removeDovecot(both);
    }
  });
});

/** Runs `tlsrpt sync`, and when it prints the sign-in URL, does the browser's part with an HTTP client. */
function runCliSigningIn(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, TLSRPT_DB: '' } });
    let stdout = '';
    let stderr = '';
    let signingIn = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /open this address in a browser:\n\n {2}(\S+)\n/.exec(stderr)?.[1];
      if (url !== undefined && !signingIn) {
        signingIn = true;
        signInWithHttpClient(url, { user: auth.user, password: auth.password }).catch(reject);
      }
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
