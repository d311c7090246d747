import { isIP } from 'node:net';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';
import { isLoopbackHost, type MailboxAccount } from '../../../shared/mailbox/account.js';
import { MAX_CA_FILE_BYTES, readRegularFile } from '../files/regular-file.js';
import { MAX_INPUT_FILE_BYTES, formatBytes } from '../import/limits.js';

/** A connection problem in words a postmaster can act on; it never carries the secret. */
export class ImapConnectionError extends Error {
  override name = 'ImapConnectionError';
  /**
   * The server refused the credentials: trying again with the same ones
   * only repeats the refusal (and may get the account locked), so a sync
   * stops instead of retrying.
   */
  readonly authenticationFailed: boolean;
  /** With OAuth2: the provider refused the refresh token too; only a new sign-in helps. */
  readonly signInRequired: boolean;

  constructor(message: string, options: { authenticationFailed?: boolean; signInRequired?: boolean } = {}) {
    super(message);
    this.authenticationFailed = options.authenticationFailed ?? false;
    this.signInRequired = options.signInRequired ?? false;
  }
}

export type ImapServer = Pick<MailboxAccount, 'host' | 'port' | 'security' | 'user' | 'auth' | 'caFile'>;

/** `user@host:port`: the key under which a mailbox's progress is kept. */
export function accountKey(server: ImapServer): string {
  return `${server.user}@${server.host}:${server.port}`;
}

/** RFC 5092 URL of one message, stored as the source of the reports it carried. */
export function messageUrl(server: ImapServer, mailbox: string, uidValidity: string, uid: number): string {
  const host = server.host.includes(':') && !server.host.startsWith('[') ? `[${server.host}]` : server.host;
  return `imap://${encodeURIComponent(server.user)}@${host}:${server.port}/${encodeURIComponent(mailbox)};UIDVALIDITY=${uidValidity}/;UID=${uid}`;
}

/**
 * TLS options: certificates are always verified. A private CA is added to
 * the system's trusted ones, never in place of verification.
 */
