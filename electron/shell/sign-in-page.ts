import type * as Electron from 'electron';
import type { MailboxStatus } from '../../shared/mailbox/account.js';

/**
 * An OAuth2 sign-in page may go to the system browser (RFC 8252 §8.12: not
 * in an embedded view, where the app could read what the user types) only
 * over http(s): the authorization endpoint is named by a provider's
 * metadata, and a `file:` or custom-scheme URL there must not start a
 * program. The normalised URL, or null.
 */
export function signInPageUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
}

/**
 * Opens sign-in pages in the system browser, and remembers when the system
 * refused, so the Mailboxes card can say so and show the address to copy
 * (the `browserRefused` of the OAuth status it polls) instead of waiting
 * for a sign-in that never started.
 *
 * A URL is opened only when the backend hands it out: in its answer to
 * `signInMailbox`, or as a mailbox's pending sign-in when the page asks to
 * open a link (the card's fallback link). Every other link the page asks
 * for is refused, so a report's text cannot start the browser.
 */
export class SignInPages {
  /** Why the system refused, by the URL it refused. */
  private readonly refused = new Map<string, string>();

  constructor(
    private readonly shell: Pick<Electron.Shell, 'openExternal'>,
    /** The mailboxes as the backend sees them now (their pending sign-in URLs). */
    private readonly mailboxes: () => Promise<readonly MailboxStatus[]>,
  ) {}

  /** After `signInMailbox`: opens the answer's URL; false when it names none that may be opened. */
  async openAnswer(answer: unknown): Promise<boolean> {
    const url = signInPageUrl((answer as { authorizationUrl?: unknown } | null)?.authorizationUrl);
    if (url === null) return false;
    await this.open(url);
    return true;
  }

  /** The page asked to open `url` in a new window: opened only when it is a pending sign-in. */
  async openRequested(url: string): Promise<boolean> {
    const normalised = signInPageUrl(url);
    if (normalised === null) return false;
    const pending = (await this.mailboxes()).some((status) => status.oauth?.pendingUrl === normalised);
    if (!pending) return false;
    await this.open(normalised);
    return true;
  }

  /** A `mailboxes` answer with each refusal on its mailbox's card; refusals of sign-ins no longer pending are dropped. */
  annotate(statuses: readonly MailboxStatus[]): MailboxStatus[] {
    const pending = new Set(statuses.map((status) => status.oauth?.pendingUrl).filter((url) => url != null));
    for (const url of this.refused.keys()) if (!pending.has(url)) this.refused.delete(url);
    return statuses.map((status) => {
      const refusal = status.oauth?.pendingUrl != null ? this.refused.get(status.oauth.pendingUrl) : undefined;
      return refusal === undefined || !status.oauth
        ? status
        : { ...status, oauth: { ...status.oauth, browserRefused: refusal } };
    });
  }

  private async open(url: string): Promise<void> {
    try {
      await this.shell.openExternal(url);
      this.refused.delete(url);
    } catch (error) {
      // Electron rejects with the platform's reason ("Failed to open path" on
      // Linux when xdg-open cannot be started, "Failed to open URL" on macOS).
      this.refused.set(url, error instanceof Error && error.message !== '' ? error.message : String(error));
    }
  }
}
