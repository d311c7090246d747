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

/**
 * The same policy for a `<meta>` element, which cannot carry frame-ancestors
 * (CSP 3 §6.4.2: ignored there, and Chromium logs an error on every load);
 * the HTTP header and the desktop app's protocol handler send it.
 */
export const META_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ');