function tlsOptions(server: ImapServer): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: true, minVersion: 'TLSv1.2' };
  if (isIP(server.host.replace(/^\[|\]$/g, '')) === 0) options.servername = server.host;
  if (server.caFile !== null) {
    let pem: string;
    try {
      pem = readRegularFile(server.caFile, MAX_CA_FILE_BYTES).toString('utf8');
    } catch (error) {
      throw new ImapConnectionError(
        `cannot read the CA file ${server.caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    options.ca = [...rootCertificates, pem];
  }
  return options;
}

/**
 * What one server response may make us hold. imapflow's defaults (1 GiB a
 * literal, 2 GiB a response, 1 GiB a line) let a hostile server take 3.8 GB
 * with three 900 MiB literals announced as 3 KB messages, or 1.14 GB with a
 * line that never ends. A literal is one message, which the import takes up
 * to MAX_INPUT_FILE_BYTES; no line a sync reads (a FETCH of sizes, a LIST
 * entry) comes near 1 MiB.
 */
const IMAP_RESPONSE_LIMITS = {
  maxLiteralSize: MAX_INPUT_FILE_BYTES,
  maxResponseSize: MAX_INPUT_FILE_BYTES + 1024 * 1024,
  maxLineLength: 1024 * 1024,
};

const lastErrors = new WeakMap<ImapFlow, unknown>();

/** Why the connection ended, when the server's input did it (a response over the limits); else `error`. */
export function connectionFailure(client: ImapFlow, error: unknown): unknown {
  return (error as { code?: string } | undefined)?.code === 'NoConnection' ? (lastErrors.get(client) ?? error) : error;
}

/** Opens and authenticates an IMAP connection; failures become {@link ImapConnectionError}. */
export async function connectImap(server: ImapServer, secret: string): Promise<ImapFlow> {
  if (server.security === 'plain' && !isLoopbackHost(server.host)) {
    throw new ImapConnectionError(
      `refusing to send the ${server.auth === 'password' ? 'password' : 'access token'} to ${server.host} without TLS; ` +
        'plain IMAP is allowed only to this machine (localhost)',
    );
  }
  const client = new ImapFlow({
    host: server.host.replace(/^\[|\]$/g, ''),
    port: server.port,
    secure: server.security === 'tls',
    doSTARTTLS: server.security === 'starttls' ? true : server.security === 'plain' ? false : undefined,
    // imapflow authenticates a token with OAUTHBEARER (RFC 7628) where the server offers it, else XOAUTH2.
    auth: server.auth === 'password' ? { user: server.user, pass: secret } : { user: server.user, accessToken: secret },
    tls: tlsOptions(server),
    logger: false,
    ...IMAP_RESPONSE_LIMITS,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 10 * 60_000,
    // imapflow starts IDLE after this long without commands (15 s by default); new reports
    // should show within seconds, and a sync's own commands follow each other closer than this.
    autoIdleDelay: 2000,
  });
  // Errors also arrive as events; without a listener Node would end the process. A response over the limits
  // ends the connection, and the command under way then fails only with "connection not available": the
  // event keeps the reason.
  client.on('error', (error: unknown) => {
    if (!lastErrors.has(client)) lastErrors.set(client, error);
  });
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw new ImapConnectionError(describeImapError(error, server, secret), {
      authenticationFailed: (error as { authenticationFailed?: boolean } | undefined)?.authenticationFailed === true,
    });
  }
  return client;
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

/** One line for a failed IMAP operation, with the secret scrubbed whatever the library put in the message. */
export function describeImapError(error: unknown, server: ImapServer, secret = ''): string {
  const failure = error as
    (NodeJS.ErrnoException & { authenticationFailed?: boolean; responseText?: string }) | undefined;
  const where = `${server.host}:${server.port}`;
  let text: string;
  if (error instanceof ImapConnectionError) {
    // Already in words (connectImap described it): describing it again would say "IMAP error from X" twice.
    text = error.message;
  } else if (failure?.authenticationFailed) {
    text = `authentication failed for ${server.user} at ${where}: the server rejected the user name or ${server.auth === 'password' ? 'password' : 'access token'}`;
  } else if (failure?.code !== undefined && UNTRUSTED.has(failure.code)) {
    text = `the certificate of ${where} is not trusted (${failure.code}); if the server uses a private CA, add it with --ca FILE (or in the account's settings)`;
  } else if (failure?.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    text = `the certificate of ${where} is not issued for ${server.host}`;
  } else if (failure?.code === 'CERT_HAS_EXPIRED') {
    text = `the certificate of ${where} has expired`;
  } else if (failure?.code === 'ECONNREFUSED') {
    text = `cannot connect to ${where}: connection refused (is the port right?)`;
  } else if (failure?.code === 'ENOTFOUND' || failure?.code === 'EAI_AGAIN') {
    text = `cannot find the host ${server.host}`;
  } else if (
    failure?.code === 'ETIMEDOUT' ||
    failure?.code === 'CONNECT_TIMEOUT' ||
    failure?.code === 'GREETING_TIMEOUT'
  ) {
    text = `no answer from ${where} (timed out)`;
  } else if (failure?.code === 'LiteralTooLarge' || failure?.code === 'ResponseTooLarge') {
    text = `${where} sent a response over the ${formatBytes(IMAP_RESPONSE_LIMITS.maxLiteralSize)} a message may have; the sync stopped`;
  } else if (failure?.code === 'LineTooLarge') {
    text = `${where} sent a line over ${formatBytes(IMAP_RESPONSE_LIMITS.maxLineLength)} without its end; the sync stopped`;
  } else if (failure?.code === 'ECONNRESET' || failure?.code === 'NoConnection' || failure?.code === 'EPIPE') {
    text = `the connection to ${where} was cut`;
  } else {
    const detail = failure?.responseText ?? (error instanceof Error ? error.message : String(error));
    text = `IMAP error from ${where}: ${detail}`;
  }
  return secret.length >= 3 ? text.split(secret).join('***') : text;
}
