import { z } from 'zod';
import type { FileOutcome, ImportProgress } from '../import/types.js';
import type { FailureDetail, ReportSourceKind, TlsRptPolicy } from '../report/types.js';
import type { DomainHealth } from '../health/assess-domain.js';
import type { HealthFinding } from '../health/findings.js';
import type { MxBreakdown, MxHostFailures, OverviewSummary, Reconciliation, Summary } from '../summary/types.js';
import { mailboxAccountSchema } from '../mailbox/account-schema.js';
import type { MailboxStatus, MessageOutcome } from '../mailbox/account.js';
import type { LintResult } from '../policy/findings.js';
import { asOfProblem } from '../health/as-of.js';
import type { DnssecStatus, MxFinding, MxHostCheck } from '../policy/mx-check.js';
import { normalizeDomainName } from '../report/host-names.js';
import type { GeneratedSetup } from '../policy/generate.js';
import type { TextKind } from '../policy/lint.js';
import type { ReportedPolicyVersion, StoredPolicyLint } from '../policy/report-lint.js';
import { FAILURE_SORT_COLUMNS, REPORT_SORT_COLUMNS } from './sort-columns.js';

// The one contract between the UI and the backend: every method with the
// schema of its request and the type of its response. The Electron bridge
// (IPC), serve mode (HTTP) and the renderer's client are all derived from
// this object, so a renamed or retyped method breaks the build, not the app.
//
// Requests cross a trust boundary (the renderer may be compromised by a
// hostile report), so each is validated with its schema before it reaches a
// handler. Responses come from our own backend and are typed only.

const MAX_TEXT = 1024;
/** Year 1970 to 9999, in UTC seconds. */
const epochSeconds = z.number().int().min(0).max(253_402_300_799);
const text = z.string().max(MAX_TEXT);
/**
 * A policy domain or MX host name in a request, as a link or a person wrote
 * it. Names compare case-insensitively (RFC 4343) and are stored as
 * normalizeDomainName makes them, so every request's names are made so here,
 * once: /mx/host/MX2.SHOP.EXAMPLE is the page of mx2.shop.example.
 */
const hostName = text.transform(normalizeDomainName);

const reportFilterSchema = z
  .object({
    fromTime: epochSeconds.nullable().optional(),
    toTime: epochSeconds.nullable().optional(),
    policyDomain: hostName.nullable().optional(),
  })
  .strict();

/**
 * Narrows failure details. For `mx` and `resultType`, null selects the rows
 * where the sender named none; leaving the key out selects all. `mx` is one
 * host exactly (a drill-down); `mxSearch` is what a person typed: any host
 * whose name contains it, in any case. `report` is one report's row id.
 */
const failureQuerySchema = z
  .object({
    filter: reportFilterSchema,
    organization: text.optional(),
    mx: hostName.nullable().optional(),
    mxSearch: z.string().min(1).max(253).optional(),
    report: z.number().int().min(1).optional(),
    resultType: text.nullable().optional(),
    policyType: text.nullable().optional(),
    sendingIp: text.nullable().optional(),
    receivingIp: text.nullable().optional(),
  })
  .strict();

export { FAILURE_SORT_COLUMNS };

/** A list's order: one column, one way (ties are broken by id, the same way). */
export interface Sort<Column extends string> {
  column: Column;
  direction: 'asc' | 'desc';
}

const sortSchema = <T extends readonly [string, ...string[]]>(columns: T) =>
  z.object({ column: z.enum(columns), direction: z.enum(['asc', 'desc']) }).strict();

const page = { offset: z.number().int().min(0).max(100_000_000), limit: z.number().int().min(1).max(1000) };

// Serve mode's CSV download route, beside the contract's methods (see csv-export.ts).
export { FAILURES_CSV_REQUEST_PARAMETER, FAILURES_CSV_ROUTE, failuresCsvFileName } from './csv-export.js';
// Serve mode's upload route, beside the contract's methods (see upload.ts).
export { UPLOAD_NAME_HEADER, UPLOAD_ROUTE } from './upload.js';

