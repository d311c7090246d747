// The options that run serve (and sync) as a service for a team: receiving
// reports over HTTPS, a login through a proxy, and Prometheus metrics.
import type { AccessOptions } from '../backend/serve/access.js';
import { UsageError, stringOption, type OptionValues } from './usage.js';

/** A listener of its own for `GET /metrics`: sync's only one, serve's for a Prometheus on another machine. */
export const METRICS_LISTEN_OPTIONS = {
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
} as const;

export const RECEIVE_OPTIONS = {
  receive: { type: 'string' },
  'receive-max-bytes': { type: 'string' },
  'receive-rate': { type: 'string' },
  'receive-concurrency': { type: 'string' },
  'remote-ui': { type: 'boolean' },
  'trusted-user-header': { type: 'string' },
  'allow-user': { type: 'string', multiple: true },
  'public-url': { type: 'string' },
  metrics: { type: 'boolean' },
  ...METRICS_LISTEN_OPTIONS,
} as const;

/** `--metrics-port N [--metrics-host ADDR]` (loopback by default), or null without it. */
export function metricsListenFrom(values: OptionValues): { host: string; port: number } | null {
  const portText = stringOption(values, 'metrics-port');
  const host = stringOption(values, 'metrics-host');
  if (portText === undefined) {
    if (host !== undefined) throw new UsageError('--metrics-host only with --metrics-port');
    return null;
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--metrics-port takes a number from 0 to 65535, got "${portText}"`);
  return { host: host ?? '127.0.0.1', port };
}

export interface ReceiveSettings {
  path: string;
  maxBytes: number | undefined;
  ratePerMinute: number | undefined;
  maxConcurrent: number | undefined;
}

/** `--receive PATH` and its bounds, or null without it. */
export function receiveSettings(values: OptionValues): ReceiveSettings | null {
  const path = stringOption(values, 'receive');
  const bounds = ['receive-max-bytes', 'receive-rate', 'receive-concurrency'].filter(
    (name) => values[name] !== undefined,
  );
  if (path === undefined) {
    if (bounds.length > 0) throw new UsageError(`--${bounds.join(', --')} only with --receive PATH`);
    return null;
  }
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(path) || path.includes('//')) {
    throw new UsageError(`--receive takes a URL path such as /tlsrpt, got "${path}"`);
  }
  if (path === '/' || path === '/metrics' || path.startsWith('/api/') || path.startsWith('/assets/')) {
    throw new UsageError(`--receive ${path} is a path of the UI or the metrics; choose another, such as /tlsrpt`);
  }
  return {
    path,
    maxBytes: positive(values, 'receive-max-bytes', 1024 * 1024 * 1024),
    ratePerMinute: positive(values, 'receive-rate', 1_000_000),
    maxConcurrent: positive(values, 'receive-concurrency', 1000),
  };
}

/**
 * Who may use the UI and the API. With --receive and --allow-remote, other
 * machines reach only the receiver unless --remote-ui; without --receive,
 * --allow-remote serves the UI to them, as it always did.
 */
export function accessSettings(values: OptionValues, receiving: boolean): AccessOptions {
  const allowRemote = values['allow-remote'] === true;
  const remoteUi = values['remote-ui'] === true;
  if (remoteUi && !allowRemote) throw new UsageError('--remote-ui only with --allow-remote');
  const header = stringOption(values, 'trusted-user-header');
  const users = (Array.isArray(values['allow-user']) ? values['allow-user'] : [])
    .filter((entry): entry is string => typeof entry === 'string')
    .flatMap((entry) => entry.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (header === undefined && users.length > 0) throw new UsageError('--allow-user only with --trusted-user-header');
  if (header !== undefined) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) {
      throw new UsageError(`--trusted-user-header takes a header name such as X-Forwarded-Email, got "${header}"`);
    }
    if (users.length === 0) throw new UsageError('--trusted-user-header needs --allow-user with the users to let in');
  }
  const publicUrl = stringOption(values, 'public-url');
  let publicOrigin: string | undefined;
  if (publicUrl !== undefined) {
    let parsed: URL | null;
    try {
      parsed = new URL(publicUrl);
    } catch {
      parsed = null;
    }
    if (parsed === null || !/^https?:$/.test(parsed.protocol) || parsed.pathname !== '/' || parsed.search !== '') {
      throw new UsageError(
        `--public-url takes the proxy's origin, such as https://tlsrpt.example.com, got "${publicUrl}"`,
      );
    }
    publicOrigin = parsed.origin;
  }
  return {
    remoteUi: !receiving || remoteUi,
    ...(header === undefined ? {} : { trustedUser: { header, allowed: users } }),
    ...(publicOrigin === undefined ? {} : { publicOrigin }),
  };
}

function positive(values: OptionValues, name: string, max: number): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new UsageError(`--${name} takes a whole number from 1 to ${max}, got "${text}"`);
  }
  return value;
}
