import Database from 'better-sqlite3';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncResult } from '../../shared/mailbox/account.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import {
  ImapConnectionError,
  connectImap,
  describeImapError,
  type ImapServer,
} from '../../electron/backend/mailbox/imap-connection.js';
import { syncMailbox } from '../../electron/backend/mailbox/mailbox-sync.js';
import { MailboxWatcher, type WatchEvent } from '../../electron/backend/mailbox/mailbox-watcher.js';
import { parseJsonOutput, runCliAsync } from '../helpers/cli.js';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { reportEmail } from '../helpers/email.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { freePort } from '../helpers/net.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { reportJson } from '../helpers/reports.js';

/*
 * IMAP sync against a real Dovecot (see test/helpers/dovecot.ts). Each test
 * works in a mailbox of its own on the one server.
 */
const tempDir = useTempDir();
let dovecot: DovecotServer;
const CORPUS_EMAILS = readdirSync(corpusReports)
  .filter((name) => name.endsWith('.eml'))
  .sort();

beforeAll(async () => {
  dovecot = await createDovecot();
  await dovecot.start();
}, 60_000);

afterAll(async () => {
  await dovecot.stop();
  removeDovecot(dovecot);
});

function server(overrides: Partial<ImapServer> = {}): ImapServer {
  return {
    host: dovecot.host,
    port: dovecot.tlsPort,
    security: 'tls',
    user: dovecot.user,
    auth: 'password',
    caFile: dovecot.caFile,
    ...overrides,
  };
}

async function createMailbox(name: string): Promise<void> {
  const client = await dovecot.client();
  try {
    await client.mailboxCreate(name);
  } finally {
    await client.logout();
  }
}

function syncArgs(db: string, mailbox: string, extra: string[] = []): string[] {
  return [
    'sync',
    '--db',
    db,
    '--host',
    dovecot.host,
    '--port',
    String(dovecot.tlsPort),
    '--security',
    'tls',
    '--ca',
    dovecot.caFile,
    '--user',
    dovecot.user,
    '--password-env',
    'TEST_IMAP_PASSWORD',
    '--mailbox',
    mailbox,
    '--once',
    '--json',
    ...extra,
  ];
}

const env = (): NodeJS.ProcessEnv => ({ TEST_IMAP_PASSWORD: dovecot.password });

function uniqueReportEmail(id: string): string {
  return reportEmail([
    {
      contentType: 'application/tlsrpt+gzip',
      filename: `${id}.json.gz`,
      encoding: 'base64',
      body: gzipSync(reportJson({ reportId: id })),
    },
  ]);
}

