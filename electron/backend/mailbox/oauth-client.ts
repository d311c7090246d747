import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ImapFlow } from 'imapflow';
import * as oauth from 'oauth4webapi';
import { isLoopbackHost } from '../../../shared/mailbox/account.js';
import { oauthScope, type OAuthSettings } from '../../../shared/mailbox/oauth.js';
import { ImapConnectionError, connectImap, type ImapServer } from './imap-connection.js';

// OAuth 2.0 for native apps (RFC 8252) with panva's certified oauth4webapi:
// authorization code with PKCE (RFC 7636) through the system browser, the
// answer caught on a loopback redirect at 127.0.0.1 on a port the system
// picks (§7.3), `state` checked (RFC 6749 §10.12); then access tokens
// refreshed with the refresh token.
//
// No token is ever written to a log or put in an error message: errors name
// the provider's error code and description, which carry no token.

/** The sign-in could not be done or finished; the message says why. */
export class OAuthError extends Error {
  override name = 'OAuthError';
}

/** The provider refused the refresh token (revoked, expired, consent withdrawn): only a new sign-in helps. */
export class OAuthSignInRequiredError extends OAuthError {
  override name = 'OAuthSignInRequiredError';
}

/** What a mailbox keeps sealed (the OS keychain, memory, or a 0600 file on the command line). */
export interface StoredOAuthSecret {
  refreshToken: string;
  signedInAs: string | null;
}

export function serializeOAuthSecret(secret: StoredOAuthSecret): string {
  return JSON.stringify({ v: 1, refreshToken: secret.refreshToken, signedInAs: secret.signedInAs });
}

/**
 * Reads a stored secret; a bare token (from an environment variable, say) is
 * taken as the refresh token itself.
 */
export function parseOAuthSecret(text: string): StoredOAuthSecret {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    if (trimmed === '') throw new OAuthSignInRequiredError('no refresh token is stored; sign in');
    return { refreshToken: trimmed, signedInAs: null };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new OAuthSignInRequiredError('the stored sign-in cannot be read (not JSON); sign in again');
  }
  const value = parsed as { refreshToken?: unknown; signedInAs?: unknown };
  if (typeof value.refreshToken !== 'string' || value.refreshToken === '') {
    throw new OAuthSignInRequiredError('the stored sign-in has no refresh token; sign in again');
  }
  return {
    refreshToken: value.refreshToken,
    signedInAs: typeof value.signedInAs === 'string' ? value.signedInAs : null,
  };
}

/** Every call to the provider ends within this; a provider that hangs must not hold a sync forever. */
const PROVIDER_TIMEOUT_MS = 30_000;
/** How long the loopback listener waits for the browser before giving up. */
const SIGN_IN_TIMEOUT_MS = 10 * 60_000;

/*
 * oauth4webapi marks its http switch deprecated only to make it stand out.
 * It is set for an issuer on this machine alone (a test provider, a local
 * identity server), never for one across the network.
 */
// eslint-disable-next-line @typescript-eslint/no-deprecated
const ALLOW_HTTP = oauth.allowInsecureRequests;

/**
 * A provider's answers are a few KiB (Google's and Entra ID's OpenID
 * configurations are 2–5 KiB, token answers under 10 KiB): more than this is
 * not a provider, and is not read into memory.
 */
const MAX_PROVIDER_ANSWER_BYTES = 1024 * 1024;

