import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Who may use the UI and the API. The report receiver answers everyone the
 * server is reachable by; everything else has no login of its own, so it
 * answers this machine, or, when asked, other machines through a reverse
 * proxy that signs users in and names them in a header.
 */
export interface AccessOptions {
  /** Peers that are not this machine reach the UI and API too (else only the receiver answers them). */
  remoteUi: boolean;
  /**
   * `--trusted-user-header NAME --allow-user a@b,…`: every UI and API request
   * must carry the header with one of these users, as set by the proxy.
   */
  trustedUser?: { header: string; allowed: readonly string[] };
  /**
   * `--public-url`: the origin a sign-in proxy serves the UI at (https://tlsrpt.example.com). The
   * browser names it in Host and Origin; the proxy passes them on, and this server takes them as its own.
   */
  publicOrigin?: string;
  /** Which peer addresses are this machine: loopback (the default). */
  isLocal?: (address: string) => boolean;
}

export interface AccessRefusal {
  status: number;
  message: string;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.toLowerCase().replace(/^::ffff:/, '');
  return bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** Why a UI or API request is refused, or null when it may go on. */
export function refusedAccess(request: IncomingMessage, access: AccessOptions | undefined): AccessRefusal | null {
  if (!access) return null;
  const peer = request.socket.remoteAddress ?? '';
  const local = (access.isLocal ?? isLoopbackAddress)(peer);
  if (!local && !access.remoteUi) {
    return {
      status: 403,
      message:
        'From other machines this server answers only its report receiving path. The UI and the API are for this ' +
        'machine; to open them from others, put a proxy that signs users in before it (see --trusted-user-header).',
    };
  }
  const trusted = access.trustedUser;
  if (!trusted) return null;
  const value = request.headers[trusted.header.toLowerCase()];
  const user = (Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value)?.trim() ?? '';
  if (user === '') {
    return {
      status: 401,
      message: `Sign in first: this server takes requests only through its sign-in proxy, which names the user in ${trusted.header}.`,
    };
  }
  const wanted = user.toLowerCase();
  if (!trusted.allowed.some((allowed) => allowed.toLowerCase() === wanted)) {
    return { status: 403, message: `${user.slice(0, 200)} is not among the users allowed here (--allow-user).` };
  }
  return null;
}

/**
 * The address a request comes from, for the receiver's rate limit: the peer,
 * or, when the peer is this machine's reverse proxy, the address the proxy
 * received it from (the last entry of X-Forwarded-For, which it appends). A
 * peer on another machine could write any X-Forwarded-For, so its own is taken.
 */
export function clientAddress(
  request: IncomingMessage,
  isLocal: (address: string) => boolean = isLoopbackAddress,
): string {
  const peer = (request.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/i, '');
  if (!isLocal(peer)) return peer;
  const forwarded = request.headers['x-forwarded-for'];
  const list = Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '');
  const last = list.split(',').pop()?.trim() ?? '';
  return isIP(last) === 0 ? peer : last;
}
