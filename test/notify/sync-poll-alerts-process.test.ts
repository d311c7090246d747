// The built `tlsrpt sync --poll` as a process against a real Dovecot, with
// --notify-webhook and --notify-email --smtp: a poll that brings reports with
// a new error finding sends it once to each (real local receivers); the next
// poll, bringing reports without a new finding, sends nothing. Counted after
// the process has ended: sync waits for every delivery under way before it
// exits.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthFinding } from '../../shared/health/findings.js';
import {
  mailHeader,
  startSmtpReceiver,
  startWebhookReceiver,
  waitFor,
  type SmtpReceiver,
  type WebhookReceiver,
} from '../helpers/alert-receivers.js';
import { writeDailyReports } from '../helpers/alert-reports.js';
import { cliPath } from '../helpers/cli.js';
import { createDovecot, removeDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { reportEmail } from '../helpers/email.js';

// The process judges as of its own today: the reports are dated before it.
const TODAY_DAY = Math.floor(Date.now() / 86_400_000);
const date = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

let dir: string;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;
let dovecot: DovecotServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-sync-alerts-'));
  dovecot = await createDovecot();
  await dovecot.start();
  [smtp, hook] = await Promise.all([startSmtpReceiver(dir), startWebhookReceiver()]);
  writeFileSync(join(dir, 'smtp-ca.pem'), smtp.ca);
}, 60_000);

afterAll(async () => {
  await Promise.all([smtp.close(), hook.close(), dovecot.stop()]);
  removeDovecot(dovecot);
  rmSync(dir, { recursive: true, force: true });
});

/** Appends each report file to INBOX as a report e-mail (RFC 8460 §5.3). */
async function deliver(paths: string[]): Promise<void> {
  for (const path of paths) {
    await dovecot.append(
      'INBOX',
      reportEmail([
        { contentType: 'application/tlsrpt+json', filename: basename(path), body: readFileSync(path, 'utf8') },
      ]),
    );
  }
}

function folder(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

const mx2Expired = (offset: number) =>
  offset <= 4 ? { resultType: 'certificate-expired', mx: 'mx2.shop.example', failed: 30 } : null;

// Under load a poll of 28 messages has taken most of a minute: generous bounds, never asserted.
describe('tlsrpt sync --poll --notify-webhook --notify-email', { timeout: 900_000 }, () => {
  it('sends each new error finding once, and nothing on the next poll without one', async () => {
    await deliver(
      writeDailyReports(folder('first'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: mx2Expired,
      }),
    );
    const sync: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [
        cliPath,
        'sync',
        '--db',
        join(dir, 'reports.sqlite'),
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
        'INBOX',
        '--after',
        'seen',
        '--poll',
        '1',
        '--notify-webhook',
        hook.url('/hooks/s3cr3t-t0ken'),
        '--notify-email',
        'postmaster@shop.example',
        '--smtp',
        `smtp://${encodeURIComponent(smtp.user)}@127.0.0.1:${smtp.port}`,
        '--smtp-password-env',
        'TEST_SMTP_PASSWORD',
        '--smtp-ca',
        join(dir, 'smtp-ca.pem'),
      ],
      {
        env: {
          ...process.env,
          TLSRPT_DB: '',
          TEST_IMAP_PASSWORD: dovecot.password,
          TEST_SMTP_PASSWORD: smtp.password,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    sync.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    sync.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const imported = (): number =>
      [...stdout.matchAll(/(\d+) reports imported/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    try {
      await waitFor(() => imported() === 14 || sync.exitCode !== null, 'the first poll', 240_000);
      await waitFor(
        () => (hook.posts.length > 0 && smtp.messages.length > 0) || sync.exitCode !== null,
        'alerts',
        240_000,
      );
      expect(sync.exitCode, stderr).toBeNull();

      // The next poll: the same failure seen by another sender, and a healthy domain. No new finding.
      await deliver([
        ...writeDailyReports(folder('same'), {
          asOfDay: TODAY_DAY,
          domain: 'shop.example',
          sender: 'Microsoft Corporation',
          failing: mx2Expired,
        }),
        ...writeDailyReports(folder('healthy'), { asOfDay: TODAY_DAY, domain: 'other.example', sender: 'Yahoo' }),
      ]);
      await waitFor(() => imported() === 42 || sync.exitCode !== null, 'the next poll', 240_000);
    } finally {
      if (sync.exitCode === null) sync.kill('SIGTERM');
    }
    await waitFor(() => sync.exitCode !== null, 'sync to end', 240_000);
    expect(sync.exitCode, stderr).toBe(0);

    expect(hook.posts).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const body = hook.posts[0]?.body as { text: string; findings: HealthFinding[] };
    expect(body.findings.map((finding) => [finding.code, finding.domain, finding.mx, finding.resultType])).toEqual([
      ['mx-failing', 'shop.example', 'mx2.shop.example', 'certificate-expired'],
    ]);
    expect(body.text).toContain('TLS failing for shop.example');
    expect(mailHeader(smtp.messages[0]?.raw ?? '', 'Subject')).toBe(
      `TLS failing for shop.example: mx2.shop.example certificate-expired since ${date(TODAY_DAY - 4)}`,
    );
    expect(stderr).not.toContain(smtp.password);
    expect(stderr).not.toContain('s3cr3t-t0ken');
  });
});
