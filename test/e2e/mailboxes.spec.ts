import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { createOAuthServer, type OAuthServer } from '../helpers/oauth-server.js';
import { reportEmail } from '../helpers/email.js';
import { reportJson } from '../helpers/reports.js';

/*
 * The Mailboxes page in serve mode, syncing from a real Dovecot on loopback,
 * with a password or signed in through a real authorization server.
 */
let dovecot: DovecotServer;
let auth: OAuthServer;

test.beforeAll(async () => {
  auth = await createOAuthServer({ accessTokenSeconds: 600 });
  dovecot = await createDovecot({ oauth2IntrospectionUrl: auth.introspectionUrl });
  await dovecot.start();
  const client = await dovecot.client();
  await client.mailboxCreate('Work');
  await client.logout();
  await dovecot.append(
    'Work',
    reportEmail([
      {
        contentType: 'application/tlsrpt+gzip',
        filename: 'ui-oauth-1.json.gz',
        encoding: 'base64',
        body: gzipSync(reportJson({ reportId: 'ui-oauth-1', organization: 'Signed-in Sender' })),
      },
    ]),
  );
  for (const id of ['ui-sync-1', 'ui-sync-2']) {
    await dovecot.append(
      'INBOX',
      reportEmail([
        {
          contentType: 'application/tlsrpt+gzip',
          filename: `${id}.json.gz`,
          encoding: 'base64',
          body: gzipSync(reportJson({ reportId: id, organization: 'Mailbox Sender' })),
        },
      ]),
    );
  }
});

test.afterAll(async () => {
  await dovecot.stop();
  removeDovecot(dovecot);
  await auth.stop();
});

test('a mailbox is added, tested and synced from the Mailboxes page', async ({ page }) => {
  await page.goto('/#/mailboxes');
  await expect(page.getByText('No mailbox yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Add a mailbox…' }).click();
  const form = page.getByRole('form', { name: 'New mailbox' });
  await form.getByLabel('Name', { exact: true }).fill('Postmaster reports');
  await form.getByLabel('Server', { exact: true }).fill(dovecot.host);
  await form.getByLabel('Port', { exact: true }).fill(String(dovecot.tlsPort));
  await form.getByLabel('User', { exact: true }).fill(dovecot.user);
  await form.getByLabel('Password', { exact: true }).fill('not the password');
  await form.getByLabel('Extra trusted CA').fill(dovecot.caFile);
  await form.getByRole('button', { name: 'Test connection' }).click();
  // A connection test logs in to Dovecot over TLS (a wrong password waits its ~2 s delay): seconds on a busy machine.
  await expect(form.getByTestId('mailbox-form-message')).toHaveText(
    /^authentication failed for reports@example\.test/,
    {
      timeout: 20_000,
    },
  );
  await form.getByLabel('Password', { exact: true }).fill(dovecot.password);
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByTestId('mailbox-form-message')).toHaveText(/^Connected\. Folders: .*INBOX/, {
    timeout: 20_000,
  });
  await form.getByRole('button', { name: 'Save' }).click();

  const card = page.getByTestId('mailbox');
  await expect(card).toContainText('Postmaster reports');
  await expect(card.getByTestId('mailbox-state')).toHaveText('Stopped');
  await card.getByRole('button', { name: 'Start sync' }).click();
  await expect(card.getByTestId('mailbox-reports')).toHaveText('2', { timeout: 20_000 });
  await expect(card.getByTestId('mailbox-state')).toHaveText('Watching for new reports');
  await card.getByText('Recent messages').click();
  await expect(card.getByTestId('mailbox-log').locator('li')).toHaveCount(2);
  await expect(card.getByTestId('mailbox-log')).toContainText('Imported UID 1');
  mkdirSync(join('test', '.artifacts', 'screenshots'), { recursive: true });
  await page.screenshot({ path: join('test', '.artifacts', 'screenshots', '12-mailboxes.png'), fullPage: true });

  await page.goto('/#/senders');
  await expect(page.getByRole('cell', { name: 'Mailbox Sender', exact: true })).toBeVisible();
  await page.goto('/#/mailboxes');
  await card.getByRole('button', { name: 'Stop sync' }).click();
  await expect(card.getByTestId('mailbox-state')).toHaveText('Stopped');
});

