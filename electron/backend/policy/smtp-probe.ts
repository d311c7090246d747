import { Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { MAX_CHAIN_CERTIFICATES } from '../../../shared/policy/mx-check.js';

/**
 * One SMTP session to one address of an MX host, as a sender opens it and no
 * further: banner, EHLO, STARTTLS, the TLS handshake, QUIT. No MAIL FROM is
 * ever sent, so no mail can be delivered. Everything the server says is
 * bounded: the lines of a reply, their length, and the whole session's time.
 */
export interface SmtpProbeResult {
  starttls: boolean;
  tlsVersion: string | null;
  cipher: string | null;
  /** Leaf first, at most MAX_CHAIN_CERTIFICATES; empty without TLS. */
  chain: Buffer[];
  /** Verified against the CAs given (the system's roots by default); the OpenSSL reason when not. */
  authorized: boolean;
  authorizationError: string | null;
}

export interface SmtpProbeOptions {
  address: string;
  port: number;
  /** The MX host name, sent as SNI (RFC 7672 §8.1 asks DANE senders to send it). */
  servername: string;
  /** Trusted CAs (PEM), the system's roots when undefined. */
  ca: string[] | undefined;
  /** The whole session's limit: connect, dialogue and handshake. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** RFC 5321 §4.5.3.1.5 caps a reply line at 512 octets; some servers send longer, none sends 4 KiB. */
const MAX_LINE_BYTES = 4096;
/** An EHLO answer lists a dozen extensions; 100 lines is a server trying to exhaust us. */
const MAX_REPLY_LINES = 100;

class SmtpProbeError extends Error {}

/** Reads SMTP replies (RFC 5321 §4.2: `250-…` continues, `250 …` ends) from a plain socket, within the caps. */
class ReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: string[][] = [];
  private waiting: { resolve: (lines: string[]) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer += chunk.toString('latin1');
    this.drain();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('close', () => {
      this.fail(new SmtpProbeError('the server closed the connection'));
    });
  }

  /** Hands the socket to TLS. Bytes already read past the last reply would be plaintext injected before TLS (CVE-2011-0411). */
  detach(): void {
    this.socket.off('data', this.onData);
    if (this.buffer.length > 0 || this.replies.length > 0) {
      throw new SmtpProbeError('the server sent data after its STARTTLS answer, before TLS: refused');
    }
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.waiting?.reject(error);
    this.waiting = null;
  }

  private drain(): void {
    for (;;) {
      const end = this.buffer.indexOf('\n');
      const line = end < 0 ? null : this.buffer.slice(0, end).replace(/\r$/, '');
      if ((line ?? this.buffer).length > MAX_LINE_BYTES) {
        this.fail(new SmtpProbeError(`a reply line over ${MAX_LINE_BYTES} bytes`));
        return;
      }
      if (line === null) return;
      this.buffer = this.buffer.slice(end + 1);
      this.lines.push(line);
      if (this.lines.length > MAX_REPLY_LINES) {
        this.fail(new SmtpProbeError(`a reply of over ${MAX_REPLY_LINES} lines`));
        return;
      }
      if (/^\d{3}-/.test(line)) continue;
      this.replies.push(this.lines);
      this.lines = [];
      this.deliver();
    }
  }

  private deliver(): void {
    const reply = this.replies[0];
    if (this.waiting && reply) {
      this.replies.shift();
      this.waiting.resolve(reply);
      this.waiting = null;
    }
  }

  next(): Promise<string[]> {
    const reply = this.replies.shift();
    if (reply) return Promise.resolve(reply);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}

function replyCode(lines: string[]): number {
  return Number(/^(\d{3})/.exec(lines.at(-1) ?? '')?.[1] ?? 0);
}

/** Walks the issuer links Node gives, leaf first, stopping at a self-signed root or the cap. */
function chainOf(leaf: DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  // Node's types promise an issuer and DER everywhere; at the chain's end, or with no certificate, there are none.
  let cert = leaf as Partial<DetailedPeerCertificate> | undefined;
  while (cert?.raw && chain.length < MAX_CHAIN_CERTIFICATES) {
    chain.push(cert.raw);
    if (cert.issuerCertificate === cert) break;
    cert = cert.issuerCertificate;
  }
  return chain;
}

export function probeSmtp(options: SmtpProbeOptions): Promise<SmtpProbeResult> {
  const socket = new Socket();
  let tls: TLSSocket | null = null;
  const reader = new ReplyReader(socket);
  const where = `${options.address}:${options.port}`;
  const stop = (reason: string): void => {
    const error = new SmtpProbeError(reason);
    reader.fail(error);
    tls?.destroy(error);
    socket.destroy();
  };
  const onAbort = (): void => {
    stop(`the check's deadline passed during the session with ${where}`);
  };
  const session = async (): Promise<SmtpProbeResult> => {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(options.port, options.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => {
      reader.fail(error);
    });
    const banner = await reader.next();
    if (replyCode(banner) !== 220) throw new SmtpProbeError(`the banner is not 220: ${banner.at(-1) ?? ''}`);
    // An address literal names us without giving away the local host name (RFC 5321 §4.1.3).
    const local = socket.localAddress ?? '127.0.0.1';
    socket.write(`EHLO [${local.includes(':') ? `IPv6:${local}` : local}]\r\n`);
    const ehlo = await reader.next();
    if (replyCode(ehlo) !== 250) throw new SmtpProbeError(`EHLO refused: ${ehlo.at(-1) ?? ''}`);
    const offersStarttls = ehlo.slice(1).some((line) => /^250[- ]STARTTLS\s*$/i.test(line));
    if (!offersStarttls) {
      socket.write('QUIT\r\n');
      socket.end();
      return {
        starttls: false,
        tlsVersion: null,
        cipher: null,
        chain: [],
        authorized: false,
        authorizationError: null,
      };
    }
    socket.write('STARTTLS\r\n');
    const ready = await reader.next();
    if (replyCode(ready) !== 220) throw new SmtpProbeError(`STARTTLS refused: ${ready.at(-1) ?? ''}`);
    reader.detach();
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const upgraded = tlsConnect({
        socket,
        servername: options.servername,
        ca: options.ca,
        // Judged below and reported, not refused: the point is to say what is wrong.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      tls = upgraded;
      upgraded.once('secureConnect', () => {
        resolve(upgraded);
      });
      upgraded.once('error', reject);
    });
    const result: SmtpProbeResult = {
      starttls: true,
      tlsVersion: secure.getProtocol(),
      cipher: secure.getCipher().name,
      chain: chainOf(secure.getPeerCertificate(true)),
      authorized: secure.authorized,
      authorizationError: secure.authorized ? null : String(secure.authorizationError),
    };
    // RFC 3207 §4.2 wants EHLO again before mail; we send none, so QUIT at once.
    secure.on('error', () => undefined);
    secure.end('QUIT\r\n');
    return result;
  };
  if (options.signal.aborted) return Promise.reject(new SmtpProbeError(`the check's deadline passed before ${where}`));
  options.signal.addEventListener('abort', onAbort);
  const timer = setTimeout(() => {
    stop(`no complete answer from ${where} within ${options.timeoutMs / 1000} s`);
  }, options.timeoutMs);
  return session().finally(() => {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    setTimeout(() => {
      socket.destroy();
    }, 1000).unref();
  });
}
