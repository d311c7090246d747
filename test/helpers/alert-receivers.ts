// Real receivers for the alerts a test makes the app send: an SMTP server
// (nodemailer's smtp-server, STARTTLS with a test certificate, sign-in only
// over TLS) that keeps the messages it accepts, and an HTTP server that keeps
// the webhook posts it gets. Both on loopback, on a port the system picks.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { issueServerCertificate, makeCa } from './test-ca.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Whether the session had switched to TLS (STARTTLS) when the message came. */
  secure: boolean;
  user: string | null;
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  /** The CA that issued the server's certificate, as PEM. */
  ca: string;
  user: string;
  password: string;
  messages: ReceivedMail[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(dir: string): Promise<SmtpReceiver> {
  makeCa(dir, 'ca', 'tlsrpt-viewer test CA');
  issueServerCertificate(dir, 'smtp', 'DNS:localhost,IP:127.0.0.1');
  const user = 'alerts@example.net';
  const password = 'smtp-s3cret-pw';
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    key: readFileSync(join(dir, 'smtp.key')),
    cert: readFileSync(join(dir, 'smtp.crt')),
    // AUTH only after STARTTLS: a client that did not upgrade cannot send.
    allowInsecureAuth: false,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((address) => address.address),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    user,
    password,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A header of a raw message, unfolded (RFC 5322 §2.2.3). */
export function mailHeader(raw: string, name: string): string | null {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((entry) => entry.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line === undefined ? null : line.slice(name.length + 1).trim();
}

/** The body of a raw text message, quoted-printable soft breaks joined. */
export function mailBody(raw: string): string {
  const body = raw
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join('\n\n');
  return body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export interface WebhookPost {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export interface WebhookReceiver {
  url: (path: string) => string;
  posts: WebhookPost[];
  /** How the next requests are answered: a status, or 'hang' (no answer until the receiver closes). */
  answer: number | 'hang';
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hanging: ServerResponse[] = [];
  const receiver: WebhookReceiver = {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    posts: [],
    answer: 200,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the test says what it expected.
      }
      receiver.posts.push({ path: request.url ?? '', contentType: request.headers['content-type'], body });
      if (receiver.answer === 'hang') {
        hanging.push(response);
        return;
      }
      response.writeHead(receiver.answer).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return receiver;
}

/** Waits for a condition, checking every 20 ms, up to a generous bound (no timing is asserted). */
export async function waitFor(condition: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
