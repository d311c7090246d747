/** Where one policy domain's page is (route `/domains/:domain`). */
export function domainLink(domain: string): string {
  return `/domains/${encodeURIComponent(domain)}`;
}

/** The Policies page with a domain chosen. */
export function policiesLink(domain: string): string {
  return `/policies?domain=${encodeURIComponent(domain)}`;
}