async function flagsAndCount(mailbox: string): Promise<{ count: number; seen: number }> {
  const client = await dovecot.client();
  try {
    const lock = await client.getMailboxLock(mailbox, { readOnly: true });
    try {
      const messages = await client.fetchAll('1:*', { flags: true });
      return { count: messages.length, seen: messages.filter((message) => message.flags?.has('\\Seen')).length };
    } catch {
      return { count: 0, seen: 0 };
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

describe('tlsrpt sync --once', () => {
  it('imports the corpus report e-mails, records the others with their reason, and leaves the mailbox untouched', async () => {
    const mailbox = 'Corpus';
    await createMailbox(mailbox);
    for (const name of CORPUS_EMAILS) await dovecot.append(mailbox, readFileSync(join(corpusReports, name)));
    await dovecot.append(mailbox, 'From: boss@example.test\r\nSubject: lunch?\r\n\r\nNo report here.\r\n');
    const broken = reportEmail([
      {
        contentType: 'application/tlsrpt+gzip',
        filename: 'cut.json.gz',
        encoding: 'base64',
        body: gzipSync(reportJson({ reportId: 'cut' })).subarray(0, 30),
      },
    ]);
    await dovecot.append(mailbox, broken);

    const db = join(tempDir(), 'sync.sqlite');
    const first = await runCliAsync(syncArgs(db, mailbox), env());
    expect(first.stderr).toBe('');
    expect(first.status).toBe(1);
    const result = parseJsonOutput<SyncResult>(first);
    expect(result.messagesSeen).toBe(CORPUS_EMAILS.length + 2);
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual([
      ...CORPUS_EMAILS.map((): unknown => expect.stringMatching(/^(imported|duplicate)$/)),
      'no-report',
      'error',
    ]);
    expect(result.outcomes.at(-2)?.message).toBe('no TLS-RPT report in message');
    expect(result.outcomes.at(-1)?.message).toMatch(/^cut\.json\.gz: damaged gzip data/);
    // mail-auth rpt01 and tlsrpt-be test carry the same RFC example report.
    expect(result.reportsImported).toBe(CORPUS_EMAILS.length - 1);
    expect(result.duplicates).toBe(1);

    const check = new Database(db, { readonly: true });
    expect(check.prepare("SELECT COUNT(*) FROM reports WHERE source_kind = 'mailbox'").pluck().get()).toBe(
      CORPUS_EMAILS.length - 1,
    );
    expect(check.prepare('SELECT source_ref FROM reports LIMIT 1').pluck().get()).toMatch(
      new RegExp(
        `^imap://reports%40example\\.test@127\\.0\\.0\\.1:${dovecot.tlsPort}/Corpus;UIDVALIDITY=\\d+/;UID=\\d+ \\[.+\\]$`,
      ),
    );
    expect(check.prepare('SELECT COUNT(*) FROM mailbox_messages').pluck().get()).toBe(CORPUS_EMAILS.length + 2);
    check.close();

    const second = await runCliAsync(syncArgs(db, mailbox), env());
    expect(second.status).toBe(0);
    expect(parseJsonOutput<SyncResult>(second)).toMatchObject({ messagesSeen: 0, reportsImported: 0 });
    expect(await flagsAndCount(mailbox)).toEqual({ count: CORPUS_EMAILS.length + 2, seen: 0 });
  });

  it('moves processed messages with --after move:Processed, and leaves failed ones', async () => {
    const mailbox = 'ToMove';
    await createMailbox(mailbox);
    await dovecot.append(mailbox, uniqueReportEmail('move-1'));
    await dovecot.append(mailbox, uniqueReportEmail('move-2'));
    await dovecot.append(mailbox, Buffer.from('not an e-mail at all \u0000\u0001'));
    const result = await runCliAsync(
      syncArgs(join(tempDir(), 'm.sqlite'), mailbox, ['--after', 'move:Processed']),
      env(),
    );
    expect(result.status).toBe(0);
    expect(parseJsonOutput<SyncResult>(result)).toMatchObject({ reportsImported: 2, noReport: 1 });
    expect((await flagsAndCount(mailbox)).count).toBe(0);
    expect((await flagsAndCount('Processed')).count).toBe(3);
  });

  it('marks processed messages as seen with --after seen', async () => {
    const mailbox = 'ToMark';
    await createMailbox(mailbox);
    await dovecot.append(mailbox, uniqueReportEmail('seen-1'));
    await dovecot.append(mailbox, uniqueReportEmail('seen-2'));
    const result = await runCliAsync(syncArgs(join(tempDir(), 's.sqlite'), mailbox, ['--after', 'seen']), env());
    expect(result.status).toBe(0);
    expect(await flagsAndCount(mailbox)).toEqual({ count: 2, seen: 2 });
  });

  it('connects with STARTTLS on the plain port', async () => {
    const mailbox = 'StartTls';
    await createMailbox(mailbox);
    await dovecot.append(mailbox, uniqueReportEmail('starttls-1'));
    const args = syncArgs(join(tempDir(), 't.sqlite'), mailbox).map((arg) =>
      arg === String(dovecot.tlsPort) ? String(dovecot.plainPort) : arg === 'tls' ? 'starttls' : arg,
    );
    const result = await runCliAsync(args, env());
    expect(result.status).toBe(0);
    expect(parseJsonOutput<SyncResult>(result).reportsImported).toBe(1);
  });

  it('says clearly when the password is wrong, without printing it', async () => {
    const result = await runCliAsync(syncArgs(join(tempDir(), 'w.sqlite'), 'INBOX'), {
      TEST_IMAP_PASSWORD: 'wrong-secret-123',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `tlsrpt sync: authentication failed for ${dovecot.user} at 127.0.0.1:${dovecot.tlsPort}: the server rejected the user name or password\n`,
    );
    expect(result.stdout + result.stderr).not.toContain('wrong-secret-123');
  });

  it('refuses a certificate no trusted CA signed', async () => {
    const args = syncArgs(join(tempDir(), 'c.sqlite'), 'INBOX').map((arg) =>
      arg === dovecot.caFile ? dovecot.otherCaFile : arg,
    );
    const result = await runCliAsync(args, env());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^tlsrpt sync: the certificate of 127\.0\.0\.1:\d+ is not trusted \([A-Z_]+\); if the server uses a private CA, add it with --ca FILE/,
    );
  });

  it('refuses plain IMAP to anything but this machine', async () => {
    const args = syncArgs(join(tempDir(), 'p.sqlite'), 'INBOX').map((arg) =>
      arg === dovecot.host ? 'mail.example.test' : arg === 'tls' ? 'plain' : arg,
    );
    const result = await runCliAsync(args, env());
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('refusing to send the password to mail.example.test without TLS');
  });
});

describe('sync through the backend', () => {
  it('resumes a sync whose connection was cut in the middle of a batch, with every report exactly once', async () => {
    const mailbox = 'Interrupted';
    await createMailbox(mailbox);
    for (let i = 0; i < 12; i++) await dovecot.append(mailbox, uniqueReportEmail(`cut-${i}`));
    const db = openDatabase(join(tempDir(), 'cut.sqlite'));
    const importer = new ReportImporter(db);
    // Through a proxy that cuts the TCP connection partway through the second batch's FETCH answer.
    const proxy = await startTcpProxy({ host: dovecot.host, port: dovecot.tlsPort });
    const target = { server: server({ port: proxy.port }), mailbox, after: { action: 'none' as const } };
    const seen: number[] = [];
    const client = await connectImap(target.server, dovecot.password);
    await expect(
      syncMailbox(db, importer, client, target, {
        batchMessages: 5,
        onMessage: (outcome, done) => {
          seen.push(outcome.uid);
          // A batch's messages are ~1 KB each: 2,000 bytes more ends the next batch's answer midway.
          if (done === 5) proxy.cutAfterServerBytes(2000);
        },
      }),
    ).rejects.toThrow();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    // The first batch whole, nothing of the second.
    expect(db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(5);
    expect(db.prepare('SELECT COUNT(*) FROM mailbox_messages').pluck().get()).toBe(5);

    // Progress is kept per server address: the same proxy, which now lets everything through.
    const again = await connectImap(target.server, dovecot.password);
    const result = await syncMailbox(db, importer, again, target, { batchMessages: 5 });
    await again.logout();
    await proxy.close();
    expect(result).toMatchObject({ messagesSeen: 7, reportsImported: 7, duplicates: 0 });
    expect(result.outcomes.map((outcome) => outcome.uid)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    expect(db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(12);
    expect(db.prepare('SELECT COUNT(DISTINCT report_id) FROM reports').pluck().get()).toBe(12);
    expect(db.prepare('SELECT COUNT(*) FROM mailbox_messages').pluck().get()).toBe(12);
    db.close();
  });

  it('fetches a batch of messages in one FETCH: round trips grow with the batches, not the messages', async () => {
    const mailbox = 'Batched';
    await createMailbox(mailbox);
    for (let i = 0; i < 40; i++) await dovecot.append(mailbox, uniqueReportEmail(`batch-${i}`));
    const proxy = await startTcpProxy({ host: dovecot.host, port: dovecot.tlsPort });
    const chunksToServer = async (batchMessages: number): Promise<number> => {
      const db = openDatabase(join(tempDir(), `batched-${batchMessages}.sqlite`));
      const target = { server: server({ port: proxy.port }), mailbox, after: { action: 'seen' as const } };
      const client = await connectImap(target.server, dovecot.password);
      const before = proxy.chunks.toServer;
      const result = await syncMailbox(db, new ReportImporter(db), client, target, { batchMessages });
      const sent = proxy.chunks.toServer - before;
      await client.logout();
      expect(result).toMatchObject({ messagesSeen: 40, reportsImported: 40 });
      db.close();
      return sent;
    };
    // Each command the client sends is a chunk towards the server: one per message before (a size FETCH, a body
    // FETCH, a STORE for each), now a listing, then a FETCH and a STORE per batch.
    const inOneBatch = await chunksToServer(40);
    const inTen = await chunksToServer(4);
    await proxy.close();
    expect(inOneBatch).toBeLessThan(8);
    expect(inTen - inOneBatch).toBeGreaterThanOrEqual(18);
    expect(inTen).toBeLessThan(40);
    expect(await flagsAndCount(mailbox)).toEqual({ count: 40, seen: 40 });
  });

  it('scans a mailbox again when its UIDVALIDITY changes, storing nothing twice', async () => {
    const mailbox = 'Recreated';
    await createMailbox(mailbox);
    await dovecot.append(mailbox, uniqueReportEmail('uv-1'));
    const db = openDatabase(join(tempDir(), 'uv.sqlite'));
    const importer = new ReportImporter(db);
    const target = { server: server(), mailbox, after: { action: 'none' as const } };
    let client = await connectImap(target.server, dovecot.password);
    expect((await syncMailbox(db, importer, client, target)).reportsImported).toBe(1);
    await client.mailboxDelete(mailbox);
    await client.mailboxCreate(mailbox);
    await client.append(mailbox, uniqueReportEmail('uv-1'));
    await client.append(mailbox, uniqueReportEmail('uv-2'));
    await client.logout();

    client = await connectImap(target.server, dovecot.password);
    const result = await syncMailbox(db, importer, client, target);
    await client.logout();
    expect(result).toMatchObject({ rescanned: true, messagesSeen: 2, reportsImported: 1, duplicates: 1 });
    expect(db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(2);
    db.close();
  });

  it('imports a message appended while watching within seconds, through IDLE', async () => {
    const mailbox = 'Watched';
    await createMailbox(mailbox);
    const db = openDatabase(join(tempDir(), 'idle.sqlite'));
    const importer = new ReportImporter(db);
    const target = { server: server(), mailbox, after: { action: 'none' as const } };
    const events: WatchEvent[] = [];
    let notify: (() => void) | null = null;
    const watcher = new MailboxWatcher({
      server: target.server,
      connect: () => connectImap(target.server, dovecot.password),
      sync: (client) => syncMailbox(db, importer, client, target),
      // An hour: only IDLE can bring the new message in time.
      pollIntervalSeconds: 3600,
      onEvent: (event) => {
        events.push(event);
        notify?.();
      },
    });
    const until = async (predicate: () => boolean, ms: number): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(`timed out; events: ${JSON.stringify(events.map((event) => event.type))}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 200);
        });
      }
    };
    await until(() => events.some((event) => event.type === 'synced'), 10_000);
    const appendedAt = Date.now();
    await dovecot.append(mailbox, uniqueReportEmail('idle-1'));
    await until(() => events.some((event) => event.type === 'synced' && event.result.reportsImported === 1), 10_000);
    const seconds = (Date.now() - appendedAt) / 1000;
    await watcher.stop();
    expect(seconds).toBeLessThan(10);
    expect(db.prepare('SELECT report_id FROM reports').pluck().all()).toEqual(['idle-1']);
    expect(events.at(-1)).toEqual({ type: 'stopped' });
    db.close();
  });

  it('stops watching when the password is refused, instead of retrying it forever', async () => {
    const db = openDatabase(join(tempDir(), 'refused.sqlite'));
    const importer = new ReportImporter(db);
    const target = { server: server(), mailbox: 'INBOX', after: { action: 'none' as const } };
    const events: WatchEvent[] = [];
    let attempts = 0;
    const watcher = new MailboxWatcher({
      server: target.server,
      connect: () => {
        attempts += 1;
        return connectImap(target.server, 'not-the-password');
      },
      sync: (client) => syncMailbox(db, importer, client, target),
      pollIntervalSeconds: 3600,
      // Retries would come every 50 ms: a loop shows up as many attempts within the wait below.
      backoff: { initialMs: 50, maxMs: 50 },
      onEvent: (event) => events.push(event),
    });
    const deadline = Date.now() + 10_000;
    while (!events.some((event) => event.type === 'stopped') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    await watcher.stop();
    expect(attempts).toBe(1);
    expect(events).toEqual([
      {
        type: 'auth-failed',
        message: `authentication failed for ${dovecot.user} at 127.0.0.1:${dovecot.tlsPort}: the server rejected the user name or password`,
        signInRequired: false,
      },
      { type: 'stopped' },
    ]);
    db.close();
  });

  it('names a connection problem once, not as "IMAP error from X: IMAP error from X: …"', async () => {
    const events: WatchEvent[] = [];
    const target = server({ port: await freePort() });
    const watcher = new MailboxWatcher({
      server: target,
      connect: () => connectImap(target, dovecot.password),
      sync: () => Promise.reject(new Error('never connected')),
      pollIntervalSeconds: 3600,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      onEvent: (event) => events.push(event),
    });
    const deadline = Date.now() + 10_000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await watcher.stop();
    expect(events[0]).toEqual({
      type: 'error',
      message: `cannot connect to 127.0.0.1:${target.port}: connection refused (is the port right?)`,
      retryInSeconds: 60,
    });
    // A reason imapflow words itself keeps one prefix as well.
    const described = describeImapError(
      new ImapConnectionError(describeImapError(new Error('BAD command'), target)),
      target,
    );
    expect(described).toBe(`IMAP error from 127.0.0.1:${target.port}: BAD command`);
  });
});
