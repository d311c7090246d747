// `tlsrpt serve --receive`: real senders' reports POSTed over HTTP (RFC 8460
// §5.3) to a real serve process on loopback, and what it refuses and why.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { corpusReports } from '../helpers/files.js';
import { httpRequest, rawExchange, startServe, stopServe } from '../helpers/http-client.js';

const MAX_BYTES = 64 * 1024;
/** Two a minute: one token every 30 s, so a third request right after two is refused however slow the machine. */
const RATE = 2;

/** Real senders' reports, as they would POST them: gzip as application/tlsrpt+gzip, JSON as +json. */
const SENDERS = [
  { file: 'mail-tls-rpt__report.json.gz', organization: 'Google Inc.' },
  { file: 'neztore-tls-rpt-monitor__microsoft-report.json.gz', organization: 'Microsoft Corporation' },
  {
    file: 'extracted/mox__microsoft__microsoft.com!test.xmox.nl!1673308800!1673395199!133198585438131172.json.gz',
    organization: 'Microsoft Corporation',
    warnings: '2 warnings',
  },
  { file: 'parsedmarc__mail.ru.json', organization: 'Mail.ru', warnings: '1 warning' },
  { file: 'mta-sts-exporter__google.json', organization: 'Google Inc.' },
];

function typeOf(file: string): string {
  return file.endsWith('.gz') ? 'application/tlsrpt+gzip' : 'application/tlsrpt+json';
}

