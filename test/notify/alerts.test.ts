// New error findings sent once each, decided in the backend after each import
// (the handlers serve mode runs), to a real webhook receiver and a real SMTP
// server with STARTTLS; never on the next batch, nor after a restart.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { EmailSink, parseSmtpUrl } from '../../electron/backend/notify/email.js';
import type { FindingSink } from '../../electron/backend/notify/finding-notifier.js';
import { WebhookSink, parseWebhookUrl, redactedUrl } from '../../electron/backend/notify/webhook.js';
import type { HealthFinding } from '../../shared/health/findings.js';
import { domainPageHash } from '../../shared/health/notice.js';
import { domainLink } from '../../renderer/src/routes.js';
import {
  mailBody,
  mailHeader,
  startSmtpReceiver,
  startWebhookReceiver,
  waitFor,
  type SmtpReceiver,
  type WebhookReceiver,
} from '../helpers/alert-receivers.js';
import { writeDailyReports } from '../helpers/alert-reports.js';
import { useTempDir } from '../helpers/files.js';
import { freePort } from '../helpers/net.js';

const tempDir = useTempDir();
// A fixed "today", so the verdicts do not move with the clock.
const TODAY = Date.parse('2026-12-07T12:00:00Z');
const TODAY_DAY = Math.floor(TODAY / 86_400_000);
const TOKEN_PATH = '/services/T000/B000/s3cr3t-t0ken';

let certDir: string;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'tlsrpt-smtp-'));
  [smtp, hook] = await Promise.all([startSmtpReceiver(certDir), startWebhookReceiver()]);
});

afterAll(async () => {
  await Promise.all([smtp.close(), hook.close()]);
  rmSync(certDir, { recursive: true, force: true });
});

function sinks(): FindingSink[] {
  return [
    new WebhookSink(parseWebhookUrl(hook.url(TOKEN_PATH)), { retryDelayMs: 10 }),
    new EmailSink({
      to: 'postmaster@shop.example',
      from: 'tlsrpt@shop.example',
      smtp: parseSmtpUrl(`smtp://${encodeURIComponent(smtp.user)}:${smtp.password}@127.0.0.1:${smtp.port}`),
      ca: smtp.ca,
    }),
  ];
}

function backend(dbPath: string, problems: string[], chosen: FindingSink[] = sinks()) {
  const db = openDatabase(dbPath);
  const api = createApiHandlers({
    db,
    databasePath: dbPath,
    transport: 'http',
    allowPaths: true,
    notify: { sinks: chosen, onProblem: (message) => problems.push(message), now: () => TODAY },
  });
  const importPaths = async (paths: string[]): Promise<void> => {
    const jobId = api.handlers.startImport({ paths }) as { jobId: string };
    await api.jobs.idle();
    const status = api.handlers.importStatus({ jobId: jobId.jobId, since: 0 }) as { done: boolean };
    expect(status.done).toBe(true);
    await api.notifier?.idle();
  };
  const close = async (): Promise<void> => {
    await api.close();
    db.close();
  };
  return { api, importPaths, close };
}

const mx2Expired = (offset: number) =>
  offset <= 4 ? { resultType: 'certificate-expired', mx: 'mx2.shop.example', failed: 30 } : null;

