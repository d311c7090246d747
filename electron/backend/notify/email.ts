// New findings sent by e-mail over SMTP, with nodemailer: STARTTLS whenever
// the server offers it (nodemailer's default for smtp://), TLS from the start
// for smtps://, the certificate always verified.
import { createTransport, type Transporter } from 'nodemailer';
import { noticeText, noticeTitle, type FindingsNotice } from '../../../shared/health/notice.js';
import type { FindingSink } from './finding-notifier.js';

/** The URL of --smtp, checked; the message never repeats it (it may hold a password). */
export function parseSmtpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('--smtp takes a URL like smtp://user:password@mail.example.com:587; the one given does not parse');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`--smtp takes an smtp:// or smtps:// URL, not ${url.protocol}`);
  if (url.hostname === '') throw new Error('--smtp names no server');
  return url;
}

/** The server as it may be shown: no user, no password. */
function redactedSmtp(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

export interface EmailOptions {
  to: string;
  from: string;
  smtp: URL;
  /** PEM CAs to trust beside the system's (a private mail server). */
  ca?: string;
  /** Connection, greeting and idle socket timeouts. */
  timeoutMs?: number;
}

function emailSubject(notice: FindingsNotice): string {
  const [first] = notice.findings;
  if (notice.findings.length === 1 && first) {
    const host = first.mx === null ? '' : `: ${first.mx}`;
    const since = first.firstSeen === null ? '' : ` since ${first.firstSeen}`;
    return `${noticeTitle(notice.findings)}${host}${first.resultType === null ? '' : ` ${first.resultType}`}${since}`;
  }
  return noticeTitle(notice.findings);
}

function emailBody(notice: FindingsNotice): string {
  const domains = [...new Set(notice.findings.map((finding) => finding.domain))];
  return [
    noticeText(notice),
    '',
    'Open the domain in tlsrpt-viewer for the evidence, or run:',
    ...domains.map((domain) => `  tlsrpt check --domain ${domain}`),
    '',
    'Each finding is sent once, when the reports first show it; `tlsrpt check` lists every finding still raised.',
  ].join('\n');
}

export class EmailSink implements FindingSink {
  readonly describe: string;
  private readonly transport: Transporter;
  private readonly secrets: string[];

  constructor(private readonly options: EmailOptions) {
    const { smtp } = options;
    this.describe = `${options.to} by e-mail through ${redactedSmtp(smtp)}`;
    const timeout = options.timeoutMs ?? 30_000;
    const user = decodeURIComponent(smtp.username);
    const pass = decodeURIComponent(smtp.password);
    this.secrets = [pass, smtp.password].filter((secret) => secret !== '');
    this.transport = createTransport({
      host: smtp.hostname,
      port: smtp.port === '' ? (smtp.protocol === 'smtps:' ? 465 : 587) : Number(smtp.port),
      secure: smtp.protocol === 'smtps:',
      ...(user !== '' ? { auth: { user, pass } } : {}),
      tls: options.ca === undefined ? {} : { ca: options.ca },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // nodemailer's logger would print the session, credentials included.
      logger: false,
      debug: false,
    });
  }

  async deliver(notice: FindingsNotice): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: this.options.to,
        subject: emailSubject(notice),
        text: emailBody(notice),
      });
    } catch (error) {
      // The cause is left out on purpose: nodemailer's error may quote the session, credentials included.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(this.withoutSecrets(describeSmtpError(error)));
    }
  }

  close(): void {
    this.transport.close();
  }

  private withoutSecrets(text: string): string {
    return this.secrets.reduce((shown, secret) => shown.split(secret).join('…'), text);
  }
}

/** nodemailer's error codes, in words; the server's own answer kept where it has one. */
function describeSmtpError(error: unknown): string {
  const { code, response, message } = (error ?? {}) as { code?: string; response?: string; message?: string };
  if (code === 'EAUTH') return `the server refused the sign-in${response ? ` (${response})` : ''}`;
  if (code === 'ETIMEDOUT') return 'the server did not answer in time';
  if (code === 'ESOCKET' || code === 'ECONNECTION') {
    if (message !== undefined && /certificate|self[- ]signed/i.test(message))
      return `the server's TLS certificate was refused (${message}); name its CA with --smtp-ca`;
    return `could not connect (${message ?? code})`;
  }
  if (code === 'EENVELOPE') return `the server refused the addresses${response ? ` (${response})` : ''}`;
  return message ?? String(error);
}