/** Files sent as base64 inside a JSON call (small imports, tests); uploads of any size use `POST /api/upload` (upload.ts). */
const uploadedFileSchema = z.object({ name: text, base64: z.string().max(180 * 1024 * 1024) }).strict();

export type FailureQuery = z.infer<typeof failureQuerySchema>;
export type FailureSortColumn = (typeof FAILURE_SORT_COLUMNS)[number];
export type ReportSortColumn = (typeof REPORT_SORT_COLUMNS)[number];

export interface AppInfo {
  version: string;
  databasePath: string;
  /** How this UI reaches the backend. */
  transport: 'electron' | 'http';
  /** True where the backend can read files by path and open native dialogs (the desktop app). */
  canChoosePaths: boolean;
}

export interface FilterOptions {
  domains: string[];
  organizations: string[];
  resultTypes: string[];
  policyTypes: string[];
  /** Start of the oldest and newest stored report, UTC seconds; null when there is none. */
  firstReportTime: number | null;
  lastReportTime: number | null;
}

/** One sender's failures by MX host and result type, reconciled with its summaries. */
export interface SenderDetail extends Reconciliation {
  organization: string;
  byMx: MxBreakdown[];
  byResultType: Record<string, number>;
}

/**
 * The MX hosts list (failures by result type, and since when), and the failed
 * sessions that no failure detail places at a host. Who saw a host and from
 * which IPs are in one host's details ({@link MxHostDetail}): distinct values
 * cannot be summed ahead, and over a million reports only one host's can be
 * counted quickly.
 */
export interface MxHostList extends Reconciliation {
  hosts: MxHostFailures[];
}

/**
 * The policy domains each MX host failed for in a range (a shared MX service
 * receives for many domains). Asked beside the list, not inside it: at a
 * million reports each costs about as much as the list itself, and the list
 * need not wait for the column. Keyed by host: for each host the list shows,
 * the domains it failed for in the range (a host it does not show may have
 * an entry too; it is not one of the range's).
 */
export interface MxHostPolicyDomains {
  mx: string | null;
  policyDomains: string[];
}

/** An IP address in one MX host's failure details; null when the sender did not name one. */
export interface MxHostIp {
  ip: string | null;
  failedSessions: number;
  failureDetails: number;
}

/** One MX host (null: the failures that named none): its failures and where they came from, most first. */
export interface MxHostDetail extends MxBreakdown {
  sendingMtaIps: MxHostIp[];
  receivingIps: MxHostIp[];
  senders: { organization: string; failedSessions: number }[];
  /** The whole filter's failed sessions, of which `failedWithoutDetails` name no host at all. */
  reconciliation: Reconciliation;
  /**
   * Failed sessions in this host's failure details beyond their policies'
   * totals, at most: each over-counting policy is charged its excess up to
   * what its details name at this host (which host a sender over-counted at
   * is not known when its details name several).
   */
  detailsBeyondTotal: number;
  /** Failed sessions at the host on each UTC day with reports (`YYYY-MM-DD`); days without reports are left out. */
  byDay: { day: string; failedSessions: number | null }[];
}

/** A page of the Failures list, with the failed sessions its failure details name. */
export interface FailurePage {
  /** Failure details the query selects. */
  total: number;
  /** Their failed sessions. */
  failedSessions: number;
  rows: FailureRow[];
  /**
   * For a query narrowed only by what summaries know (time, domain, sender):
   * the summarized failed sessions no detail explains, and details beyond the
   * summaries; null for a query by MX host, result type or policy type.
   */
  failedWithoutDetails: number | null;
  detailsBeyondTotal: number | null;
}

/**
 * Every domain's health as of a UTC day. When no report at all arrived for
 * several days before it (the feed stopped: shared/health/feed.ts), one
 * `feed-silent` finding, and the domains judged as of the last report's day.
 */