test('a mailbox signs in with OAuth2 in a browser tab, syncs, and signs out', async ({ page }) => {
  await page.goto('/#/mailboxes');
  await page.getByRole('button', { name: 'Add a mailbox…' }).click();
  const form = page.getByRole('form', { name: 'New mailbox' });
  await expect(form.getByRole('button', { name: 'Sign in with Microsoft' })).toBeVisible();
  await expect(form.getByRole('button', { name: 'Sign in with Google' })).toBeVisible();
  await form.getByLabel('Name', { exact: true }).fill('Work mailbox');
  await form.getByLabel('Sign-in').selectOption('oauth2:issuer');
  await expect(form.getByLabel('Password', { exact: true })).toHaveCount(0);
  await form.getByLabel('Server', { exact: true }).fill(dovecot.host);
  await form.getByLabel('Port', { exact: true }).fill(String(dovecot.tlsPort));
  await form.getByLabel('User', { exact: true }).fill(auth.user);
  await form.getByLabel('Issuer URL').fill(auth.issuer);
  await form.getByLabel('Client ID').fill(auth.clientId);
  await form.getByLabel('Folder', { exact: true }).fill('Work');
  await form.getByLabel('Extra trusted CA').fill(dovecot.caFile);
  const popupOpened = page.waitForEvent('popup');
  await form.getByRole('button', { name: 'Save' }).click();

  // The provider's own pages, in a tab of their own: the app never sees the password.
  const popup = await popupOpened;
  await expect(popup.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(new URL(popup.url()).origin).toBe(auth.issuer);
  await popup.getByLabel('E-mail').fill(auth.user);
  await popup.getByLabel('Password').fill(auth.password);
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await popup.getByRole('button', { name: 'Allow' }).click();
  await expect(popup.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  expect(popup.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?code=/);
  await popup.close();

  const card = page.getByTestId('mailbox').filter({ hasText: 'Work mailbox' });
  await expect(card.getByTestId('mailbox-oauth')).toHaveText(
    /^signed in as reports@example\.test · access token valid until .+, then refreshed$/,
    { timeout: 10_000 },
  );
  await card.getByRole('button', { name: 'Start sync' }).click();
  await expect(card.getByTestId('mailbox-reports')).toHaveText('1', { timeout: 20_000 });
  await expect(card.getByTestId('mailbox-state')).toHaveText('Watching for new reports');
  await page.screenshot({ path: join('test', '.artifacts', 'screenshots', '13-mailboxes-oauth.png'), fullPage: true });

  // Revoked at the provider: the next sync ends in "sign in again", and signing in again resumes it.
  await card.getByRole('button', { name: 'Stop sync' }).click();
  await auth.revokeAll();
  await card.getByRole('button', { name: 'Start sync' }).click();
  await expect(card.getByTestId('mailbox-state')).toHaveText('Stopped: sign in again', { timeout: 20_000 });
  await expect(card.getByTestId('mailbox-oauth')).toHaveText('the sign-in has ended: sign in again');
  await expect(card.getByRole('button', { name: 'Start sync' })).toBeDisabled();
  const again = page.waitForEvent('popup');
  await card.getByRole('button', { name: 'Sign in again' }).click();
  const second = await again;
  // The provider remembers the browser's session: only the consent is asked again.
  await second.getByRole('button', { name: 'Allow' }).click();
  await expect(second.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  await second.close();
  await expect(card.getByTestId('mailbox-oauth')).toHaveText(/^signed in as reports@example\.test/, {
    timeout: 10_000,
  });
  await expect(card.getByTestId('mailbox-state')).toHaveText('Watching for new reports', { timeout: 20_000 });

  await card.getByRole('button', { name: 'Sign out' }).click();
  await expect(card.getByTestId('mailbox-state')).toHaveText('Stopped');
  await expect(card.getByTestId('mailbox-oauth')).toHaveText('not signed in since serve mode started');
  await expect(card.getByRole('button', { name: 'Sign in with your provider' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Start sync' })).toBeDisabled();
});

test('a saved OAuth client secret shows as kept, in a password field, and never comes back to the page', async ({
  page,
}) => {
  await page.goto('/#/mailboxes');
  await page.getByRole('button', { name: 'Add a mailbox…' }).click();
  const form = page.getByRole('form', { name: 'New mailbox' });
  await form.getByLabel('Name', { exact: true }).fill('Confidential mailbox');
  await form.getByLabel('Sign-in').selectOption('oauth2:issuer');
  await form.getByLabel('Server', { exact: true }).fill(dovecot.host);
  await form.getByLabel('Port', { exact: true }).fill(String(dovecot.tlsPort));
  await form.getByLabel('User', { exact: true }).fill(auth.user);
  await form.getByLabel('Issuer URL').fill(auth.issuer);
  await form.getByLabel('Client ID').fill(auth.confidentialClientId);
  await form.getByLabel('Client secret').fill(auth.confidentialClientSecret);
  await form.getByLabel('Extra trusted CA').fill(dovecot.caFile);
  const popupOpened = page.waitForEvent('popup');
  await form.getByRole('button', { name: 'Save' }).click();
  // The provider's page is not needed here: the secret is saved before the sign-in starts.
  await (await popupOpened).close();

  const card = page.getByTestId('mailbox').filter({ hasText: 'Confidential mailbox' });
  await card.getByRole('button', { name: 'Edit…' }).click();
  const edit = page.getByRole('form', { name: 'Edit Confidential mailbox' });
  const secret = edit.getByLabel('Client secret');
  await expect(secret).toHaveAttribute('type', 'password');
  await expect(secret).toHaveValue('');
  await expect(secret).toHaveAttribute('placeholder', 'kept (leave empty to keep it)');
  expect(await page.content()).not.toContain(auth.confidentialClientSecret);
  const listed = await page.evaluate(async () =>
    (
      await fetch('api/mailboxes', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })
    ).text(),
  );
  expect(listed).toContain('Confidential mailbox');
  expect(listed).not.toContain(auth.confidentialClientSecret);
});
