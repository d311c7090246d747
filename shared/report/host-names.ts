/** Domain and host names compare case-insensitively and with or without the root dot (RFC 4343, RFC 1034 §3.1). */
export function normalizeDomainName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
