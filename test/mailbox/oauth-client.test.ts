import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthSettings } from '../../shared/mailbox/oauth.js';
import {
  OAuthSignInRequiredError,
  OAuthTokenSource,
  beginSignIn,
  parseOAuthSecret,
  serializeOAuthSecret,
} from '../../electron/backend/mailbox/oauth-client.js';
import { runCliAsync } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { createOAuthServer, signInWithHttpClient, type OAuthServer } from '../helpers/oauth-server.js';

/* The sign-in's checks (RFC 8252, RFC 6749 §10.12) against a real authorization server on loopback. */
let auth: OAuthServer;
const tempDir = useTempDir();

beforeAll(async () => {
  auth = await createOAuthServer();
});

afterAll(async () => {
  await auth.stop();
});

function settings(overrides: Partial<OAuthSettings> = {}): OAuthSettings {
  return {
    provider: 'issuer',
    issuer: auth.issuer,
    clientId: auth.clientId,
    clientSecret: null,
    tenant: null,
    scope: null,
    ...overrides,
  };
}

describe('the loopback sign-in', () => {
  it('refuses an answer that does not carry the state it sent, and goes on waiting for its own', async () => {
    const pending = await beginSignIn(settings());
    const redirect = new URL(pending.url).searchParams.get('redirect_uri') ?? '';
    const forged = await fetch(`${redirect}?code=stolen-code&state=not-ours&iss=${encodeURIComponent(auth.issuer)}`);
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-security-policy')).toBe("default-src 'none'");
    // Still waiting (see test/hostile/oauth-listener.test.ts for the sign-in finished after it).
    const answer = await fetch(redirect);
    expect(answer.status).toBe(400);
    pending.cancel();
    await expect(pending.result).rejects.toThrow('the sign-in was cancelled');
    await expect(fetch(redirect)).rejects.toThrow();
  });

  it('says when the provider refused, and answers only its own path', async () => {
    const pending = await beginSignIn(settings());
    const url = new URL(pending.url);
    const redirect = url.searchParams.get('redirect_uri') ?? '';
    expect((await fetch(`${redirect}favicon.ico`)).status).toBe(404);
    const state = url.searchParams.get('state') ?? '';
    const denied = await fetch(
      `${redirect}?error=access_denied&error_description=${encodeURIComponent('the user said no')}&state=${state}&iss=${encodeURIComponent(auth.issuer)}`,
    );
    expect(denied.status).toBe(400);
    await expect(pending.result).rejects.toThrow(
      'sign-in failed: the provider said no: access_denied (the user said no)',
    );
  });

  it('gives up after its time, and frees the port', async () => {
    const pending = await beginSignIn(settings(), { timeoutMs: 300 });
    const redirect = new URL(pending.url).searchParams.get('redirect_uri') ?? '';
    await expect(pending.result).rejects.toThrow(/^the sign-in was not finished within \d+ minutes; sign in again$/);
    await expect(fetch(redirect)).rejects.toThrow();
  });

  it('reads no more than 1 MiB of what claims to be a provider', async () => {
    const huge = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"issuer":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    });
    await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve));
    const port = (huge.address() as AddressInfo).port;
    try {
      await expect(beginSignIn(settings({ issuer: `http://127.0.0.1:${port}` }))).rejects.toThrow(
        `cannot read the OpenID configuration of http://127.0.0.1:${port}/: 127.0.0.1:${port} answered with more than 1024 KiB`,
      );
    } finally {
      huge.closeAllConnections();
      huge.close();
    }
  });

  it('refuses an issuer over plain http that is not on this machine', async () => {
    await expect(beginSignIn(settings({ issuer: 'http://login.example.com' }))).rejects.toThrow(
      'the issuer http://login.example.com must be an https:// URL (http only on this machine)',
    );
  });

  it('asks Microsoft and Google for IMAP, offline access and PKCE, without a network round trip', async () => {
    const microsoft = await beginSignIn(settings({ provider: 'microsoft', tenant: 'example.com', issuer: null }), {
      loginHint: 'tlsrpt@example.com',
    });
    const ms = new URL(microsoft.url);
    expect(ms.origin + ms.pathname).toBe('https://login.microsoftonline.com/example.com/oauth2/v2.0/authorize');
    expect(ms.searchParams.get('scope')).toBe('https://outlook.office.com/IMAP.AccessAsUser.All offline_access');
    expect(ms.searchParams.get('code_challenge_method')).toBe('S256');
    expect(ms.searchParams.get('login_hint')).toBe('tlsrpt@example.com');
    expect(ms.searchParams.has('nonce')).toBe(false);
    microsoft.cancel();
    await expect(microsoft.result).rejects.toThrow('the sign-in was cancelled');

    const google = await beginSignIn(settings({ provider: 'google', issuer: null, clientSecret: 'GOCSPX-x' }));
    const g = new URL(google.url);
    expect(g.origin + g.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(g.searchParams.get('scope')).toBe('https://mail.google.com/');
    expect(g.searchParams.get('access_type')).toBe('offline');
    expect(g.searchParams.get('prompt')).toBe('consent');
    // The secret Google issues to desktop apps goes to the token endpoint only, never into the browser.
    expect(google.url).not.toContain('GOCSPX');
    google.cancel();
    await expect(google.result).rejects.toThrow('the sign-in was cancelled');
  });
});

