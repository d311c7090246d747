// OAuth 2.0 sign-in for mailboxes at Microsoft 365, Google Workspace or any
// OpenID provider (RFC 8252: authorization code with PKCE through the system
// browser and a loopback redirect). Pure data: the presets and the settings
// a mailbox keeps. No token is ever part of them.

export type OAuthProviderKind = 'microsoft' | 'google' | 'issuer';

export interface OAuthSettings {
  provider: OAuthProviderKind;
  /** The application (client) ID the admin registered. */
  clientId: string;
  /**
   * Google issues a "secret" to desktop clients that it documents as not
   * confidential (it ships inside every copy of an installed app); Entra ID's
   * public clients have none. Null when there is none. Sealed by the vault
   * like a password and never returned: in what the API answers it is always
   * null (`OAuthStatus.clientSecretKept` says whether one is kept); given as
   * null to `saveMailbox`, the kept one stays.
   */
  clientSecret: string | null;
  /** Entra ID: the directory (tenant) ID or domain, or `organizations` for any work account. */
  tenant: string | null;
  /** The issuer URL for `issuer` (OpenID discovery); null for the presets. */
  issuer: string | null;
  /** Scopes to ask for instead of the preset's, space-separated; null for the preset's. */
  scope: string | null;
}

export interface OAuthPreset {
  label: string;
  imapHost: string;
  imapPort: number;
  scope: string;
}

/**
 * Microsoft: IMAP.AccessAsUser.All on the Outlook resource, offline_access for
 * the refresh token (learn.microsoft.com, "Authenticate an IMAP, POP or SMTP
 * connection using OAuth"). Google: the one scope that allows IMAP
 * (developers.google.com, "OAuth 2.0 Mechanism" for Gmail IMAP).
 */
export const OAUTH_PRESETS: Record<Exclude<OAuthProviderKind, 'issuer'>, OAuthPreset> = {
  microsoft: {
    label: 'Microsoft',
    imapHost: 'outlook.office365.com',
    imapPort: 993,
    scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access',
  },
  google: { label: 'Google', imapHost: 'imap.gmail.com', imapPort: 993, scope: 'https://mail.google.com/' },
};

/** For a provider found by discovery: the user's identity and a refresh token; the IMAP scope is the server's to name. */
const GENERIC_OAUTH_SCOPE = 'openid email offline_access';

export function oauthScope(settings: OAuthSettings): string {
  if (settings.scope !== null) return settings.scope;
  return settings.provider === 'issuer' ? GENERIC_OAUTH_SCOPE : OAUTH_PRESETS[settings.provider].scope;
}

/** The sign-in of a mailbox, as the Mailboxes page shows it. */
export interface OAuthStatus {
  signedIn: boolean;
  /** The account the provider says signed in (the ID token's e-mail), when it says. */
  signedInAs: string | null;
  /** When the access token in hand expires (epoch seconds); null before the first one. */
  accessTokenExpiresAt: number | null;
  /** The provider refused the refresh token (revoked, expired): only a new sign-in helps. */
  signInRequired: boolean;
  /** The address to open while a sign-in waits for the browser; null otherwise. */
  pendingUrl: string | null;
  /**
   * The desktop app asked the system to open `pendingUrl` in the browser and
   * the system refused (Electron's shell.openExternal rejected), in words;
   * null otherwise. Only the desktop shell sets it: the backend and serve
   * mode, where the page opens the tab itself, always answer null.
   */
  browserRefused: string | null;
  /** A client secret is kept (sealed) for this mailbox; the secret itself is never returned. */
  clientSecretKept: boolean;
}
