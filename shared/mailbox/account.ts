// The settings of one IMAP mailbox to fetch reports from. The secret
// (password or OAuth2 access token) is never part of them: the desktop app
// keeps it encrypted by the OS keychain, the command line reads it from an
// environment variable or a file.
//
// Plain types here, so that the renderer can use them without the schema
// library (account-schema.ts), whose compiled validators need `eval`, which
// the UI's Content-Security-Policy forbids.
import type { OAuthSettings, OAuthStatus } from './oauth.js';

export type AfterProcessing = { action: 'none' } | { action: 'seen' } | { action: 'move'; folder: string };

export interface MailboxAccount {
  name: string;
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'plain';
  user: string;
  /** `xoauth2`: an access token given by hand; `oauth2`: signed in, the token refreshed by the app. */
  auth: 'password' | 'xoauth2' | 'oauth2';
  mailbox: string;
  after: AfterProcessing;
  pollIntervalSeconds: number;
  /** A PEM file of extra trusted CAs, for a server with a private CA. Verification stays on. */
  caFile: string | null;
  /** With `auth: oauth2`: the provider and client to sign in with. */
  oauth?: OAuthSettings | undefined;
}

export const DEFAULT_PORTS = { tls: 993, starttls: 143, plain: 143 } as const;

/** What happened to one message. */
export type MessageStatus = 'imported' | 'duplicate' | 'no-report' | 'error';

export interface MessageOutcome {
  uid: number;
  status: MessageStatus;
  /** In words: the reports imported, or why not. */
  message: string;
  reportsImported: number;
}

export interface SyncResult {
  mailbox: string;
  /** Messages looked at in this run (new since the last one). */
  messagesSeen: number;
  reportsImported: number;
  duplicates: number;
  noReport: number;
  errors: number;
  /** True when UIDVALIDITY changed and the mailbox was scanned again from the start. */
  rescanned: boolean;
  outcomes: MessageOutcome[];
}

/** `after` as written on the command line: `none`, `seen` or `move:FOLDER`. */
export function parseAfterProcessing(text: string): AfterProcessing | null {
  if (text === 'none' || text === 'seen') return { action: text };
  const move = /^move:(.+)$/.exec(text);
  return move?.[1] ? { action: 'move', folder: move[1] } : null;
}

export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
}

/**
 * `auth-failed`: the server refused the password or token and the sync
 * stopped (trying again would only repeat it, and may lock the account);
 * `sign-in-required`: the OAuth provider refused the refresh token.
 */
export type MailboxState =
  'stopped' | 'connecting' | 'syncing' | 'watching' | 'error' | 'auth-failed' | 'sign-in-required';

/** A saved mailbox as the Mailboxes page shows it. */
export interface MailboxStatus {
  account: MailboxAccount;
  hasSecret: boolean;
  /** False where secrets last only as long as the process (serve mode). */
  secretPersists: boolean;
  state: MailboxState;
  lastSyncAt: number | null;
  /** Messages looked at and reports imported, over all syncs. */
  messagesSeen: number;
  reportsImported: number;
  lastError: string | null;
  /** The running sync's progress. */
  progress: { done: number; total: number } | null;
  /** With `auth: oauth2`: the sign-in. */
  oauth: OAuthStatus | null;
}