describe('alerts of new error findings', () => {
  it('sends each new error finding once: not on the next batch, not after a restart, again for a new one', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'reports.sqlite');
    const files = (name: string): string => {
      const folder = join(dir, name);
      mkdirSync(folder);
      return folder;
    };
    const problems: string[] = [];
    let app = backend(dbPath, problems);
    const postsBefore = hook.posts.length;
    const mailsBefore = smtp.messages.length;

    // A batch with a new error finding: mx2 fails certificate-expired under an enforced policy.
    await app.importPaths(
      writeDailyReports(files('first'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: mx2Expired,
      }),
    );
    await waitFor(() => hook.posts.length > postsBefore && smtp.messages.length > mailsBefore, 'the first alerts');
    expect(hook.posts.length - postsBefore).toBe(1);
    expect(smtp.messages.length - mailsBefore).toBe(1);
    const post = hook.posts.at(-1);
    expect(post?.path).toBe(TOKEN_PATH);
    expect(post?.contentType).toMatch(/^application\/json/);
    const body = post?.body as { source: string; text: string; asOf: string; findings: HealthFinding[] };
    expect(body.source).toBe('tlsrpt-viewer');
    expect(body.asOf).toBe('2026-12-07');
    expect(body.findings).toHaveLength(1);
    expect(body.findings[0]).toMatchObject({
      severity: 'error',
      code: 'mx-failing',
      domain: 'shop.example',
      mx: 'mx2.shop.example',
      resultType: 'certificate-expired',
      firstSeen: '2026-12-03',
    });
    expect(body.text).toContain('TLS failing for shop.example');
    expect(body.text).toContain('mx2.shop.example');
    expect(body.text).toContain('since 2026-12-03');

    const mail = smtp.messages.at(-1);
    expect(mail?.secure).toBe(true); // STARTTLS, offered by the server, was used
    expect(mail?.user).toBe(smtp.user);
    expect(mail?.to).toEqual(['postmaster@shop.example']);
    const raw = mail?.raw ?? '';
    expect(mailHeader(raw, 'Subject')).toBe(
      'TLS failing for shop.example: mx2.shop.example certificate-expired since 2026-12-03',
    );
    const text = mailBody(raw);
    expect(text).toContain('What to do:');
    expect(text).toContain('tlsrpt check --domain shop.example');

    // The next batches: the same files again (duplicates), then reports of another, healthy domain.
    await app.importPaths(
      writeDailyReports(files('again'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: mx2Expired,
      }),
    );
    await app.importPaths(
      writeDailyReports(files('other'), { asOfDay: TODAY_DAY, domain: 'other.example', sender: 'Google Inc.' }),
    );
    // A restart, then new reports that still show the same failure (another sender).
    await app.close();
    app = backend(dbPath, problems);
    await app.importPaths(
      writeDailyReports(files('restart'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Microsoft Corporation',
        failing: mx2Expired,
      }),
    );
    expect(hook.posts.length - postsBefore).toBe(1);
    expect(smtp.messages.length - mailsBefore).toBe(1);

    // A different error finding: mx3 stops offering STARTTLS.
    await app.importPaths(
      writeDailyReports(files('mx3'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Yahoo',
        failing: (offset) =>
          offset <= 3 ? { resultType: 'starttls-not-supported', mx: 'mx3.shop.example', failed: 40 } : null,
      }),
    );
    await waitFor(
      () => hook.posts.length - postsBefore === 2 && smtp.messages.length - mailsBefore === 2,
      'the second alerts',
    );
    const second = hook.posts.at(-1)?.body as { findings: HealthFinding[] };
    expect(second.findings.map((finding) => [finding.mx, finding.resultType])).toEqual([
      ['mx3.shop.example', 'starttls-not-supported'],
    ]);
    expect(mailHeader(smtp.messages.at(-1)?.raw ?? '', 'Subject')).toContain('mx3.shop.example starttls-not-supported');
    await app.close();
    expect(problems).toEqual([]);
  });

  it('does not hold up the import for a webhook that is down or slow, and says so without its token', async () => {
    const dir = tempDir();
    const problems: string[] = [];
    const closedPort = await freePort();
    const down = new WebhookSink(parseWebhookUrl(`http://127.0.0.1:${closedPort}${TOKEN_PATH}?key=s3cr3t-q`), {
      attempts: 2,
      retryDelayMs: 10,
    });
    const slow = new WebhookSink(parseWebhookUrl(hook.url(`${TOKEN_PATH}-slow`)), {
      timeoutMs: 500,
      attempts: 2,
      retryDelayMs: 10,
    });
    const app = backend(join(dir, 'reports.sqlite'), problems, [down, slow]);
    hook.answer = 'hang';
    try {
      const jobId = (
        app.api.handlers.startImport({
          paths: writeDailyReports(dir, {
            asOfDay: TODAY_DAY,
            domain: 'shop.example',
            sender: 'Google Inc.',
            failing: mx2Expired,
          }),
        }) as { jobId: string }
      ).jobId;
      await app.api.jobs.idle();
      // The import is done while the slow webhook still holds the first post.
      expect((app.api.handlers.importStatus({ jobId, since: 0 }) as { done: boolean }).done).toBe(true);
      await app.api.notifier?.idle();
    } finally {
      hook.answer = 200;
    }
    expect(problems).toHaveLength(2);
    const joined = problems.join('\n');
    expect(joined).toContain(
      `could not send 1 new finding(s) to the webhook http://127.0.0.1:${closedPort}/…: the connection was refused`,
    );
    expect(joined).toContain(
      `to the webhook http://127.0.0.1:${new URL(hook.url('/')).port}/…: no answer within 0.5 s (2 tries)`,
    );
    expect(joined).not.toMatch(/s3cr3t|T000|services/);
    await app.close();
  });

  it('says why a mail could not be sent, without the password', async () => {
    const problems: string[] = [];
    const wrong = new EmailSink({
      to: 'postmaster@shop.example',
      from: 'tlsrpt@shop.example',
      smtp: parseSmtpUrl(`smtp://${encodeURIComponent(smtp.user)}:wr0ng-pa55@127.0.0.1:${smtp.port}`),
      ca: smtp.ca,
    });
    const untrusted = new EmailSink({
      to: 'postmaster@shop.example',
      from: 'tlsrpt@shop.example',
      smtp: parseSmtpUrl(`smtp://${encodeURIComponent(smtp.user)}:${smtp.password}@127.0.0.1:${smtp.port}`),
    });
    const dir = tempDir();
    const app = backend(join(dir, 'reports.sqlite'), problems, [wrong, untrusted]);
    await app.importPaths(
      writeDailyReports(dir, {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: mx2Expired,
      }),
    );
    await app.close();
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('through smtp://127.0.0.1:');
    expect(problems.join('\n')).toContain('the server refused the sign-in');
    expect(problems.join('\n')).toContain("the server's TLS certificate was refused");
    expect(problems.join('\n')).not.toMatch(/wr0ng-pa55|smtp-s3cret-pw/);
  });

  it('shows webhook URLs by scheme and host only, and links a finding to its domain page', () => {
    expect(redactedUrl(new URL('https://hooks.slack.com/services/T0/B0/xyz'))).toBe('https://hooks.slack.com/…');
    expect(redactedUrl(new URL('https://user:pw@example.net/?token=1'))).toBe('https://example.net/…');
    expect(redactedUrl(new URL('http://127.0.0.1:8080/'))).toBe('http://127.0.0.1:8080/');
    expect(() => parseWebhookUrl('ftp://x/secret')).toThrow('not ftp:');
    expect(() => parseWebhookUrl('https//nope/s3cret')).toThrow(/does not parse$/);
    expect(domainPageHash('shop.example')).toBe(`#${domainLink('shop.example')}`);
  });
});
