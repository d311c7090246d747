/**
 * The Content-Security-Policy of every page of the UI, in Electron and in
 * serve mode. Report fields are attacker-controlled, so the page may run
 * only its own script: no inline script, no eval, no remote origin, no
 * plugins, no framing, no form posts.
 *
 * `style-src 'unsafe-inline'` is absent too: React and the chart library set
 * styles through the CSSOM, which CSP does not restrict.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
