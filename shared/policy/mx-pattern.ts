// The npm package, not Node's deprecated built-in of the same name: this runs in the browser too.
import punycode from 'punycode/punycode.js';
import { normalizeDomainName } from '../report/host-names.js';

/**
 * RFC 8461 §4.1: an MX host matches a policy `mx` pattern when they are
 * equal, or when the pattern is `*.` and a domain and the host is exactly
 * one label followed by that domain. Case does not matter, nor a final dot.
 */
export function normalizeHost(host: string): string {
  const name = normalizeDomainName(host);
  // U-labels (münchen.example) and A-labels (xn--mnchen-3ya.example) name the same host.
  try {
    return punycode.toASCII(name).toLowerCase();
  } catch {
    return name;
  }
}

export function mxMatchesPattern(host: string, pattern: string): boolean {
  const mx = normalizeHost(host);
  const want = normalizeHost(pattern);
  if (mx === '' || want === '') return false;
  if (!want.startsWith('*.')) return mx === want;
  const suffix = want.slice(1); // ".example.com"
  if (!mx.endsWith(suffix)) return false;
  const label = mx.slice(0, mx.length - suffix.length);
  // The wildcard stands for exactly one whole, non-empty label.
  return label !== '' && !label.includes('.') && label !== '*';
}

export function mxMatchesAny(host: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => mxMatchesPattern(host, pattern));
}
