import { readFileSync } from 'node:fs';
import type { ImapFlow } from 'imapflow';
import {
  DEFAULT_PORTS,
  isLoopbackHost,
  parseAfterProcessing,
  type MailboxAccount,
  type MessageOutcome,
  type SyncResult,
} from '../../../shared/mailbox/account.js';
import { mailboxAccountSchema } from '../../../shared/mailbox/account-schema.js';
import { openDatabase, type WritableDatabase } from '../../backend/db/database.js';
import { savedAccount, savedAccounts } from '../../backend/db/mailbox-store.js';
import { ReportImporter } from '../../backend/import/importer.js';
import {
  ImapConnectionError,
  accountKey,
  connectImap,
  describeImapError,
} from '../../backend/mailbox/imap-connection.js';
import { syncMailbox, type SyncTarget } from '../../backend/mailbox/mailbox-sync.js';
import { OAuthError, connectImapOAuth } from '../../backend/mailbox/oauth-client.js';
import { OAUTH_OPTIONS, cliTokenSource, defaultImapHost, oauthSettingsFromArgs } from './sync-oauth.js';
import { MailboxWatcher } from '../../backend/mailbox/mailbox-watcher.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { FindingNotifier } from '../../backend/notify/finding-notifier.js';
import { DomainHealthService } from '../../backend/health/domain-health.js';
import { startMetricsServer } from '../../backend/metrics/metrics-server.js';
import { TlsRptMetrics } from '../../backend/metrics/tlsrpt-metrics.js';
import { NOTIFY_OPTIONS, notifySinksFromArgs } from '../notify-options.js';
import { METRICS_LISTEN_OPTIONS, metricsListenFrom } from '../team-options.js';
import { SINK_OPTIONS, continuousSink, sinkUrlFromArgs } from '../sink-options.js';
import { printable } from '../text.js';
import {
  EXIT_OK,
  EXIT_SOME_REJECTED,
  EXIT_USAGE,
  UsageError,
  parseCommandArgs,
  stringOption,
  type OptionValues,
} from '../usage.js';

const STATUS_LABELS: Record<MessageOutcome['status'], string> = {
  imported: 'imported ',
  duplicate: 'duplicate',
  'no-report': 'no report',
  error: 'error    ',
};

/**
 * The secret comes from an environment variable or a file, never from the
 * command line itself, where every user of the machine could read it in the
 * process list.
 */