export interface DomainsAnswer {
  /** `YYYY-MM-DD`: the day asked for (today, UTC, unless one was given). */
  asOf: string;
  /** `YYYY-MM-DD`: the last day of the recent window the domains were judged on: `asOf`, or the last report's day. */
  judgedAsOf: string;
  feedSilent: HealthFinding | null;
  /** Worst first. */
  domains: DomainHealth[];
}

/** A result type's failures for one domain, and since when (UTC dates). */
export interface DomainResultType {
  resultType: string;
  failedSessions: number;
  firstSeen: string;
  lastSeen: string;
}

/** One policy domain's page: its health now, and its breakdowns over the filter's range. */
export interface DomainDetail extends Reconciliation {
  domain: string;
  /** As in DomainsAnswer. */
  asOf: string;
  judgedAsOf: string;
  feedSilent: HealthFinding | null;
  health: DomainHealth;
  successfulSessions: number;
  byMx: MxHostFailures[];
  byResultType: DomainResultType[];
  senders: Summary['bySender'];
  /** The policies senders quoted for the domain, newest first. */
  policies: ReportedPolicyVersion[];
}

/** The findings as of a UTC day, and the worst severity among them. */
export interface FindingsAnswer {
  asOf: string;
  /** As in DomainsAnswer; a stopped feed's `feed-silent` finding comes first. */
  judgedAsOf: string;
  status: 'ok' | 'warning' | 'error';
  findings: HealthFinding[];
}

/** A stored failure detail with what the list needs to show and link it. */
export interface FailureRow extends FailureDetail {
  id: number;
  reportRowId: number;
  startTime: number;
  organization: string;
  policyDomain: string | null;
  policyType: string | null;
}

export interface ReportRow {
  id: number;
  organization: string;
  reportId: string;
  startTime: number;
  endTime: number;
  successfulSessions: number;
  failedSessions: number;
  policyDomains: string[];
  warnings: number;
}

export interface ReportDetail extends ReportRow {
  contactInfo: string | null;
  sourceKind: ReportSourceKind;
  sourceRef: string;
  receivedAt: number | null;
  importedAt: number;
  warningList: { code: string; field: string | null; message: string }[];
  /** As reported (each policy's own totals, also one that counts only once: see session-counting.ts). */
  policies: (Omit<TlsRptPolicy, 'failureDetails'> & {
    failureDetails: (FailureDetail & { id: number })[];
    /**
     * False for a policy that lists again the sessions of another policy of
     * this report for the same domain (countedPolicies): its own figures are
     * shown, but the report's totals and every breakdown count them once.
     */
    counted: boolean;
  })[];
  /**
   * The report exactly as the sender sent it, gzip-compressed as it is
   * stored, in base64: a fifth to a tenth of the JSON's size over IPC and
   * HTTP. The page inflates it (pako) when it is shown or saved.
   */
  originalGzip: string;
}

export interface ImportJobStatus {
  jobId: string;
  done: boolean;
  progress: ImportProgress;
  /** Outcomes from index `since` of the request on. */
  outcomes: FileOutcome[];
  /** Set when the job itself failed (not a file in it). */
  error: string | null;
}

/**
 * Declares a method: its request schema, and its response type as a phantom.
 * Curried so the response type is given and the request type inferred.
 */
// Response exists only as a type: the phantom that types each method's answer.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
function method<Response>() {
  return <Request extends z.ZodType>(request: Request): { request: Request; response?: Response } => ({ request });
}

const filterOnly = z.object({ filter: reportFilterSchema }).strict();
/**
 * A UTC date, `YYYY-MM-DD`: "as of" that day (findings are computed as if it
 * were today); a malformed date or one after today is refused with the reason.
 */
const asOfSchema = z
  .string()
  .max(10)
  .superRefine((date, context) => {
    const problem = asOfProblem(date);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  });
