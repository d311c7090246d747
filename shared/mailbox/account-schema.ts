import { z } from 'zod';
import type { AfterProcessing, MailboxAccount } from './account.js';
import type { OAuthSettings } from './oauth.js';

/** Validation of mailbox settings where they cross a trust boundary (the API, the database). */
const afterProcessingSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('none') }).strict(),
  z.object({ action: z.literal('seen') }).strict(),
  z.object({ action: z.literal('move'), folder: z.string().min(1).max(255) }).strict(),
]);

export const oauthSettingsSchema = z
  .object({
    provider: z.enum(['microsoft', 'google', 'issuer']),
    clientId: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\x21-\x7e]+$/, 'a client ID without spaces'),
    clientSecret: z.string().min(1).max(512).nullable(),
    // Entra ID tenants are a GUID, a domain name, or one of common / organizations / consumers.
    tenant: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.-]+$/, 'a tenant ID or domain')
      .nullable(),
    issuer: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable(),
    scope: z.string().min(1).max(1024).nullable(),
  })
  .strict()
  .refine((settings) => settings.provider !== 'issuer' || settings.issuer !== null, {
    error: 'a generic provider needs its issuer URL',
    path: ['issuer'],
  });

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
    auth: z.enum(['password', 'xoauth2', 'oauth2']),
    mailbox: z.string().min(1).max(255),
    after: afterProcessingSchema,
    pollIntervalSeconds: z.number().int().min(30).max(86_400),
    caFile: z.string().max(4096).nullable(),
    oauth: oauthSettingsSchema.optional(),
  })
  .strict()
  .refine((account) => account.auth !== 'oauth2' || account.oauth !== undefined, {
    error: 'OAuth2 sign-in needs the provider and client ID',
    path: ['oauth'],
  });

// The schema and the plain types must describe the same thing: a mismatch fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** @public Exported only so the unused type is kept: a compile-time check, not an API. */
export type SchemaMatchesTypes = [
  Assert<Same<z.infer<typeof mailboxAccountSchema>, MailboxAccount>>,
  Assert<Same<z.infer<typeof afterProcessingSchema>, AfterProcessing>>,
  Assert<Same<z.infer<typeof oauthSettingsSchema>, OAuthSettings>>,
];
