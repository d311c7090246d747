import { z } from 'zod';
import type { AfterProcessing, MailboxAccount } from './account.js';

/** Validation of mailbox settings where they cross a trust boundary (the API, the database). */
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
    caFile: z.string().max(4096).nullable(),
  })
  .strict();

// The schema and the plain types must describe the same thing: a mismatch fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemaMatchesTypes = [
  Assert<Same<z.infer<typeof mailboxAccountSchema>, MailboxAccount>>,
  Assert<Same<z.infer<typeof afterProcessingSchema>, AfterProcessing>>,
];
