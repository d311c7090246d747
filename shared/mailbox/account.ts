import { z } from 'zod';

/**
 * The settings of one IMAP mailbox to fetch reports from. The secret
 * (password or OAuth2 access token) is never part of them: the desktop app
 * keeps it encrypted by the OS keychain, the command line reads it from an
 * environment variable or a file.
 */
export const afterProcessingSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('none') }).strict(),
  z.object({ action: z.literal('seen') }).strict(),
  z.object({ action: z.literal('move'), folder: z.string().min(1).max(255) }).strict(),
]);

export const mailboxAccountSchema = z
  .object({
    name: z.string().min(1).max(100),
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or IP address'),
    port: z.number().int().min(1).max(65535),
    security: z.enum(['tls', 'starttls', 'plain']),
    user: z.string().min(1).max(320),
    auth: z.enum(['password', 'xoauth2']),
    mailbox: z.string().min(1).max(255),
    after: afterProcessingSchema,
    pollIntervalSeconds: z.number().int().min(30).max(86_400),
    /** A PEM file of extra trusted CAs, for a server with a private CA. Verification stays on. */
    caFile: z.string().max(4096).nullable(),
  })
  .strict();

export type MailboxAccount = z.infer<typeof mailboxAccountSchema>;
export type AfterProcessing = z.infer<typeof afterProcessingSchema>;

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

export type MailboxState = 'stopped' | 'connecting' | 'syncing' | 'watching' | 'error';

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
}
