import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxAccount, MailboxStatus } from '../../shared/mailbox/account.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { reportEmail } from '../helpers/email.js';
import { useTempDir } from '../helpers/files.js';
import { createOAuthServer, signInWithHttpClient, type OAuthServer } from '../helpers/oauth-server.js';
import { reportJson } from '../helpers/reports.js';

/*
 * OAuth2 sign-in (RFC 8252) against a real authorization server (panva's
 * oidc-provider on loopback) and a real Dovecot whose oauth2 passdb checks
 * each token by introspection at that server. Access tokens live a few
 * seconds, so the tests see them expire.
 */
const tempDir = useTempDir();
const ACCESS_TOKEN_SECONDS = 5;
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

    const landed = await signInWithHttpClient(started.authorizationUrl, { user: auth.user, password: auth.password });
    expect(landed.url.startsWith(url.searchParams.get('redirect_uri') ?? 'none')).toBe(true);
    expect(landed.text).toContain('Signed in');
    const signedIn = await until(status, (s) => s.oauth?.signedIn === true);
    expect(signedIn).toMatchObject({ hasSecret: true, oauth: { signedInAs: auth.user, pendingUrl: null } });
    const expiresAt = signedIn.oauth?.accessTokenExpiresAt ?? 0;
    expect(Math.abs(expiresAt - (Date.now() / 1000 + ACCESS_TOKEN_SECONDS))).toBeLessThan(3);

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

    const out = await call('signOutMailbox', { name: 'Signed in' });
    expect(out).toMatchObject({ state: 'stopped', hasSecret: false, oauth: { signedIn: false, signedInAs: null } });
    await mailboxes.stopAll();

    // No token in the database or its write-ahead log, whichever was issued.
    const stored = [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path));
    expect(stored.length).toBeGreaterThan(0);
    expect(auth.issuedTokens.length).toBeGreaterThanOrEqual(8);
    for (const token of auth.issuedTokens) {
      for (const bytes of stored) expect(bytes.includes(token)).toBe(false);
    }
    db.close();
  }, 120_000);
});
