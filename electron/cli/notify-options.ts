// The options that send new error findings somewhere (serve mode and `tlsrpt
// sync`): a webhook, an e-mail over SMTP. Parsed once here for both commands.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { EmailSink, parseSmtpUrl } from '../backend/notify/email.js';
import type { FindingSink } from '../backend/notify/finding-notifier.js';
import { WebhookSink, parseWebhookUrl } from '../backend/notify/webhook.js';
import { UsageError, stringOption, type OptionValues } from './usage.js';

export const NOTIFY_OPTIONS = {
  'notify-webhook': { type: 'string' },
  'notify-email': { type: 'string' },
  'notify-from': { type: 'string' },
  smtp: { type: 'string' },
  'smtp-password-env': { type: 'string' },
  'smtp-ca': { type: 'string' },
} as const;

function usage<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The sinks the options name (none without them), or a usage error in words. */
export function notifySinksFromArgs(values: OptionValues, env: NodeJS.ProcessEnv = process.env): FindingSink[] {
  const sinks: FindingSink[] = [];
  const webhook = stringOption(values, 'notify-webhook');
  if (webhook !== undefined) sinks.push(new WebhookSink(usage(() => parseWebhookUrl(webhook))));
  const to = stringOption(values, 'notify-email');
  const smtpText = stringOption(values, 'smtp');
  const emailOnly = ['smtp', 'smtp-password-env', 'smtp-ca', 'notify-from'].filter(
    (option) => values[option] !== undefined,
  );
  if (to === undefined) {
    if (emailOnly.length > 0) throw new UsageError(`--${emailOnly.join(', --')} only with --notify-email`);
    return sinks;
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(to)) throw new UsageError(`--notify-email takes an address, got "${to}"`);
  if (smtpText === undefined) throw new UsageError('--notify-email needs --smtp smtp://[user[:password]@]host[:port]');
  const smtp = usage(() => parseSmtpUrl(smtpText));
  // A password on the command line is in the process list for every user: it can come from the environment.
  const passwordEnv = stringOption(values, 'smtp-password-env');
  if (passwordEnv !== undefined) {
    const password = env[passwordEnv];
    if (password === undefined || password === '')
      throw new UsageError(`the environment variable ${passwordEnv} is not set`);
    if (smtp.username === '') throw new UsageError('--smtp-password-env needs a user in the --smtp URL');
    smtp.password = encodeURIComponent(password);
  }
  const caFile = stringOption(values, 'smtp-ca');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read --smtp-ca ${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  const user = decodeURIComponent(smtp.username);
  const from = stringOption(values, 'notify-from') ?? (user.includes('@') ? user : `tlsrpt-viewer@${hostname()}`);
  sinks.push(new EmailSink({ to, from, smtp, ...(ca === undefined ? {} : { ca }) }));
  return sinks;
}
