// A web page that finds the sign-in's loopback port (issue 23, point 14):
// requests without the sign-in's state, as an <img> would send them, used to
// cancel the sign-in under way. Against a real authorization server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginSignIn } from '../../electron/backend/mailbox/oauth-client.js';
import { createOAuthServer, signInWithHttpClient, type OAuthServer } from '../helpers/oauth-server.js';

let auth: OAuthServer;

beforeAll(async () => {
  auth = await createOAuthServer();
});

afterAll(async () => {
  await auth.stop();
});

describe('the sign-in listener under a hostile page', () => {
  it('ignores requests without its state and still finishes the real sign-in', async () => {
    const pending = await beginSignIn({
      provider: 'issuer',
      issuer: auth.issuer,
      clientId: auth.clientId,
      clientSecret: null,
      tenant: null,
      scope: null,
    });
    const redirect = new URL(pending.url).searchParams.get('redirect_uri') ?? '';
    for (const query of ['', '?x=1', '?error=access_denied', '?code=stolen&state=', '?code=stolen&state=guess']) {
      const reply = await fetch(`${redirect}${query}`);
      expect(reply.status).toBe(400);
      expect(await reply.text()).toContain('not the answer to the sign-in tlsrpt-viewer is waiting for');
    }
    await signInWithHttpClient(pending.url, { user: auth.user, password: auth.password });
    const grant = await pending.result;
    expect(grant.signedInAs).toBe(auth.user);
    expect(grant.refreshToken.length).toBeGreaterThan(0);
  });
});
