import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MailboxAccount } from '../../../shared/mailbox/account.js';
import { OAUTH_PRESETS, type OAuthSettings } from '../../../shared/mailbox/oauth.js';
import { oauthSettingsSchema } from '../../../shared/mailbox/account-schema.js';
import { accountKey } from '../../backend/mailbox/imap-connection.js';
import {
  OAuthError,
  OAuthTokenSource,
  beginSignIn,
  parseOAuthSecret,
  serializeOAuthSecret,
  type StoredOAuthSecret,
} from '../../backend/mailbox/oauth-client.js';
import { userDataFolder } from '../../backend/paths.js';
import { printable } from '../text.js';
import { UsageError, stringOption, type OptionValues } from '../usage.js';

export const OAUTH_OPTIONS = ['provider', 'client-id', 'client-secret', 'tenant', 'scope'];

/** `--provider microsoft|google|ISSUER-URL` and the client the admin registered. */
export function oauthSettingsFromArgs(values: OptionValues): OAuthSettings {
  const provider = stringOption(values, 'provider');
  const clientId = stringOption(values, 'client-id');
  if (provider === undefined) throw new UsageError('--auth oauth2 needs --provider microsoft, google or an issuer URL');
  if (clientId === undefined) throw new UsageError('--auth oauth2 needs --client-id (see README: registering the app)');
  const kind = provider === 'microsoft' || provider === 'google' ? provider : 'issuer';
  if (kind === 'issuer' && !/^https?:\/\//.test(provider)) {
    throw new UsageError(`--provider takes microsoft, google or an issuer URL (https://…), got "${provider}"`);
  }
  const tenant = stringOption(values, 'tenant');
  if (tenant !== undefined && kind !== 'microsoft') throw new UsageError('--tenant is for --provider microsoft');
  const parsed = oauthSettingsSchema.safeParse({
    provider: kind,
    clientId,
    clientSecret: stringOption(values, 'client-secret') ?? null,
    tenant: kind === 'microsoft' ? (tenant ?? 'organizations') : null,
    issuer: kind === 'issuer' ? provider : null,
    scope: stringOption(values, 'scope') ?? null,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${issue?.path.join('.') ?? 'provider'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The preset's IMAP server where --host is not given. */
export function defaultImapHost(settings: OAuthSettings): { host: string; port: number } | null {
  return settings.provider === 'issuer' ? null : { host: OAUTH_PRESETS[settings.provider].imapHost, port: 993 };
}

/** Where `tlsrpt sync` keeps a refresh token by default: one file per account and client, readable by the user alone. */
function defaultTokenFile(account: MailboxAccount, settings: OAuthSettings): string {
  const id = createHash('sha256')
    .update(
      `${accountKey(account)}\n${settings.provider}\n${settings.issuer ?? settings.tenant ?? ''}\n${settings.clientId}`,
    )
    .digest('hex')
    .slice(0, 32);
  return join(userDataFolder(), 'oauth', `${id}.json`);
}

function writeTokenFile(file: string, secret: StoredOAuthSecret): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole, then renamed: a crash never leaves half a token, and the old one stays until the new one is there.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${serializeOAuthSecret(secret)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** xdg-open, open or start, where there is one; a failure leaves the printed URL to the user. */
function tryOpenBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser to start: the URL is printed above.
  }
}

/**
 * The token source of `tlsrpt sync --auth oauth2`: from --refresh-token-env
 * (unattended runs), or from the token file, signing in first when there is
 * none yet or --sign-in asks for it. The refresh token never reaches the
 * output; the URL to open does.
 */
export async function cliTokenSource(
  values: OptionValues,
  account: MailboxAccount,
  err: NodeJS.WritableStream,
): Promise<OAuthTokenSource> {
  const settings = account.oauth;
  if (settings === undefined) throw new UsageError('--auth oauth2 needs --provider and --client-id');
  const envName = stringOption(values, 'refresh-token-env');
  const fileOption = stringOption(values, 'refresh-token-file');
  const signIn = values['sign-in'] === true;
  if (envName !== undefined && (fileOption !== undefined || signIn)) {
    throw new UsageError('--refresh-token-env reads the token; leave out --refresh-token-file and --sign-in');
  }
  if (envName !== undefined) {
    const value = process.env[envName];
    if (value === undefined || value === '') throw new UsageError(`the environment variable ${envName} is not set`);
    let warned = false;
    return new OAuthTokenSource(settings, parseOAuthSecret(value), () => {
      if (!warned) {
        err.write(
          `tlsrpt sync: the provider issued a new refresh token; ${envName} cannot be updated, ` +
            'so it will need a new sign-in once the old one expires (--refresh-token-file keeps the newest)\n',
        );
      }
      warned = true;
      return Promise.resolve();
    });
  }
  const file = fileOption ?? defaultTokenFile(account, settings);
  const save = (secret: StoredOAuthSecret): Promise<void> => {
    writeTokenFile(file, secret);
    return Promise.resolve();
  };
  if (!signIn && existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    return new OAuthTokenSource(settings, parseOAuthSecret(text), save);
  }
  let pending;
  try {
    pending = await beginSignIn(settings, { loginHint: account.user });
  } catch (error) {
    throw new OAuthError(error instanceof Error ? error.message : String(error));
  }
  err.write(`To sign in to ${printable(account.user)}, open this address in a browser:\n\n  ${pending.url}\n\n`);
  if (values['no-browser'] !== true) tryOpenBrowser(pending.url);
  const grant = await pending.result;
  const secret = { refreshToken: grant.refreshToken, signedInAs: grant.signedInAs };
  writeTokenFile(file, secret);
  err.write(
    `signed in${grant.signedInAs ? ` as ${printable(grant.signedInAs)}` : ''}; the refresh token is kept in ${file} (readable by you alone)\n`,
  );
  const tokens = new OAuthTokenSource(settings, secret, save);
  tokens.adopt(grant);
  return tokens;
}
