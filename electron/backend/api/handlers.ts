import { normalizeDomainName } from '../../../shared/report/host-names.js';
import { APP_VERSION } from '../app-version.js';
import type { API, ApiMethod, ApiResponse, AppInfo } from '../../../shared/api/contract.js';
import type { z } from 'zod';
import type { WritableDatabase } from '../db/database.js';
import { noteDatabaseFailure } from '../db/database-problems.js';
import { failurePage } from '../db/failure-queries.js';
import { filterOptions } from '../db/filter-options-queries.js';
import { reportsStamp } from '../db/health-queries.js';
import { isKnownMxHost, isKnownSender } from '../db/existence-queries.js';
import { reportDetail, reportPage } from '../db/report-queries.js';
import { senderDetail } from '../db/sender-queries.js';
import { mxHostDetail } from '../db/mx-queries.js';
import { MxHostLists } from './mx-host-lists.js';
import { domainResultTypes } from '../db/domain-queries.js';
import { senderTotals, overview, sessionsByPolicyDomain, summarize, summaryTotals } from '../db/summary-queries.js';
import { DomainHealthService, dayOfDate, todayUtcDay } from '../health/domain-health.js';
import { mxHostsInFailures, reportedPolicyDomains, reportedPolicyVersions } from '../db/policy-queries.js';
import { generateSetup } from '../../../shared/policy/generate.js';
import { lintText } from '../../../shared/policy/lint.js';
import { lintStoredPolicies } from '../../../shared/policy/report-lint.js';
import { ExportThread } from '../export/export-thread.js';
import { failuresCsv } from '../export/failures-csv.js';
import { ImportJobs } from '../import/import-jobs.js';
import { ReportImporter } from '../import/importer.js';
import type { UploadSpool } from '../import/upload-spool.js';
import { ImapConnectionError } from '../mailbox/imap-connection.js';
import { MailboxError, MailboxManager } from '../mailbox/mailbox-manager.js';
import { MemoryVault, type SecretVault } from '../mailbox/secret-vault.js';
import { lintDomainOnline, type OnlineLintOptions } from '../policy/online-lint.js';
import { checkMxHostNow, type MxCheckOptions } from '../policy/mx-hosts-check.js';
import { FindingNotifier, type FindingNotifierOptions } from '../notify/finding-notifier.js';

/** A handled failure with a code the client can act on; the message is for people. */
export class ApiFailure extends Error {
  constructor(
    readonly code: 'not-found' | 'unavailable' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export type ApiHandlers = {
  [M in ApiMethod]: (request: z.output<(typeof API)[M]['request']>) => ApiResponse<M> | Promise<ApiResponse<M>>;
};

export interface BackendOptions {
  db: WritableDatabase;
  databasePath: string;
  transport: AppInfo['transport'];
  /** Whether callers may name files by path (the desktop app) or only upload them (a browser). */
  allowPaths: boolean;
  /** Where mailbox secrets are kept; in memory unless the desktop app provides the OS keychain. */
  vault?: SecretVault;
  /** DNS servers and extra CAs for the online policy check; the system's by default. */
  onlineLint?: OnlineLintOptions;
  /** The same for "Check this host now" (and, in tests, the SMTP port of loopback servers). */
  mxCheck?: MxCheckOptions;
  /** Where serve mode spools uploaded files until startImport imports them. */
  uploads?: UploadSpool;
  /**
   * Run CSV exports in a worker thread over its own connection to `databasePath`: serve mode, where the
   * thread that runs the handlers also answers every request.
   */
  exportsOffThread?: boolean;
  /**
   * Where new error findings are sent after each import or sync batch (the
   * desktop app's notifications, a webhook, an e-mail); nothing is checked without one.
   */
  notify?: Omit<FindingNotifierOptions, 'health'>;
}

/** Mailbox failures are the user's to fix (a wrong password, a missing account): answered as `failed`. */
async function mailboxCall<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MailboxError || error instanceof ImapConnectionError)
      throw new ApiFailure('failed', error.message);
    throw error;
  }
}

