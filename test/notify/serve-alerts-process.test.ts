// The built `tlsrpt serve` as a process, with --notify-webhook and
// --notify-email --smtp: reports uploaded through its API that make a new
// error finding are sent once to a real webhook receiver and a real SMTP
// server; a second batch without a new finding sends nothing. The counts are
// read after the process has ended: serve waits for every delivery under way
// before it exits, so nothing can still be on its way.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_NAME_HEADER } from '../../shared/api/upload.js';
import type { HealthFinding } from '../../shared/health/findings.js';
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
import { cliPath } from '../helpers/cli.js';

// The process judges as of its own today: the reports are dated before it.
const TODAY_DAY = Math.floor(Date.now() / 86_400_000);
const date = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
const HOOK_PATH = '/hooks/s3cr3t-t0ken';

let dir: string;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;
let serve: ChildProcessWithoutNullStreams;
let base: string;
let stderr = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-serve-alerts-'));
  [smtp, hook] = await Promise.all([startSmtpReceiver(dir), startWebhookReceiver()]);
  writeFileSync(join(dir, 'smtp-ca.pem'), smtp.ca);
  serve = spawn(
    process.execPath,
    [
      cliPath,
      'serve',
      '--port',
      '0',
      '--db',
      join(dir, 'reports.sqlite'),
      '--notify-webhook',
      hook.url(HOOK_PATH),
      '--notify-email',
      'postmaster@shop.example',
      '--smtp',
      `smtp://${encodeURIComponent(smtp.user)}@127.0.0.1:${smtp.port}`,
      '--smtp-password-env',
      'TEST_SMTP_PASSWORD',
      '--smtp-ca',
      join(dir, 'smtp-ca.pem'),
    ],
    { env: { ...process.env, TLSRPT_DB: '', TEST_SMTP_PASSWORD: smtp.password } },
  );
  let stdout = '';
  serve.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  serve.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => /serving (http:\/\/127\.0\.0\.1:\d+\/)/.test(stdout) || serve.exitCode !== null, 'serve');
  base = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1] ?? '';
  expect(base, stderr).not.toBe('');
});

afterAll(async () => {
  if (serve.exitCode === null) serve.kill('SIGTERM');
  await Promise.all([smtp.close(), hook.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function call<T>(method: string, params: unknown): Promise<T> {
  const reply = await fetch(`${base}api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(params),
  });
  const answer = (await reply.json()) as { ok: boolean; value: T; error?: unknown };
  if (!answer.ok) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.value;
}

/** Uploads the files as the browser does, imports them, and waits for the import to end. */
async function uploadAndImport(paths: string[]): Promise<void> {
  const uploads: string[] = [];
  for (const path of paths) {
    const reply = await fetch(`${base}api/upload`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', [UPLOAD_NAME_HEADER]: encodeURIComponent(basename(path)) },
      body: readFileSync(path),
    });
    expect(reply.status).toBe(200);
    uploads.push(((await reply.json()) as { value: { uploadId: string } }).value.uploadId);
  }
  const { jobId } = await call<{ jobId: string }>('startImport', { uploads });
  let done = false;
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    done = (await call<{ done: boolean }>('importStatus', { jobId, since: 0 })).done;
  }
}

function folder(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

const mx2Expired = (offset: number) =>
  offset <= 4 ? { resultType: 'certificate-expired', mx: 'mx2.shop.example', failed: 30 } : null;

describe('tlsrpt serve --notify-webhook --notify-email', () => {
  it('sends a new error finding once by webhook and by e-mail, and nothing for a batch without one', async () => {
    await uploadAndImport(
      writeDailyReports(folder('first'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Google Inc.',
        failing: mx2Expired,
      }),
    );
    await waitFor(() => hook.posts.length > 0 && smtp.messages.length > 0, 'the first alerts');

    // The next batch: the same failure seen by another sender, and a healthy domain. No new finding.
    await uploadAndImport([
      ...writeDailyReports(folder('same'), {
        asOfDay: TODAY_DAY,
        domain: 'shop.example',
        sender: 'Microsoft Corporation',
        failing: mx2Expired,
      }),
      ...writeDailyReports(folder('healthy'), { asOfDay: TODAY_DAY, domain: 'other.example', sender: 'Yahoo' }),
    ]);
    serve.kill('SIGTERM');
    await waitFor(() => serve.exitCode !== null, 'serve to end');
    expect(serve.exitCode, stderr).toBe(0);

    expect(hook.posts).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const post = hook.posts[0];
    expect(post?.path).toBe(HOOK_PATH);
    expect(post?.contentType).toMatch(/^application\/json/);
    const body = post?.body as { source: string; text: string; asOf: string; findings: HealthFinding[] };
    // A run that crosses UTC midnight judges as of the next day: both are right.
    const endDay = Math.floor(Date.now() / 86_400_000);
    expect([date(TODAY_DAY), date(endDay)]).toContain(body.asOf);
    expect(body.findings).toHaveLength(1);
    expect(body.findings[0]).toMatchObject({
      severity: 'error',
      code: 'mx-failing',
      domain: 'shop.example',
      mx: 'mx2.shop.example',
      resultType: 'certificate-expired',
      firstSeen: date(TODAY_DAY - 4),
    });
    // Slack and Teams incoming webhooks show `text`.
    expect(body.text).toContain('TLS failing for shop.example');
    expect(body.text).toContain('mx2.shop.example');

    const mail = smtp.messages[0];
    expect(mail?.secure).toBe(true);
    expect(mail?.user).toBe(smtp.user);
    expect(mail?.to).toEqual(['postmaster@shop.example']);
    expect(mailHeader(mail?.raw ?? '', 'Subject')).toBe(
      `TLS failing for shop.example: mx2.shop.example certificate-expired since ${date(TODAY_DAY - 4)}`,
    );
    expect(mailBody(mail?.raw ?? '')).toContain('tlsrpt check --domain shop.example');
    // Neither the password nor the webhook's token is written out.
    expect(stderr).not.toContain(smtp.password);
    expect(stderr).not.toContain('s3cr3t-t0ken');
  });
});