async function boundedFetch(url: string, options: RequestInit): Promise<Response> {
  const response = await fetch(url, options);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_PROVIDER_ANSWER_BYTES) {
        await reader.cancel();
        throw new OAuthError(`${new URL(url).host} answered with more than ${MAX_PROVIDER_ANSWER_BYTES / 1024} KiB`);
      }
      chunks.push(value);
    }
  }
  return new Response(response.body === null ? null : Buffer.concat(chunks), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function requestOptions(as: { issuer: string }): {
  signal: AbortSignal;
  [ALLOW_HTTP]: boolean;
  [oauth.customFetch]: typeof boundedFetch;
} {
  const issuer = new URL(as.issuer);
  const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  return {
    signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    [ALLOW_HTTP]: insecure,
    [oauth.customFetch]: boundedFetch,
  };
}

const discovered = new Map<string, oauth.AuthorizationServer>();

/**
 * Microsoft and Google are described here, not discovered: Entra ID's
 * `organizations` metadata names a templated issuer (`{tenantid}`) that no
 * strict client accepts, and neither endpoint set has changed in years.
 */
async function authorizationServer(settings: OAuthSettings): Promise<oauth.AuthorizationServer> {
  if (settings.provider === 'microsoft') {
    const tenant = encodeURIComponent(settings.tenant ?? 'organizations');
    const base = `https://login.microsoftonline.com/${tenant}`;
    return {
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
    };
  }
  if (settings.provider === 'google') {
    return {
      issuer: 'https://accounts.google.com',
      authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      token_endpoint: 'https://oauth2.googleapis.com/token',
      revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
    };
  }
  if (settings.issuer === null) throw new OAuthError('a generic provider needs its issuer URL');
  const issuer = new URL(settings.issuer);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname))) {
    throw new OAuthError(`the issuer ${settings.issuer} must be an https:// URL (http only on this machine)`);
  }
  const known = discovered.get(issuer.href);
  if (known) return known;
  let as: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(issuer, {
      algorithm: 'oidc',
      ...requestOptions({ issuer: issuer.href }),
    });
    as = await oauth.processDiscoveryResponse(issuer, response);
  } catch (error) {
    throw new OAuthError(`cannot read the OpenID configuration of ${issuer.href}: ${describeOAuthFailure(error)}`);
  }
  if (as.authorization_endpoint === undefined || as.token_endpoint === undefined) {
    throw new OAuthError(`${issuer.href} names no authorization or token endpoint in its OpenID configuration`);
  }
  discovered.set(issuer.href, as);
  return as;
}

function clientOf(settings: OAuthSettings): { client: oauth.Client; auth: oauth.ClientAuth } {
  return {
    client: { client_id: settings.clientId },
    auth: settings.clientSecret === null ? oauth.None() : oauth.ClientSecretPost(settings.clientSecret),
  };
}

/** One line for a failed exchange with the provider; oauth4webapi's errors carry codes, never our tokens. */
export function describeOAuthFailure(error: unknown): string {
  if (error instanceof OAuthError) return error.message;
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError) {
    return `${error.error}${error.error_description ? ` (${error.error_description})` : ''}`;
  }
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${PROVIDER_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return 'host not found';
  return error instanceof Error ? error.message : String(error);
}

export interface TokenGrant {
  refreshToken: string | null;
  accessToken: string;
  /** Epoch milliseconds; null when the provider did not say. */
  expiresAt: number | null;
  signedInAs: string | null;
}

function grantOf(response: oauth.TokenEndpointResponse, previousRefreshToken: string | null): TokenGrant {
  const claims = oauth.getValidatedIdTokenClaims(response);
  const named = claims?.['email'] ?? claims?.['preferred_username'];
  return {
    // A provider that does not rotate refresh tokens sends none with a refresh (RFC 6749 §6).
    refreshToken: response.refresh_token ?? previousRefreshToken,
    accessToken: response.access_token,
    expiresAt: typeof response.expires_in === 'number' ? Date.now() + response.expires_in * 1000 : null,
    signedInAs: typeof named === 'string' ? named : null,
  };
}

export interface PendingSignIn {
  /** The address to open in the system browser. */
  url: string;
  /** Settles when the browser came back (or the wait ended). */
  result: Promise<TokenGrant & { refreshToken: string }>;
  cancel(): void;
}

function answerPage(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'",
    'cache-control': 'no-store',
  });
  const escape = (value: string): string =>
    value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
  res.end(
    `<!doctype html><html><head><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`,
  );
}

/**
 * Starts a sign-in: a loopback listener on 127.0.0.1 and a random port, and
 * the authorization URL (PKCE S256, a fresh `state`) for the browser. The
 * listener answers one redirect and closes.
 */
