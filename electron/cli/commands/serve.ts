import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createApiHandlers } from '../../backend/api/handlers.js';
import { openDatabase } from '../../backend/db/database.js';
import { UploadSpool, reclaimAbandonedSpools } from '../../backend/import/upload-spool.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { createHttpServer } from '../../backend/serve/http-server.js';
import { ReportReceiver } from '../../backend/serve/report-receiver.js';
import { TlsRptMetrics } from '../../backend/metrics/tlsrpt-metrics.js';
import { mxCheckOptions } from '../../backend/policy/mx-hosts-check.js';
import { NOTIFY_OPTIONS, notifySinksFromArgs } from '../notify-options.js';
import { RECEIVE_OPTIONS, accessSettings, metricsListenFrom, receiveSettings } from '../team-options.js';
import { startMetricsServer } from '../../backend/metrics/metrics-server.js';
import { SINK_OPTIONS, continuousSink, sinkUrlFromArgs } from '../sink-options.js';
import { EXIT_OK, EXIT_USAGE, UsageError, parseCommandArgs, stringOption } from '../usage.js';

/** The renderer as built by `npm run build`, beside the compiled command line. */
const BUILT_RENDERER = fileURLToPath(new URL('../../../renderer', import.meta.url));
const DEFAULT_PORT = 8460;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Serves the UI to a browser on this machine. Only loopback by default: the
 * UI can import files and read every report, and has no login.
 */
export async function runServe(
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'allow-remote': { type: 'boolean' },
    'renderer-dir': { type: 'string' },
    // The online check's DNS servers, where the system's do not see the public DNS (a split-horizon network).
    'dns-server': { type: 'string', multiple: true },
    // "Check this host now": extra trusted CAs; --smtp-port only for tests whose MX hosts listen on loopback.
    ca: { type: 'string' },
    'smtp-port': { type: 'string' },
    ...NOTIFY_OPTIONS,
    ...RECEIVE_OPTIONS,
    ...SINK_OPTIONS,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const host = stringOption(values, 'host') ?? '127.0.0.1';
  const portText = stringOption(values, 'port') ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port takes a number from 0 to 65535, got "${portText}"`);
  const receive = receiveSettings(values);
  const metricsListen = metricsListenFrom(values);
  const access = accessSettings(values, receive !== null);
  if (!LOOPBACK.test(host)) {
    if (values['allow-remote'] !== true) {
      throw new UsageError(`--host ${host} is not a loopback address; add --allow-remote to serve other machines`);
    }
    if (!access.remoteUi) {
      err.write(
        `serving on ${host}: other machines reach only POST ${receive?.path ?? ''} (reports); the UI and the API ` +
          `answer this machine only (add --remote-ui behind a proxy that signs users in to open them).\n`,
      );
    } else if (access.trustedUser) {
      err.write(
        `serving on ${host}: the UI and the API take only requests whose ${access.trustedUser.header} header names an ` +
          `allowed user; let only your sign-in proxy reach this address.\n`,
      );
    } else
      err.write(
        `warning: serving on ${host}: anyone who can reach this address can read every report and import files. There is no login.\n` +
          `Open it from another machine as http://<an IP address of this machine>:<port>/ (with --host 0.0.0.0, any of ` +
          `its addresses); host names other than localhost are refused, against DNS rebinding.\n`,
      );
  }

  const sinks = notifySinksFromArgs(values);
  const sinkUrl = sinkUrlFromArgs(values);
  const databasePath = resolveDatabasePath(stringOption(values, 'db'));
  const db = openDatabase(databasePath);
  // A serve killed with uploads in its spool left them in the temporary folder: they are nobody's now.
  await reclaimAbandonedSpools();
  const uploads = new UploadSpool();
  const {
    handlers,
    jobs,
    mailboxes,
    importer,
    health,
    failuresCsv,
    close: closeHandlers,
  } = createApiHandlers({
    db,
    databasePath,
    transport: 'http',
    allowPaths: false,
    uploads,
    exportsOffThread: true,
    onlineLint: { dnsServers: stringList(values['dns-server']), caFile: stringOption(values, 'ca') ?? null },
    mxCheck: mxCheckOptions(
      stringList(values['dns-server']),
      stringOption(values, 'ca'),
      stringOption(values, 'smtp-port'),
    ),
    notify: { sinks, onProblem: (message) => err.write(`tlsrpt serve: ${message}\n`) },
  });
  const metrics = values['metrics'] === true || metricsListen ? new TlsRptMetrics({ db, health }) : null;
  const receiver =
    receive === null
      ? null
      : new ReportReceiver({
          importer,
          path: receive.path,
          maxBytes: receive.maxBytes,
          ratePerMinute: receive.ratePerMinute,
          maxConcurrent: receive.maxConcurrent,
          onImported: (seconds) => metrics?.observeImport('https', seconds),
        });
  const server = createHttpServer({
    handlers,
    rendererDir: stringOption(values, 'renderer-dir') ?? BUILT_RENDERER,
    uploads,
    access,
    ...(receiver ? { receiver } : {}),
    ...(metrics ? { metrics } : {}),
    failuresCsv,
  });
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    db.close();
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${port} is already in use; choose another with --port`
        : code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine`
          : error instanceof Error
            ? error.message
            : String(error);
    err.write(`tlsrpt serve: cannot listen on ${host}:${port}: ${reason}\n`);
    return EXIT_USAGE;
  }
  let metricsServer = null;
  if (metrics && metricsListen) {
    try {
      metricsServer = await startMetricsServer(metrics, metricsListen.host, metricsListen.port);
    } catch (error) {
      server.close();
      db.close();
      err.write(
        `tlsrpt serve: cannot listen for metrics on ${metricsListen.host}:${metricsListen.port}: ${
          error instanceof Error ? error.message : String(error)
        }\n`,
      );
      return EXIT_USAGE;
    }
  }
  const address = server.address();
  const actualPort = address !== null && typeof address !== 'string' ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  out.write(`tlsrpt-viewer is serving http://${shownHost}:${actualPort}/ with ${databasePath} (Ctrl-C to stop)\n`);
  if (receiver) out.write(`receiving reports at POST http://${shownHost}:${actualPort}${receiver.path}\n`);
  if (metrics) out.write(`metrics at http://${shownHost}:${actualPort}/metrics (this machine only)\n`);
  const metricsAddress = metricsServer?.address();
  if (metricsAddress && typeof metricsAddress !== 'string') {
    const shown = metricsAddress.address.includes(':') ? `[${metricsAddress.address}]` : metricsAddress.address;
    out.write(`metrics at http://${shown}:${metricsAddress.port}/metrics\n`);
  }
  // PostgreSQL follows every upload and sync batch; what an earlier run left unexported goes first.
  const pgSink =
    sinkUrl === null ? null : continuousSink(sinkUrl, db, databasePath, err, 'tlsrpt serve').follow(importer);
  pgSink?.request();

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      server.close();
      server.closeAllConnections();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await Promise.all([jobs.idle(), mailboxes.stopAll()]);
  await uploads.close();
  await receiver?.close();
  await closeHandlers();
  await pgSink?.close();
  db.close();
  return EXIT_OK;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}
