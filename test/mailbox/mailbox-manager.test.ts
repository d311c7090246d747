import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxAccount } from '../../shared/mailbox/account.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { dispatch } from '../../electron/backend/api/dispatch.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { reportEmail } from '../helpers/email.js';
import { useTempDir } from '../helpers/files.js';
import { reportJson } from '../helpers/reports.js';

/* Saved mailboxes through the API contract, as the Mailboxes page uses them, against a real Dovecot. */
const tempDir = useTempDir();
let dovecot: DovecotServer;

beforeAll(async () => {
  dovecot = await createDovecot();
  await dovecot.start();
}, 60_000);

afterAll(async () => {
  await dovecot.stop();
  removeDovecot(dovecot);
});

function account(overrides: Partial<MailboxAccount> = {}): MailboxAccount {
  return {
    name: 'Reports',
    host: dovecot.host,
    port: dovecot.tlsPort,
    security: 'tls',
    user: dovecot.user,
    auth: 'password',
    mailbox: 'Saved',
    after: { action: 'none' },
    pollIntervalSeconds: 3600,
    caFile: dovecot.caFile,
    ...overrides,
  };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('saved mailboxes', () => {
  it('are saved, tested, synced, stopped and removed, and the password is never stored in the clear', async () => {
    const file = join(tempDir(), 'm.sqlite');
    const db = openDatabase(file);
    const { handlers, mailboxes } = createApiHandlers({ db, databasePath: file, transport: 'http', allowPaths: false });
    const call = async (method: string, request: unknown): Promise<unknown> => {
      const result = await dispatch(handlers, method, request);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value;
    };
    const client = await dovecot.client();
    await client.mailboxCreate('Saved');
    await client.append(
      'Saved',
      reportEmail([
        {
          contentType: 'application/tlsrpt+gzip',
          filename: 'a.json.gz',
          encoding: 'base64',
          body: gzipSync(reportJson({ reportId: 'saved-1' })),
        },
      ]),
    );
    await client.logout();

    expect(await call('testMailbox', { account: account(), secret: dovecot.password })).toMatchObject({
      folders: expect.arrayContaining(['INBOX', 'Saved']) as unknown,
    });
    const saved = await call('saveMailbox', { account: account(), secret: dovecot.password });
    expect(saved).toMatchObject({ hasSecret: true, secretPersists: false, state: 'stopped', messagesSeen: 0 });

    await call('startMailboxSync', { name: 'Reports' });
    const synced = await until(
      () => call('mailboxes', {}) as Promise<{ reportsImported: number; state: string }[]>,
      (list) => list[0]?.reportsImported === 1,
    );
    expect(synced[0]).toMatchObject({ reportsImported: 1, messagesSeen: 1, lastError: null });
    expect(await call('mailboxMessages', { name: 'Reports', limit: 10 })).toMatchObject([
      { status: 'imported', reportsImported: 1 },
    ]);

    await call('stopMailboxSync', { name: 'Reports' });
    expect(((await call('mailboxes', {})) as { state: string }[])[0]?.state).toBe('stopped');
    await mailboxes.stopAll();
    db.close();
    expect(readFileSync(file).includes(dovecot.password)).toBe(false);

    const again = openDatabase(file);
    const { handlers: next } = createApiHandlers({
      db: again,
      databasePath: file,
      transport: 'http',
      allowPaths: false,
    });
    // A new serve process knows the settings but not the secret, and says so.
    expect(await dispatch(next, 'mailboxes', {})).toMatchObject({ ok: true, value: [{ hasSecret: false }] });
    expect(await dispatch(next, 'startMailboxSync', { name: 'Reports' })).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringContaining('serve mode keeps secrets in memory only') as unknown },
    });
    expect(await dispatch(next, 'removeMailbox', { name: 'Reports' })).toEqual({ ok: true, value: { removed: true } });
    expect(await dispatch(next, 'mailboxes', {})).toEqual({ ok: true, value: [] });
    again.close();
  });

  it('stops a sync whose password the server refuses, says so, and starts again when asked', async () => {
    const db = openDatabase(join(tempDir(), 'refused.sqlite'));
    const { handlers, mailboxes } = createApiHandlers({ db, databasePath: 'x', transport: 'http', allowPaths: false });
    await dispatch(handlers, 'saveMailbox', {
      account: account({ name: 'Refused', mailbox: 'INBOX' }),
      secret: 'nope',
    });
    await dispatch(handlers, 'startMailboxSync', { name: 'Refused' });
    const read = async (): Promise<{ state: string; lastError: string | null }> => {
      const result = await dispatch(handlers, 'mailboxes', {});
      const [first] = result.ok ? (result.value as { state: string; lastError: string | null }[]) : [];
      return first ?? { state: 'missing', lastError: null };
    };
    const stopped = await until(read, (status) => status.state === 'auth-failed');
    expect(stopped).toMatchObject({
      state: 'auth-failed',
      lastError: `authentication failed for ${dovecot.user} at 127.0.0.1:${dovecot.tlsPort}: the server rejected the user name or password. The sync has stopped: correct the password and start it again.`,
    });
    // Still stopped a while later: no retry behind the user's back.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await read()).state).toBe('auth-failed');
    await dispatch(handlers, 'saveMailbox', {
      account: account({ name: 'Refused', mailbox: 'INBOX' }),
      secret: dovecot.password,
      previousName: 'Refused',
    });
    await dispatch(handlers, 'startMailboxSync', { name: 'Refused' });
    expect(await until(read, (status) => status.state === 'watching')).toMatchObject({
      state: 'watching',
      lastError: null,
    });
    await mailboxes.stopAll();
    db.close();
  });

  it('answers a wrong password when testing with `failed` and the reason', async () => {
    const db = openDatabase(join(tempDir(), 'w.sqlite'));
    const { handlers } = createApiHandlers({ db, databasePath: 'x', transport: 'http', allowPaths: false });
    const result = await dispatch(handlers, 'testMailbox', { account: account(), secret: 'nope-nope' });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'failed',
        message: `authentication failed for ${dovecot.user} at 127.0.0.1:${dovecot.tlsPort}: the server rejected the user name or password`,
      },
    });
    db.close();
  });

  it('can be synced from the command line by name, with the secret from the environment', async () => {
    const file = join(tempDir(), 'cli.sqlite');
    const db = openDatabase(file);
    const { handlers } = createApiHandlers({ db, databasePath: file, transport: 'http', allowPaths: false });
    await dispatch(handlers, 'saveMailbox', {
      account: account({ name: 'Saved one', mailbox: 'Saved' }),
      secret: dovecot.password,
    });
    db.close();
    const { runCliAsync, parseJsonOutput } = await import('../helpers/cli.js');
    const result = await runCliAsync(
      ['sync', '--db', file, '--account', 'Saved one', '--password-env', 'PW', '--once', '--json'],
      {
        PW: dovecot.password,
      },
    );
    expect(result.stderr).toBe('');
    expect(parseJsonOutput(result)).toMatchObject({ mailbox: 'Saved', reportsImported: 1 });
    const unknown = await runCliAsync(['sync', '--db', file, '--account', 'Nope', '--password-env', 'PW', '--once'], {
      PW: 'x',
    });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no saved mailbox named "Nope"; saved: Saved one');
  });
});