export async function beginSignIn(
  settings: OAuthSettings,
  options: { loginHint?: string; timeoutMs?: number } = {},
): Promise<PendingSignIn> {
  const as = await authorizationServer(settings);
  const { client, auth } = clientOf(settings);
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const scope = oauthScope(settings);
  const wantsIdToken = scope.split(' ').includes('openid');
  const nonce = wantsIdToken ? oauth.generateRandomNonce() : null;

  const listener = createServer();
  // RFC 8252 §8.3: the loopback IP literal, not "localhost", which may resolve elsewhere or to IPv6 only.
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', resolve);
  });
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new OAuthError('no loopback port for the sign-in');
  const redirectUri = `http://127.0.0.1:${address.port}/`;

  const url = new URL(as.authorization_endpoint ?? '');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', scope);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (nonce !== null) url.searchParams.set('nonce', nonce);
  if (options.loginHint !== undefined) url.searchParams.set('login_hint', options.loginHint);
  if (settings.provider === 'google') {
    // Google sends a refresh token only for offline access, and again only when consent is asked again.
    url.searchParams.set('access_type', 'offline');
    url.searchParams.set('prompt', 'consent');
  } else if (settings.provider === 'issuer') {
    // OpenID Connect Core §11: offline_access is granted only with prompt=consent.
    url.searchParams.set('prompt', 'consent');
  }

  let settle: { resolve: (grant: TokenGrant & { refreshToken: string }) => void; reject: (error: Error) => void };
  const result = new Promise<TokenGrant & { refreshToken: string }>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A forged or refused answer may come before the caller awaits: that must not count as an unhandled rejection.
  result.catch(() => undefined);
  let finished = false;
  const finish = (error: Error | null, grant?: TokenGrant & { refreshToken: string }): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    listener.close();
    listener.closeAllConnections();
    if (error) settle.reject(error);
    else if (grant) settle.resolve(grant);
  };
  const timeoutMs = options.timeoutMs ?? SIGN_IN_TIMEOUT_MS;
  const timer = setTimeout(() => {
    finish(
      new OAuthError(`the sign-in was not finished within ${Math.round(timeoutMs / 60_000)} minutes; sign in again`),
    );
  }, timeoutMs);

  listener.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const callback = new URL(req.url ?? '/', redirectUri);
    if (req.method !== 'GET' || callback.pathname !== '/' || finished) {
      answerPage(res, 404, 'Not found', 'This address only receives the answer of a sign-in.');
      return;
    }
    // Only the browser we sent to the provider has the state. Anything else (a page that found the port and
    // loads it as an <img>, a guess) is answered and ignored: it used to cancel the sign-in under way.
    if (!sameSecret(callback.searchParams.get('state') ?? '', state)) {
      answerPage(res, 400, 'Not this sign-in', 'This is not the answer to the sign-in tlsrpt-viewer is waiting for.');
      return;
    }
    void (async () => {
      try {
        const parameters = oauth.validateAuthResponse(as, client, callback.searchParams, state);
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          parameters,
          redirectUri,
          codeVerifier,
          requestOptions(as),
        );
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: nonce ?? oauth.expectNoNonce,
          requireIdToken: false,
        });
        const grant = grantOf(tokens, null);
        if (grant.refreshToken === null) {
          throw new OAuthError(
            'the provider sent no refresh token, so the mailbox could not be synced for longer than an hour; ' +
              'check that the app may ask for offline access (offline_access)',
          );
        }
        answerPage(res, 200, 'Signed in', 'You can close this window and go back to tlsrpt-viewer.');
        finish(null, { ...grant, refreshToken: grant.refreshToken });
      } catch (error) {
        const reason =
          error instanceof OAuthError
            ? error.message
            : error instanceof oauth.AuthorizationResponseError
              ? `the provider said no: ${describeOAuthFailure(error)}`
              : error instanceof oauth.OperationProcessingError && error.code === oauth.INVALID_RESPONSE
                ? // A redirect without our state is someone else's (RFC 6749 §10.12): drop this sign-in.
                  `the answer to the sign-in is not the one this app asked for (${error.message})`
                : `the provider refused the sign-in: ${describeOAuthFailure(error)}`;
        answerPage(res, 400, 'Sign-in failed', `${reason}. Go back to tlsrpt-viewer and sign in again.`);
        finish(new OAuthError(`sign-in failed: ${reason}`));
      }
    })();
  });

  return { url: url.href, result, cancel: () => finish(new OAuthError('the sign-in was cancelled')) };
}

/**
 * The access token of one signed-in mailbox, kept in memory only and
 * refreshed shortly before it expires, or at once after the IMAP server
 * refused it. A rotated refresh token is handed to `onRotated` to be sealed.
 */
export class OAuthTokenSource {
  private accessToken: string | null = null;
  private expiresAtMs: number | null = null;
  private lifetimeMs: number | null = null;
  private refreshing: Promise<string> | null = null;

  constructor(
    private readonly settings: OAuthSettings,
    private secret: StoredOAuthSecret,
    private readonly onRotated: (secret: StoredOAuthSecret) => Promise<void>,
  ) {}