const secretSchema = z.string().min(1).max(16_384);
const failuresRequest = z
  .object({ query: failureQuerySchema, sort: sortSchema(FAILURE_SORT_COLUMNS).optional(), ...page })
  .strict();
/** A CSV export's request: serve mode's `GET /api/failures.csv` (csv-export.ts) and the desktop's saveFailuresCsv. */
export const failuresCsvRequestSchema = z
  .object({ query: failureQuerySchema, sort: sortSchema(FAILURE_SORT_COLUMNS).optional() })
  .strict();
export type FailuresCsvRequest = z.infer<typeof failuresCsvRequestSchema>;
const reportsRequest = z
  .object({
    filter: reportFilterSchema,
    organization: text.optional(),
    sort: sortSchema(REPORT_SORT_COLUMNS).optional(),
    ...page,
  })
  .strict();
const startImportRequest = z
  .object({
    paths: z.array(z.string().min(1).max(4096)).max(100_000).optional(),
    files: z.array(uploadedFileSchema).max(10_000).optional(),
    /** Ids answered by `POST /api/upload` (upload.ts). */
    uploads: z.array(z.uuid()).max(10_000).optional(),
  })
  .strict()
  .refine(
    (request) => (request.paths?.length ?? 0) + (request.files?.length ?? 0) + (request.uploads?.length ?? 0) > 0,
    { error: 'name at least one path, file or upload' },
  );