/** The backend behind the contract: one function per method, over one database. */
export function createApiHandlers(options: BackendOptions): {
  handlers: ApiHandlers;
  jobs: ImportJobs;
  mailboxes: MailboxManager;
  notifier: FindingNotifier | null;
  /** The importer behind uploads and mailbox syncs, for what follows its batches (the PostgreSQL sink). */
  importer: ReportImporter;
  /** Stops the export thread, if one was started. */
  close: () => Promise<void>;
} {
  const { db } = options;
  const importer = new ReportImporter(db);
  const health = new DomainHealthService(db);
  const mxHostLists = new MxHostLists(db);
  const asOfDay = (asOf: string | undefined): number => (asOf === undefined ? todayUtcDay() : dayOfDate(asOf));
  const jobs = new ImportJobs(importer);
  const notifier =
    options.notify && options.notify.sinks.length > 0
      ? new FindingNotifier(db, { ...options.notify, health }).follow(importer)
      : null;
  const mailboxes = new MailboxManager(db, importer, options.vault ?? new MemoryVault());
  const exports =
    options.exportsOffThread === true && ExportThread.available() ? new ExportThread(options.databasePath) : null;
  const handlers: ApiHandlers = {
    appInfo: () => ({
      version: APP_VERSION,
      databasePath: options.databasePath,
      transport: options.transport,
      canChoosePaths: options.allowPaths,
    }),
    filterOptions: () => filterOptions(db),
    dataVersion: () => ({ stamp: reportsStamp(db) }),
    summary: ({ filter }) => summarize(db, filter),
    overview: ({ filter }) => overview(db, filter),
    senders: ({ filter }) => senderTotals(db, filter),
    sender: ({ filter, organization }) => {
      if (!isKnownSender(db, organization))
        throw new ApiFailure('not-found', `no stored report is from ${organization}`);
      return senderDetail(db, filter, organization);
    },
    // The MX hosts list is the per-MX breakdown; one host's IPs and senders are mxHost.
    mxHosts: ({ filter }) => mxHostLists.list(filter),
    mxHostPolicyDomains: ({ filter }) => mxHostLists.policyDomains(filter),
    mxHost: ({ filter, mx }) => {
      if (mx !== null && !isKnownMxHost(db, mx))
        throw new ApiFailure('not-found', `no failure detail names the MX host ${mx}`);
      return mxHostDetail(db, filter, mx);
    },
    domains: ({ asOf }) => health.view(asOfDay(asOf)),
    sessionsWithoutDomain: ({ filter }) => {
      const row = sessionsByPolicyDomain(db, { ...filter, policyDomain: null }).find((entry) => entry.domain === null);
      return { successfulSessions: row?.successfulSessions ?? 0, failedSessions: row?.failedSessions ?? 0 };
    },
    domain: ({ filter, domain: name, asOf }) => {
      const domain = normalizeDomainName(name);
      const day = asOfDay(asOf);
      const view = health.domainView(day, domain);
      if (!view) throw new ApiFailure('not-found', `no report names the policy domain ${domain}`);
      const domainFilter = { ...filter, policyDomain: domain };
      // The totals alone: the page's breakdowns come from their own queries, not the Overview's.
      const totals = summaryTotals(db, domainFilter);
      return {
        domain,
        asOf: view.asOf,
        judgedAsOf: view.judgedAsOf,
        feedSilent: view.feedSilent,
        health: view.health,
        successfulSessions: totals.successful,
        failedSessions: totals.failed,
        failedWithoutDetails: totals.failedWithoutDetails,
        detailsBeyondTotal: totals.detailsBeyondTotal,
        byMx: mxHostLists.hosts(domainFilter),
        byResultType: domainResultTypes(db, domainFilter),
        senders: senderTotals(db, domainFilter),
        policies: reportedPolicyVersions(db, domain).reverse(),
      };
    },
    findings: ({ asOf, domain }) =>
      health.findings(asOfDay(asOf), domain === undefined ? undefined : normalizeDomainName(domain)),
    failures: ({ query, sort, offset, limit }) => failurePage(db, query, sort, offset, limit),
    failuresCsv: ({ query, sort }) => (exports ? exports.failuresCsv(query, sort) : failuresCsv(db, query, sort)),
    reports: ({ filter, organization, sort, offset, limit }) =>
      reportPage(db, filter, organization, sort, offset, limit),
    report: ({ id }) => {
      const detail = reportDetail(db, id);
      if (!detail) throw new ApiFailure('not-found', `there is no report ${id}`);
      return detail;
    },
    startImport: ({ paths, files, uploads }) => {
      if (uploads && uploads.length > 0) {
        const spool = options.uploads;
        if (!spool) throw new ApiFailure('unavailable', 'uploads exist only in serve mode');
        const taken = spool.take(uploads);
        if (taken.length < uploads.length) {
          void spool.release(taken);
          throw new ApiFailure('not-found', 'some uploads are unknown or already imported; upload them again');
        }
        return { jobId: jobs.startSpooled(taken, (done) => spool.release(done)) };
      }
      if (paths && paths.length > 0) {
        if (!options.allowPaths) {
          throw new ApiFailure(
            'unavailable',
            'in the browser, files are uploaded; naming paths on the server is not allowed',
          );
        }
        return { jobId: jobs.startPaths(paths) };
      }
      return { jobId: jobs.startUploads(files ?? []) };
    },
    importStatus: ({ jobId, since }) => {
      const status = jobs.status(jobId, since);
      if (!status) throw new ApiFailure('not-found', `there is no import ${jobId}`);
      return status;
    },
    chooseAndImport: () => {
      throw new ApiFailure('unavailable', 'file dialogs exist only in the desktop app; use the file picker instead');
    },
    lintText: ({ text: input, kind, domain }) => lintText(input, kind, { domain: domain ?? null }),
    policyDomains: () => reportedPolicyDomains(db),
    storedPolicyLint: ({ domain }) => {
      const name = normalizeDomainName(domain);
      return lintStoredPolicies(name, reportedPolicyVersions(db, name), mxHostsInFailures(db, name));
    },
    generateSetup: (input) => generateSetup({ ...input, now: new Date() }),
    checkOnline: ({ domain }) => lintDomainOnline(domain, options.onlineLint ?? {}),
    checkMxHost: ({ host }) => checkMxHostNow(host, options.mxCheck ?? {}),
    mailboxes: () => mailboxes.list(),
    saveMailbox: ({ account, secret, previousName }) =>
      mailboxCall(() => mailboxes.save(account, secret, previousName ?? null)),
    removeMailbox: async ({ name }) => ({ removed: await mailboxes.remove(name) }),
    testMailbox: ({ account, secret }) => mailboxCall(async () => ({ folders: await mailboxes.test(account, secret) })),
    startMailboxSync: ({ name }) => mailboxCall(() => mailboxes.start(name)),
    stopMailboxSync: ({ name }) =>
      mailboxCall(async () => {
        await mailboxes.stop(name);
        return mailboxes.status(name);
      }),
    mailboxMessages: ({ name, limit }) => mailboxCall(() => mailboxes.messages(name, limit)),
    signInMailbox: ({ name }) => mailboxCall(() => mailboxes.signIn(name)),
    signOutMailbox: ({ name }) => mailboxCall(() => mailboxes.signOut(name)),
  };
  return {
    handlers: guardDatabase(db, handlers),
    jobs,
    mailboxes,
    notifier,
    importer,
    close: async () => {
      await notifier?.idle();
      await exports?.close();
    },
  };
}

/**
 * A SQLite failure in any handler becomes an answer in words (damaged, disk
 * full, read-only…) instead of a 500 with SQLite's message; a damaged file
 * is remembered, so that no import writes to it afterwards.
 */
function guardDatabase(db: WritableDatabase, handlers: ApiHandlers): ApiHandlers {
  const explain = (error: unknown): unknown => {
    const problem = noteDatabaseFailure(db, error);
    return problem ? new ApiFailure('unavailable', problem.message) : error;
  };
  const guarded: Record<string, (request: unknown) => unknown> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (request: unknown) => unknown][]) {
    guarded[name] = (request) => {
      try {
        const result = handler(request);
        return result instanceof Promise
          ? result.catch((error: unknown) => {
              throw explain(error);
            })
          : result;
      } catch (error) {
        throw explain(error);
      }
    };
  }
  return guarded as ApiHandlers;
}