function readSecret(values: OptionValues): string {
  const envName = stringOption(values, 'password-env');
  const file = stringOption(values, 'password-file');
  if (envName !== undefined && file !== undefined)
    throw new UsageError('give --password-env or --password-file, not both');
  if (envName !== undefined) {
    const value = process.env[envName];
    if (value === undefined || value === '') throw new UsageError(`the environment variable ${envName} is not set`);
    return value;
  }
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new UsageError(
        `cannot read the password file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  throw new UsageError('give the password or token with --password-env NAME or --password-file FILE');
}

function accountFromArgs(values: OptionValues): MailboxAccount {
  const user = stringOption(values, 'user');
  const auth = stringOption(values, 'auth') ?? 'password';
  if (auth !== 'password' && auth !== 'xoauth2' && auth !== 'oauth2')
    throw new UsageError(`--auth takes password, xoauth2 or oauth2, got "${auth}"`);
  const oauth = auth === 'oauth2' ? oauthSettingsFromArgs(values) : undefined;
  if (auth !== 'oauth2') {
    const given = OAUTH_OPTIONS.filter((option) => values[option] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given.join(', --')} only with --auth oauth2`);
  }
  const preset = oauth ? defaultImapHost(oauth) : null;
  const host = stringOption(values, 'host') ?? preset?.host;
  if (host === undefined) throw new UsageError('--host is required');
  if (user === undefined) throw new UsageError('--user is required');
  const security = stringOption(values, 'security') ?? 'tls';
  if (security !== 'tls' && security !== 'starttls' && security !== 'plain') {
    throw new UsageError(`--security takes tls, starttls or plain, got "${security}"`);
  }
  const portText = stringOption(values, 'port');
  const port = portText === undefined ? DEFAULT_PORTS[security] : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--port takes a number from 1 to 65535, got "${portText ?? ''}"`);
  const afterText = stringOption(values, 'after') ?? 'none';
  const after = parseAfterProcessing(afterText);
  if (after === null) throw new UsageError(`--after takes none, seen or move:FOLDER, got "${afterText}"`);
  const pollText = stringOption(values, 'poll') ?? '300';
  const pollIntervalSeconds = Number(pollText);
  if (!Number.isInteger(pollIntervalSeconds) || pollIntervalSeconds < 1)
    throw new UsageError(`--poll takes seconds, got "${pollText}"`);
  return {
    name: `${user}@${host}`,
    host,
    port,
    security,
    user,
    auth,
    mailbox: stringOption(values, 'mailbox') ?? 'INBOX',
    after,
    pollIntervalSeconds,
    caFile: stringOption(values, 'ca') ?? null,
    oauth,
  };
}

const SERVER_OPTIONS = ['host', 'port', 'security', 'ca', 'user', 'auth', 'mailbox', 'after', 'poll', ...OAUTH_OPTIONS];

/**
 * `--account NAME` takes a mailbox saved in the app (its settings; the secret
 * still comes from --password-env or --password-file, since the app's is
 * sealed by the desktop's keychain). Otherwise the options describe it.
 */
function savedOrGivenAccount(db: WritableDatabase, values: OptionValues): MailboxAccount {
  const name = stringOption(values, 'account');
  if (name === undefined) return accountFromArgs(values);
  const given = SERVER_OPTIONS.filter((option) => values[option] !== undefined);
  if (given.length > 0) throw new UsageError(`--account takes the saved settings; leave out --${given.join(', --')}`);
  const row = savedAccount(db, name);
  if (!row) {
    const known = savedAccounts(db).map((saved) => saved.name);
    throw new UsageError(`no saved mailbox named "${name}"${known.length > 0 ? `; saved: ${known.join(', ')}` : ''}`);
  }
  return mailboxAccountSchema.parse(JSON.parse(row.settingsJson));
}

const SIGN_IN_AGAIN = ' (run the same command with --sign-in, or give a new token)';

function signInHint(error: ImapConnectionError): string {
  return error.signInRequired ? SIGN_IN_AGAIN : '';
}

export async function runSync(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    account: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    security: { type: 'string' },
    ca: { type: 'string' },
    user: { type: 'string' },
    auth: { type: 'string' },
    'password-env': { type: 'string' },
    'password-file': { type: 'string' },
    provider: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    tenant: { type: 'string' },
    scope: { type: 'string' },
    'refresh-token-env': { type: 'string' },
    'refresh-token-file': { type: 'string' },
    'sign-in': { type: 'boolean' },
    'no-browser': { type: 'boolean' },
    mailbox: { type: 'string' },
    after: { type: 'string' },
    poll: { type: 'string' },
    once: { type: 'boolean' },
    json: { type: 'boolean' },
    ...NOTIFY_OPTIONS,
    ...SINK_OPTIONS,
    deadline: { type: 'string' },
    ...METRICS_LISTEN_OPTIONS,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const sinks = notifySinksFromArgs(values);
  const sinkUrl = sinkUrlFromArgs(values);
  const deadlineText = stringOption(values, 'deadline');
  if (deadlineText !== undefined && !/^[1-9]\d{0,5}$/.test(deadlineText)) {
    throw new UsageError(`--deadline takes a number of seconds from 1 to 999999, got "${deadlineText}"`);
  }
  const metricsListen = metricsListenFrom(values);
  if (metricsListen && values['once'] === true) {
    throw new UsageError('--metrics-port only while watching (without --once)');
  }
  const syncOptions = {
    onMessage: (outcome: MessageOutcome): void => printOutcome(outcome),
    ...(deadlineText === undefined ? {} : { deadlineMs: Number(deadlineText) * 1000 }),
  };
  const databasePath = resolveDatabasePath(stringOption(values, 'db'));
  const db = openDatabase(databasePath);
  let account: MailboxAccount;
  let connect: () => Promise<ImapFlow>;
  let secret = '';
  try {
    account = savedOrGivenAccount(db, values);
    if (account.auth === 'oauth2') {
      if (values['password-env'] !== undefined || values['password-file'] !== undefined) {
        throw new UsageError('--auth oauth2 signs in; it takes no --password-env or --password-file');
      }
      const server = account;
      const tokens = await cliTokenSource(values, account, err);
      connect = () => connectImapOAuth(server, tokens);
    } else {
      const oauthOnly = ['refresh-token-env', 'refresh-token-file', 'sign-in', 'no-browser'].filter(
        (option) => values[option] !== undefined,
      );
      if (oauthOnly.length > 0) throw new UsageError(`--${oauthOnly.join(', --')} only with --auth oauth2`);
      secret = readSecret(values);
      const [server, password] = [account, secret];
      connect = () => connectImap(server, password);
    }
  } catch (error) {
    db.close();
    if (error instanceof OAuthError) {
      err.write(`tlsrpt sync: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const asJson = values['json'] === true;
  if (account.security === 'plain' && isLoopbackHost(account.host)) {
    err.write(`warning: plain IMAP without TLS to ${account.host}; use it only for a server on this machine\n`);
  }

  const importer = new ReportImporter(db);
  const notifier =
    sinks.length > 0
      ? new FindingNotifier(db, { sinks, onProblem: (message) => err.write(`tlsrpt sync: ${message}\n`) }).follow(
          importer,
        )
      : null;
  // PostgreSQL follows every batch; what an earlier run left unexported goes first.
  const pgSink =
    sinkUrl === null ? null : continuousSink(sinkUrl, db, databasePath, err, 'tlsrpt sync').follow(importer);
  pgSink?.request();
  const target: SyncTarget = { server: account, mailbox: account.mailbox, after: account.after };
  const printOutcome = (outcome: MessageOutcome): void => {
    if (asJson) return;
    out.write(`${STATUS_LABELS[outcome.status]}  UID ${outcome.uid}: ${printable(outcome.message)}\n`);
  };
  const printTotals = (result: SyncResult): void => {
    if (asJson) {
      out.write(`${JSON.stringify(result)}\n`);
      return;
    }
    out.write(
      `${accountKey(account)}/${printable(result.mailbox)}: ${result.messagesSeen} new messages, ${result.reportsImported} reports imported, ` +
        `${result.duplicates} duplicates, ${result.noReport} without a report, ${result.errors} failed` +
        `${result.rescanned ? ' (UIDVALIDITY changed: the mailbox was scanned again)' : ''}\n`,
    );
  };

  try {
    if (values['once'] === true) {
      let client;
      try {
        client = await connect();
      } catch (error) {
        if (error instanceof ImapConnectionError) {
          err.write(`tlsrpt sync: ${error.message}${signInHint(error)}\n`);
          return EXIT_USAGE;
        }
        throw error;
      }
      try {
        const result = await syncMailbox(db, importer, client, target, syncOptions);
        printTotals(result);
        return result.errors > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
      } catch (error) {
        err.write(`tlsrpt sync: ${describeImapError(error, account, secret)}\n`);
        return EXIT_USAGE;
      } finally {
        await client.logout().catch(() => undefined);
      }
    }

    // Set from the watcher's events while this function awaits.
    const outcome = { refused: false };
    let endWatch = (): void => undefined;
    const metrics = metricsListen ? new TlsRptMetrics({ db, health: new DomainHealthService(db) }) : null;
    const mailboxLabel = `${accountKey(account)}/${account.mailbox}`;
    const metricsServer =
      metrics && metricsListen
        ? await startMetricsServer(metrics, metricsListen.host, metricsListen.port).catch((error: unknown) => {
            throw new UsageError(
              `cannot listen for metrics on ${metricsListen.host}:${metricsListen.port}: ${
                error instanceof Error ? error.message : String(error)
              }`,
            );
          })
        : null;
    if (metricsServer) {
      const address = metricsServer.address();
      const port = address !== null && typeof address !== 'string' ? address.port : metricsListen?.port;
      if (!asJson) out.write(`metrics at http://${metricsListen?.host ?? ''}:${port ?? ''}/metrics\n`);
    }
    const watcher = new MailboxWatcher({
      server: account,
      connect,
      sync: async (client) => {
        const started = process.hrtime.bigint();
        try {
          return await syncMailbox(db, importer, client, target, syncOptions);
        } finally {
          metrics?.observeImport('mailbox', Number(process.hrtime.bigint() - started) / 1e9);
        }
      },
      pollIntervalSeconds: account.pollIntervalSeconds,
      onEvent: (event) => {
        if (event.type === 'synced') metrics?.countSync(mailboxLabel, false);
        if (event.type === 'error' || event.type === 'auth-failed') metrics?.countSync(mailboxLabel, true);
        if (event.type === 'synced' && event.result.messagesSeen > 0) printTotals(event.result);
        if (event.type === 'error')
          err.write(`tlsrpt sync: ${event.message}; trying again in ${event.retryInSeconds} s\n`);
        if (event.type === 'auth-failed') {
          // Retrying refused credentials only repeats the refusal: stop, as --once does.
          err.write(`tlsrpt sync: ${event.message}${event.signInRequired ? SIGN_IN_AGAIN : ''}; stopped\n`);
          outcome.refused = true;
          endWatch();
        }
      },
    });
    if (!asJson) out.write(`watching ${accountKey(account)}/${printable(account.mailbox)} (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      endWatch = resolve;
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await watcher.stop();
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    return outcome.refused ? EXIT_USAGE : EXIT_OK;
  } finally {
    // What was found is sent before the command ends; each sink's tries are bounded.
    await notifier?.idle();
    await pgSink?.close();
    db.close();
  }
}