let dir = '';
let db = '';
let serve: Awaited<ReturnType<typeof startServe>>;
/** Each test's requests come from their own loopback address, so that only the rate test meets the limit. */
let nextHost = 10;
const fromNewAddress = (): string => `127.0.0.${nextHost++}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-receive-'));
  db = join(dir, 'r.sqlite');
  serve = await startServe([
    '--db',
    db,
    '--receive',
    '/tlsrpt',
    '--receive-max-bytes',
    String(MAX_BYTES),
    '--receive-rate',
    String(RATE),
  ]);
});

afterAll(async () => {
  expect(await stopServe(serve.child)).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

function post(body: Uint8Array | string, type: string, from = fromNewAddress(), extra: Record<string, string> = {}) {
  return httpRequest(`${serve.url}tlsrpt`, {
    method: 'POST',
    headers: { 'Content-Type': type, ...extra },
    body,
    from,
  });
}

function storedReports(): { organization: string; sourceKind: string; sourceRef: string }[] {
  const handle = new Database(db, { readonly: true });
  try {
    return handle
      .prepare(
        'SELECT organization_name AS organization, source_kind AS sourceKind, source_ref AS sourceRef FROM reports ORDER BY id',
      )
      .all() as { organization: string; sourceKind: string; sourceRef: string }[];
  } finally {
    handle.close();
  }
}

describe('tlsrpt serve --receive', () => {
  it('stores real senders’ reports with 201, and says what it stored', async () => {
    const before = storedReports().length;
    for (const sender of SENDERS) {
      const from = fromNewAddress();
      const answer = await post(readFileSync(join(corpusReports, sender.file)), typeOf(sender.file), from);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.text).toContain(`from ${sender.organization}`);
      if (sender.warnings) expect(answer.text).toContain(sender.warnings);
    }
    const stored = storedReports().slice(before);
    expect(stored.map((row) => row.organization)).toEqual(SENDERS.map((sender) => sender.organization));
    expect(
      stored.every((row) => row.sourceKind === 'upload' && /^https POST from 127\.0\.0\.\d+$/.test(row.sourceRef)),
    ).toBe(true);
  });

  it('answers 200 to a report already stored and stores it once', async () => {
    const body = readFileSync(join(corpusReports, 'mail-auth__rpt03.json'));
    const first = await post(body, 'application/tlsrpt+json');
    expect(first.status, first.text).toBe(201);
    const count = storedReports().length;
    const again = await post(body, 'application/tlsrpt+json');
    expect(again.status).toBe(200);
    expect(again.text).toContain('is already stored');
    expect(storedReports()).toHaveLength(count);
  });

  it('refuses a body over the limit by its Content-Length, before reading it', async () => {
    const count = storedReports().length;
    // The head promises a megabyte; none of it is sent, yet the answer comes, and the connection is closed.
    const { answer, closedByServer } = await rawExchange(
      serve.port,
      'POST /tlsrpt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/tlsrpt+gzip\r\n' +
        `Content-Length: ${1024 * 1024}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('the report is 1 MiB, over the 64.0 KiB limit');
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(closedByServer).toBe(true);
    expect(storedReports()).toHaveLength(count);
  });

  it('cuts off a chunked body once it passes the limit', async () => {
    const count = storedReports().length;
    const chunk = 'x'.repeat(16 * 1024);
    const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const { answer, closedByServer } = await rawExchange(
      serve.port,
      'POST /tlsrpt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/tlsrpt+json\r\nTransfer-Encoding: chunked\r\n\r\n',
      // 96 KiB of a body that never ends: the server stops reading at 64 KiB.
      chunks,
    );
    expect(closedByServer).toBe(true);
    // The socket may close before the answer gets through; when it does, it is the limit.
    if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 413 [^]*over the 64\.0 KiB limit/);
    expect(storedReports()).toHaveLength(count);
  });

  it('refuses other media types with 415 and names the right ones', async () => {
    const body = readFileSync(join(corpusReports, 'mail-tls-rpt__report.json.gz'));
    const answer = await post(body, 'application/octet-stream');
    expect(answer.status).toBe(415);
    expect(answer.text).toContain('application/tlsrpt+gzip or application/tlsrpt+json');
    const noType = await httpRequest(`${serve.url}tlsrpt`, { method: 'POST', body, from: fromNewAddress() });
    expect(noType.status).toBe(415);
    expect(noType.text).toContain('without a Content-Type');
  });

  it('answers 422 with the reason for a body that is no report', async () => {
    const answer = await post('{"organization-name": "Broken"}', 'application/tlsrpt+json');
    expect(answer.status).toBe(422);
    expect(answer.text).toMatch(/^not a valid TLS-RPT report: /);
    const get = await httpRequest(`${serve.url}tlsrpt`, { from: fromNewAddress() });
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
  });

  it('limits the rate per client address with 429 and Retry-After, and not other clients', async () => {
    const body = readFileSync(join(corpusReports, 'mail-tls-rpt__report.json.gz'));
    const flooder = fromNewAddress();
    const answers = [];
    for (let i = 0; i < RATE + 1; i += 1) answers.push(await post(body, 'application/tlsrpt+gzip', flooder));
    expect(answers.slice(0, RATE).map((answer) => answer.status)).toEqual([200, 200]);
    const refused = answers[RATE];
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused?.text).toContain(`too many reports from ${flooder}: at most ${RATE} a minute`);
    // Another sender is not held up by the first one's flood.
    expect((await post(body, 'application/tlsrpt+gzip')).status).toBe(200);
  });
});

describe('tlsrpt serve --receive options', () => {
  it('refuses a receiving path that is the UI’s or not a path', () => {
    for (const [path, message] of [
      ['/api/x', 'is a path of the UI or the metrics'],
      ['tlsrpt', 'takes a URL path such as /tlsrpt'],
    ] as const) {
      const result = runCli(['serve', '--receive', path, '--db', join(dir, 'o.sqlite')]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it('refuses --remote-ui without --allow-remote, and a user header without users', () => {
    const remote = runCli(['serve', '--receive', '/tlsrpt', '--remote-ui', '--db', join(dir, 'o.sqlite')]);
    expect(remote.status).toBe(2);
    expect(remote.stderr).toContain('--remote-ui only with --allow-remote');
    const header = runCli(['serve', '--trusted-user-header', 'X-Forwarded-Email', '--db', join(dir, 'o.sqlite')]);
    expect(header.status).toBe(2);
    expect(header.stderr).toContain('--trusted-user-header needs --allow-user');
  });
});