  /** Takes the tokens of a sign-in that just finished, so the first sync needs no refresh. */
  adopt(grant: TokenGrant): void {
    this.accessToken = grant.accessToken;
    this.expiresAtMs = grant.expiresAt;
    this.lifetimeMs = grant.expiresAt === null ? null : grant.expiresAt - Date.now();
  }

  get signedInAs(): string | null {
    return this.secret.signedInAs;
  }

  /** Epoch seconds, or null before the first token. */
  get expiresAt(): number | null {
    return this.expiresAtMs === null ? null : Math.floor(this.expiresAtMs / 1000);
  }

  /**
   * A usable access token. Refreshed when a fifth of its life (at most 5
   * minutes: Microsoft and Google issue 60–90 minute tokens) is left, so that
   * it does not expire between the check and the server's introspection.
   */
  async token(forceRefresh = false): Promise<string> {
    if (!forceRefresh && this.accessToken !== null) {
      if (this.expiresAtMs === null || this.lifetimeMs === null) return this.accessToken;
      const margin = Math.min(5 * 60_000, this.lifetimeMs / 5);
      if (this.expiresAtMs - Date.now() > margin) return this.accessToken;
    }
    // One refresh at a time: a rotated refresh token is good for one use only.
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<string> {
    const as = await authorizationServer(this.settings);
    const { client, auth } = clientOf(this.settings);
    let tokens: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.refreshTokenGrantRequest(
        as,
        client,
        auth,
        this.secret.refreshToken,
        requestOptions(as),
      );
      tokens = await oauth.processRefreshTokenResponse(as, client, response);
    } catch (error) {
      this.accessToken = null;
      // RFC 6749 §5.2: invalid_grant is a refresh token that is revoked, expired or not ours any more.
      if (error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant') {
        throw new OAuthSignInRequiredError(
          `the sign-in has ended: the provider refused the refresh token (${describeOAuthFailure(error)}); sign in again`,
        );
      }
      throw new OAuthError(`cannot refresh the access token: ${describeOAuthFailure(error)}`);
    }
    const grant = grantOf(tokens, this.secret.refreshToken);
    this.adopt(grant);
    if (grant.refreshToken !== null && grant.refreshToken !== this.secret.refreshToken) {
      this.secret = { refreshToken: grant.refreshToken, signedInAs: grant.signedInAs ?? this.secret.signedInAs };
      await this.onRotated(this.secret);
    }
    return grant.accessToken;
  }

  /** Tells the provider the refresh token is no longer wanted (RFC 7009), where it offers revocation. */
  async revoke(): Promise<void> {
    const as = await authorizationServer(this.settings);
    this.accessToken = null;
    if (as.revocation_endpoint === undefined) return;
    const { client, auth } = clientOf(this.settings);
    const response = await oauth.revocationRequest(as, client, auth, this.secret.refreshToken, requestOptions(as));
    await oauth.processRevocationResponse(response);
  }
}

async function accessTokenFor(server: ImapServer, tokens: OAuthTokenSource, force: boolean): Promise<string> {
  try {
    return await tokens.token(force);
  } catch (error) {
    if (error instanceof OAuthSignInRequiredError) {
      throw new ImapConnectionError(`${server.user} at ${server.host}: ${error.message}`, {
        authenticationFailed: true,
        signInRequired: true,
      });
    }
    // The provider unreachable or failing: like a network error, worth trying again later.
    if (error instanceof OAuthError) throw new ImapConnectionError(`${server.user}: ${error.message}`);
    throw error;
  }
}

/** Compares a secret without telling, by the time taken, how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Connects with the access token in hand (refreshed first when it is about
 * to expire); when the server refuses it — revoked early, or expired by a
 * clock that differs from ours — refreshes once and tries again.
 */

export async function connectImapOAuth(server: ImapServer, tokens: OAuthTokenSource): Promise<ImapFlow> {
  const token = await accessTokenFor(server, tokens, false);
  try {
    return await connectImap(server, token);
  } catch (error) {
    if (!(error instanceof ImapConnectionError) || !error.authenticationFailed) throw error;
  }
  const fresh = await accessTokenFor(server, tokens, true);
  try {
    return await connectImap(server, fresh);
  } catch (error) {
    if (!(error instanceof ImapConnectionError) || !error.authenticationFailed) throw error;
    throw new ImapConnectionError(
      `${error.message}, even a freshly refreshed one: check that ${server.user} is the account that signed in and that IMAP is enabled for it`,
      { authenticationFailed: true },
    );
  }
}