export const API = {
  appInfo: method<AppInfo>()(z.object({}).strict()),
  filterOptions: method<FilterOptions>()(z.object({}).strict()),
  /**
   * A stamp that changes whenever reports are stored, by this process or
   * another (a `tlsrpt import`, a sync): the UI asks for it every few
   * seconds and reloads its views when it changes. One indexed read.
   */
  dataVersion: method<{ stamp: number }>()(z.object({}).strict()),
  /** Every breakdown at once, as `tlsrpt summary` prints it. */
  summary: method<Summary>()(filterOnly),
  /** Only what the Overview shows: the views ask for what they draw, not for every breakdown. */
  overview: method<OverviewSummary>()(filterOnly),
  senders: method<Summary['bySender']>()(filterOnly),
  sender: method<SenderDetail>()(z.object({ filter: reportFilterSchema, organization: text }).strict()),
  mxHosts: method<MxHostList>()(filterOnly),
  mxHostPolicyDomains: method<MxHostPolicyDomains[]>()(filterOnly),
  /** Every policy domain's verdict and findings, as of today (UTC) or the given day (DomainsAnswer). */
  domains: method<DomainsAnswer>()(z.object({ asOf: asOfSchema.optional() }).strict()),
  /**
   * The sessions senders reported under a policy that names no policy
   * domain (`byDomain`'s row without one), in the filter's range: counted in
   * the totals, in no domain's row; the Domains view says how many.
   */
  sessionsWithoutDomain: method<{ successfulSessions: number; failedSessions: number }>()(filterOnly),
  /** One policy domain: its health, MX hosts, result types, senders and policy history. */
  domain: method<DomainDetail>()(
    z.object({ filter: reportFilterSchema, domain: text.min(1).pipe(hostName), asOf: asOfSchema.optional() }).strict(),
  ),
  /** The findings, worst first: what `tlsrpt check` prints. */
  findings: method<FindingsAnswer>()(
    z.object({ asOf: asOfSchema.optional(), domain: text.min(1).pipe(hostName).optional() }).strict(),
  ),
  /** One MX host's failures; `mx` null for the failures that named no host. */
  mxHost: method<MxHostDetail>()(
    z.object({ filter: reportFilterSchema, mx: text.min(1).pipe(hostName).nullable() }).strict(),
  ),
  failures: method<FailurePage>()(failuresRequest),
  /**
   * Desktop only: a native save dialog, then the failures written to the
   * chosen file as CSV by the backend, as the disk takes them (never the
   * whole text over IPC); `file` null when the dialog was cancelled. In a
   * browser the CSV is downloaded from `GET /api/failures.csv` (csv-export.ts).
   */
  saveFailuresCsv: method<{ file: string | null; rows: number }>()(failuresCsvRequestSchema),
  reports: method<{ total: number; rows: ReportRow[] }>()(reportsRequest),
  report: method<ReportDetail>()(z.object({ id: z.number().int().min(1) }).strict()),
  startImport: method<{ jobId: string }>()(startImportRequest),
  importStatus: method<ImportJobStatus>()(z.object({ jobId: text, since: z.number().int().min(0) }).strict()),
  mailboxes: method<MailboxStatus[]>()(z.object({}).strict()),
  /** Saves a mailbox; `secret` (password or token) only when it is new or changed. */
  saveMailbox: method<MailboxStatus>()(
    z
      .object({
        account: mailboxAccountSchema,
        secret: secretSchema.optional(),
        previousName: z.string().max(100).optional(),
      })
      .strict(),
  ),
  removeMailbox: method<{ removed: boolean }>()(z.object({ name: z.string().max(100) }).strict()),
  /** Connects and lists the folders, with the secret given or the one saved. */
  testMailbox: method<{ folders: string[] }>()(
    z.object({ account: mailboxAccountSchema, secret: secretSchema.optional() }).strict(),
  ),
  startMailboxSync: method<MailboxStatus>()(z.object({ name: z.string().max(100) }).strict()),
  stopMailboxSync: method<MailboxStatus>()(z.object({ name: z.string().max(100) }).strict()),
  mailboxMessages: method<(MessageOutcome & { processedAt: number })[]>()(
    z.object({ name: z.string().max(100), limit: z.number().int().min(1).max(5000) }).strict(),
  ),
  /**
   * Starts an OAuth2 sign-in (RFC 8252): the URL for the system browser; the
   * backend's loopback listener takes the answer, and `mailboxes` shows when
   * it is done.
   */
  signInMailbox: method<MailboxStatus & { authorizationUrl: string }>()(
    z.object({ name: z.string().max(100) }).strict(),
  ),
  /** Forgets the mailbox's tokens (and revokes the refresh token where the provider allows). */
  signOutMailbox: method<MailboxStatus>()(z.object({ name: z.string().max(100) }).strict()),
  /** Lints a pasted `_mta-sts` record, `_smtp._tls` record or policy file. */
  lintText: method<LintResult & { kind: TextKind }>()(
    z
      .object({
        text: z.string().max(65_536),
        kind: z.enum(['sts-record', 'tlsrpt-record', 'policy']).optional(),
        domain: text.optional(),
      })
      .strict(),
  ),
  policyDomains: method<{ domain: string; reports: number }[]>()(z.object({}).strict()),
  /** The policies senders quoted in stored reports for a domain, linted, with MX coverage. */
  storedPolicyLint: method<StoredPolicyLint>()(z.object({ domain: hostName }).strict()),
  /** Looks the domain up in DNS and fetches its policy over HTTPS, now (only when the user asks). */
  checkOnline: method<
    LintResult & {
      mxHosts: string[];
      stsRecords: string[];
      tlsrptRecords: string[];
      policyUrl: string;
      policyText: string | null;
      /** Set when no DNS server answered: the lists are then empty because nothing was looked up. */
      dnsUnreachable: string | null;
      /** The live check of each MX host; null when it was not asked for. */
      mxChecks: MxHostCheck[] | null;
      mxDnssec: DnssecStatus | null;
    }
  >()(
    z
      .object({
        domain: z
          .string()
          .min(1)
          .max(253)
          .regex(/^[A-Za-z0-9.-]+$/, 'a domain name'),
      })
      .strict(),
  ),
  /** Connects to one MX host now (port 25, STARTTLS, TLSA with DNSSEC), for "Check this host now". */
  checkMxHost: method<{ check: MxHostCheck; findings: MxFinding[] }>()(
    z
      .object({
        host: z
          .string()
          .min(1)
          .max(253)
          .regex(/^[A-Za-z0-9.-]+$/, 'a host name'),
      })
      .strict(),
  ),
  generateSetup: method<GeneratedSetup>()(
    z
      .object({
        domain: z.string().min(1).max(253),
        mxHosts: z.array(z.string().min(1).max(253)).min(1).max(50),
        mode: z.enum(['enforce', 'testing', 'none']),
        maxAge: z.number().int().min(0).max(31_557_600),
        reportAddress: z.string().min(3).max(512),
      })
      .strict(),
  ),
  /**
   * Desktop only: a native open dialog, then an import of what was chosen;
   * or ('opened') an import of the files the OS opened the app with.
   */
  chooseAndImport: method<{ jobId: string | null }>()(
    z.object({ what: z.enum(['files', 'folder', 'opened']) }).strict(),
  ),
} as const;