describe('the token source', () => {
  it('refreshes, hands over a rotated refresh token, and says "sign in again" once it is revoked', async () => {
    const pending = await beginSignIn(settings());
    await signInWithHttpClient(pending.url, { user: auth.user, password: auth.password });
    const grant = await pending.result;
    expect(grant.signedInAs).toBe(auth.user);
    const rotated: string[] = [];
    const tokens = new OAuthTokenSource(
      settings(),
      { refreshToken: grant.refreshToken, signedInAs: null },
      (secret) => {
        rotated.push(secret.refreshToken);
        return Promise.resolve();
      },
    );
    const first = await tokens.token();
    expect(first).not.toBe(grant.accessToken);
    // oidc-provider rotates the refresh tokens of public clients (OAuth 2.0 Security BCP §4.14.2).
    expect(rotated).toHaveLength(1);
    expect(rotated[0]).not.toBe(grant.refreshToken);
    expect(await tokens.token()).toBe(first);
    const forced = await tokens.token(true);
    expect(forced).not.toBe(first);
    expect(rotated).toHaveLength(2);

    await auth.revokeAll();
    const refused = tokens.token(true);
    await expect(refused).rejects.toBeInstanceOf(OAuthSignInRequiredError);
    await expect(refused).rejects.toThrow(
      /^the sign-in has ended: the provider refused the refresh token \(invalid_grant/,
    );
    for (const token of [grant.refreshToken, first, ...rotated]) {
      await expect(refused).rejects.not.toThrow(token);
    }
  });

  it('reads its stored form back, and a bare token as the refresh token itself', () => {
    const secret = { refreshToken: 'rt-1', signedInAs: 'a@example.com' };
    expect(parseOAuthSecret(serializeOAuthSecret(secret))).toEqual(secret);
    expect(parseOAuthSecret('  rt-2\n')).toEqual({ refreshToken: 'rt-2', signedInAs: null });
    expect(() => parseOAuthSecret('{"v":1}')).toThrow('the stored sign-in has no refresh token; sign in again');
    expect(() => parseOAuthSecret('{broken')).toThrow('the stored sign-in cannot be read (not JSON); sign in again');
  });
});

describe('tlsrpt sync --auth oauth2', () => {
  it('names what is missing or misplaced, with status 2', async () => {
    const dir = tempDir();
    const db = join(dir, 'u.sqlite');
    const cases: [string[], string][] = [
      [
        ['--auth', 'oauth2', '--user', 'a@example.com'],
        '--auth oauth2 needs --provider microsoft, google or an issuer URL',
      ],
      [
        ['--auth', 'oauth2', '--provider', 'google', '--user', 'a@example.com'],
        '--auth oauth2 needs --client-id (see README: registering the app)',
      ],
      [
        ['--auth', 'oauth2', '--provider', 'yahoo', '--client-id', 'x', '--user', 'a@example.com'],
        '--provider takes microsoft, google or an issuer URL (https://…), got "yahoo"',
      ],
      [
        ['--auth', 'oauth2', '--provider', 'google', '--client-id', 'x', '--tenant', 't', '--user', 'a@example.com'],
        '--tenant is for --provider microsoft',
      ],
      [
        ['--host', 'imap.example.com', '--user', 'a@example.com', '--client-id', 'x', '--password-env', 'P'],
        '--client-id only with --auth oauth2',
      ],
      [
        ['--host', 'imap.example.com', '--user', 'a@example.com', '--refresh-token-env', 'X', '--password-env', 'P'],
        '--refresh-token-env only with --auth oauth2',
      ],
      [
        [
          '--auth',
          'oauth2',
          '--provider',
          'google',
          '--client-id',
          'x',
          '--user',
          'a@example.com',
          '--password-env',
          'P',
        ],
        '--auth oauth2 signs in; it takes no --password-env or --password-file',
      ],
      [
        [
          '--auth',
          'oauth2',
          '--provider',
          'google',
          '--client-id',
          'x',
          '--user',
          'a@example.com',
          '--refresh-token-env',
          'UNSET_RT',
        ],
        'the environment variable UNSET_RT is not set',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCliAsync(['sync', '--db', db, ...args, '--once'], { P: 'p' });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
  });
});
