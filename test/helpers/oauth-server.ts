import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request } from '@playwright/test';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * A real OAuth 2.0 / OpenID Connect authorization server for tests: panva's
 * oidc-provider on loopback, with one native (public, PKCE) client for the
 * app, one confidential client for Dovecot's token introspection, and one
 * user who signs in with a password on a plain HTML form — so a browser
 * (Playwright) or an HTTP client can go through the same pages.
 */
export interface OAuthServer {
  issuer: string;
  port: number;
  /** The app's client: public, native, loopback redirects on any port (RFC 8252 §7.3). */
  clientId: string;
  /** A confidential client of the app (as Google issues desktop clients): its secret is sent with client_secret_post. */
  confidentialClientId: string;
  confidentialClientSecret: string;
  /** Dovecot's client for the introspection endpoint (RFC 7662). */
  introspectionClientId: string;
  introspectionClientSecret: string;
  introspectionUrl: string;
  user: string;
  password: string;
  accessTokenSeconds: number;
  /** Ends every grant of the user: its refresh and access tokens stop working, as when an admin revokes consent. */
  revokeAll(): Promise<void>;
  /** Ends the access tokens only (the refresh tokens still work), as after a password change at some providers. */
  revokeAccessTokens(): Promise<void>;
  /** Requests the server answered, by path, to tell a refresh from a reuse. */
  requests: string[];
  /** Every access and refresh token issued so far (opaque tokens are their own ids), to look for leaks. */
  issuedTokens: string[];
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function page(res: ServerResponse, html: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><title>Test sign-in</title></head><body>${html}</body></html>`);
}

export async function createOAuthServer(options: { accessTokenSeconds?: number } = {}): Promise<OAuthServer> {
  const accessTokenSeconds = options.accessTokenSeconds ?? 60;
  const user = 'reports@example.test';
  const password = 'a test password for the authorization server';
  const clientId = 'tlsrpt-viewer-test';
  const confidentialClientId = 'tlsrpt-viewer-confidential';
  const confidentialClientSecret = randomBytes(24).toString('hex');
  const introspectionClientId = 'dovecot';
  const introspectionClientSecret = randomBytes(24).toString('hex');
  // RS256, the ID-token algorithm clients get when they name none (OpenID Connect Registration §2).
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'test' };
  const requests: string[] = [];

  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const port = address.port;
  const issuer = `http://127.0.0.1:${port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/'],
      },
      {
        client_id: confidentialClientId,
        client_secret: confidentialClientSecret,
        application_type: 'native',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/'],
      },
      {
        client_id: introspectionClientId,
        client_secret: introspectionClientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    scopes: ['openid', 'email', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // Real providers put the e-mail address in the ID token; the app shows it as the signed-in account.
    conformIdTokenClaims: false,
    ttl: {
      AccessToken: accessTokenSeconds,
      IdToken: 3600,
      RefreshToken: 14 * 86400,
      Grant: 14 * 86400,
      Session: 86400,
      Interaction: 600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><h1>Error</h1><pre>${JSON.stringify(out).replace(/</g, '&lt;')}</pre>`;
      return Promise.resolve();
    },
    features: {
      devInteractions: { enabled: false },
      // The app revokes its own refresh token on sign-out.
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => Promise.resolve(token.clientId === client.clientId),
      },
      introspection: {
        enabled: true,
        // Only Dovecot (a confidential client) may look into tokens it did not get itself.
        allowedPolicy: (_ctx, client) => Promise.resolve(client.clientId === introspectionClientId),
      },
    },
    // Dovecot reads the user name from the introspection answer (username_attribute = email).
    extraTokenClaims: (_ctx, token) =>
      Promise.resolve(token.kind === 'AccessToken' && token.accountId ? { email: token.accountId } : undefined),
    findAccount: (_ctx, id) =>
      Promise.resolve(
        id === user
          ? { accountId: id, claims: () => Promise.resolve({ sub: id, email: id, email_verified: true }) }
          : undefined,
      ),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (_ctx, error) => {
    console.error('oidc-provider:', error);
  });
  const callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const uid = details.uid;
    if (req.method === 'GET') {
      if (details.prompt.name === 'login') {
        page(
          res,
          `<h1>Sign in</h1><form method="post" action="/interaction/${uid}/login">` +
            `<label>E-mail <input name="login" type="email"></label>` +
            `<label>Password <input name="password" type="password"></label>` +
            `<button type="submit">Sign in</button></form>`,
        );
      } else {
        page(
          res,
          `<h1>Allow tlsrpt-viewer to read your mail?</h1><form method="post" action="/interaction/${uid}/confirm">` +
            `<button type="submit">Allow</button></form>`,
        );
      }
      return;
    }
    const body = await readBody(req);
    if (path.endsWith('/login')) {
      if (body.get('login') !== user || body.get('password') !== password) {
        page(res, '<h1>Wrong e-mail address or password</h1>', 401);
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
      return;
    }
    const accountId = details.session?.accountId;
    if (accountId === undefined) throw new Error('consent without a session');
    const grant =
      details.grantId !== undefined
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
    if (!grant) throw new Error('grant gone');
    const missing = details.prompt.details['missingOIDCScope'];
    if (Array.isArray(missing)) grant.addOIDCScope(missing.join(' '));
    const claims = details.prompt.details['missingOIDCClaims'];
    if (Array.isArray(claims)) grant.addOIDCClaims(claims as string[]);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    requests.push(path);
    if (path.startsWith('/interaction/')) {
      interaction(req, res, path).catch((error: unknown) => {
        page(res, `<h1>Error</h1><p>${String(error)}</p>`, 500);
      });
      return;
    }
    void callback(req, res);
  });

  /** Every stored token and grant of the user, through the provider's own (in-memory) adapter. */
  const destroyTokens = async (kinds: ('AccessToken' | 'RefreshToken' | 'Grant')[]): Promise<void> => {
    const models = { AccessToken: provider.AccessToken, RefreshToken: provider.RefreshToken, Grant: provider.Grant };
    for (const kind of kinds) {
      for (const id of issued[kind]) await models[kind].adapter.destroy(id);
      issued[kind].clear();
    }
  };
  const issued = {
    AccessToken: new Set<string>(),
    RefreshToken: new Set<string>(),
    Grant: new Set<string>(),
  };
  const issuedTokens: string[] = [];
  provider.on('access_token.saved', (token: { jti: string }) => {
    issued.AccessToken.add(token.jti);
    issuedTokens.push(token.jti);
  });
  provider.on('refresh_token.saved', (token: { jti: string }) => {
    issued.RefreshToken.add(token.jti);
    issuedTokens.push(token.jti);
  });
  provider.on('grant.saved', (grant: { jti: string }) => issued.Grant.add(grant.jti));

  return {
    issuer,
    port,
    clientId,
    confidentialClientId,
    confidentialClientSecret,
    introspectionClientId,
    introspectionClientSecret,
    introspectionUrl: `http://${introspectionClientId}:${introspectionClientSecret}@127.0.0.1:${port}/token/introspection`,
    user,
    password,
    accessTokenSeconds,
    requests,
    issuedTokens,
    revokeAll: () => destroyTokens(['AccessToken', 'RefreshToken', 'Grant']),
    revokeAccessTokens: () => destroyTokens(['AccessToken']),
    stop: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/**
 * The browser's part of a sign-in, done by an HTTP client that keeps cookies
 * and follows redirects (Playwright's request context): open the
 * authorization URL, submit the login form, allow the consent, and follow
 * the last redirect to the app's loopback listener. Returns that last page.
 */
export async function signInWithHttpClient(
  authorizationUrl: string,
  credentials: { user: string; password: string },
): Promise<{ status: number; text: string; url: string }> {
  const context = await request.newContext();
  try {
    let response = await context.get(authorizationUrl);
    for (let step = 0; step < 5; step += 1) {
      const html = await response.text();
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      if (action === undefined) return { status: response.status(), text: html, url: response.url() };
      const target = new URL(action, response.url()).href;
      response = action.endsWith('/login')
        ? await context.post(target, { form: { login: credentials.user, password: credentials.password } })
        : await context.post(target, { form: {} });
    }
    throw new Error('the sign-in did not end after five pages');
  } finally {
    await context.dispose();
  }
}