export type ApiMethod = keyof typeof API;
export type ApiRequest<M extends ApiMethod> = z.input<(typeof API)[M]['request']>;
export type ApiResponse<M extends ApiMethod> = NonNullable<(typeof API)[M]['response']>;
export const API_METHODS = Object.keys(API) as ApiMethod[];

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API, name);
}

/**
 * `failed`: the request was fine but what it asked could not be done (a
 * mailbox server said no, say); the message says why. `unreachable`: no
 * backend answered (in the desktop app, its backend process had stopped), so
 * the page shows its banner and asks again once it answers.
 */
export type ApiErrorCode = 'invalid-request' | 'not-found' | 'unavailable' | 'failed' | 'internal' | 'unreachable';

/** What every transport carries back: a value, or an error a person can read. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: { code: ApiErrorCode; message: string } };

/** The renderer's view of the backend, whatever the transport. */
export interface ApiClient {
  call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>>;
}

/**
 * Checks a request against its method's schema: the parsed request, or the
 * error answer. Every transport calls this before anything else happens.
 */
export function validateRequest(
  method: ApiMethod,
  request: unknown,
): { ok: true; request: unknown } | { ok: false; error: { code: 'invalid-request'; message: string } } {
  const parsed = API[method].request.safeParse(request);
  if (parsed.success) return { ok: true, request: parsed.data };
  return {
    ok: false,
    error: { code: 'invalid-request', message: `${method}: ${describeValidationError(parsed.error)}` },
  };
}

/** How much of a refused request its answer repeats: a stranger's keys and values are not echoed in full. */
const VALIDATION_ISSUES_SHOWN = 5;
const VALIDATION_KEYS_SHOWN = 5;
const VALIDATION_NAME_CHARS = 64;
const VALIDATION_MESSAGE_CHARS = 1_000;

/**
 * Turns a failed validation into one line: `filter.fromTime: Expected number, received string`.
 * Bounded whatever the request: zod's own message for unknown keys lists every one of them, so a body of a
 * million keys was answered with all of them (17.6 MB; issue 23, point 9).
 */
export function describeValidationError(error: z.ZodError): string {
  const line = error.issues
    .slice(0, VALIDATION_ISSUES_SHOWN)
    .map((issue) => {
      const path = issue.path.map((part) => clip(String(part), VALIDATION_NAME_CHARS)).join('.');
      return `${path.length > 0 ? `${path}: ` : ''}${issueMessage(issue)}`;
    })
    .join('; ');
  const more = error.issues.length - VALIDATION_ISSUES_SHOWN;
  return clip(more > 0 ? `${line}; and ${more} more problems` : line, VALIDATION_MESSAGE_CHARS);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return clip(issue.message, VALIDATION_MESSAGE_CHARS);
  const shown = issue.keys
    .slice(0, VALIDATION_KEYS_SHOWN)
    .map((key) => JSON.stringify(clip(key, VALIDATION_NAME_CHARS)));
  const more = issue.keys.length - shown.length;
  return `Unrecognized key${issue.keys.length === 1 ? '' : 's'}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

function clip(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}
