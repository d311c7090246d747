import type * as Electron from 'electron';

/**
 * Opens an OAuth2 sign-in page in the system browser (RFC 8252 §8.12: not
 * in an embedded view, where the app could read what the user types). The
 * URL comes from the backend's answer to `signInMailbox`, never from the
 * page, and only http(s) is opened: the authorization endpoint is named by
 * a provider's metadata, and a `file:` or custom-scheme URL there must not
 * start a program.
 */
export function openSignInPage(shell: Pick<Electron.Shell, 'openExternal'>, answer: unknown): boolean {
  const url = (answer as { authorizationUrl?: unknown } | null)?.authorizationUrl;
  if (typeof url !== 'string') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  shell.openExternal(parsed.href).catch(() => undefined);
  return true;
}
