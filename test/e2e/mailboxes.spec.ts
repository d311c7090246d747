import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { reportEmail } from '../helpers/email.js';
import { reportJson } from '../helpers/reports.js';

/* The Mailboxes page in serve mode, syncing from a real Dovecot on loopback. */
let dovecot: DovecotServer;

test.beforeAll(async () => {
  dovecot = await createDovecot();
  await dovecot.start();
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
  await expect(form.getByTestId('mailbox-form-message')).toHaveText(/^authentication failed for reports@example\.test/);
  await form.getByLabel('Password', { exact: true }).fill(dovecot.password);
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByTestId('mailbox-form-message')).toHaveText(/^Connected\. Folders: .*INBOX/);
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
