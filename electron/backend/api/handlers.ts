import { APP_VERSION } from '../app-version.js';
import { stringify } from 'csv-stringify/sync';
import type { API, ApiMethod, ApiResponse, AppInfo } from '../../../shared/api/contract.js';
import type { z } from 'zod';
import type { WritableDatabase } from '../db/database.js';
import {
  failurePage,
  filterOptions,
  iterateFailures,
  mxHostRows,
  reportDetail,
  reportPage,
  senderBreakdown,
} from '../db/explore-queries.js';
import { summarize } from '../db/summary-queries.js';
import { ImportJobs } from '../import/import-jobs.js';
import { ReportImporter } from '../import/importer.js';

/** A handled failure with a code the client can act on; the message is for people. */
export class ApiFailure extends Error {
  constructor(
    readonly code: 'not-found' | 'unavailable',
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
}

/** Spreadsheets run cells that start like a formula; report fields are written by strangers. */
function csvCell(value: string | number | null): string | number {
  if (value === null) return '';
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(value)) return `'${value}`;
  return value;
}

const CSV_COLUMNS = [
  'report_start',
  'organization',
  'policy_domain',
  'policy_type',
  'result_type',
  'sending_mta_ip',
  'receiving_mx_hostname',
  'receiving_mx_helo',
  'receiving_ip',
  'failed_sessions',
  'failure_reason_code',
  'additional_information',
];

/** The backend behind the contract: one function per method, over one database. */
export function createApiHandlers(options: BackendOptions): { handlers: ApiHandlers; jobs: ImportJobs } {
  const { db } = options;
  const jobs = new ImportJobs(new ReportImporter(db));
  const handlers: ApiHandlers = {
    appInfo: () => ({
      version: APP_VERSION,
      databasePath: options.databasePath,
      transport: options.transport,
      canChoosePaths: options.allowPaths,
    }),
    filterOptions: () => filterOptions(db),
    summary: ({ filter }) => summarize(db, filter),
    senderBreakdown: ({ filter, organization }) => senderBreakdown(db, filter, organization),
    mxHosts: ({ filter }) => mxHostRows(db, filter),
    failures: ({ query, sort, offset, limit }) => failurePage(db, query, sort, offset, limit),
    failuresCsv: ({ query, sort }) => {
      const rows: (string | number)[][] = [CSV_COLUMNS];
      for (const row of iterateFailures(db, query, sort)) {
        rows.push(
          [
            new Date(row.startTime * 1000).toISOString(),
            row.organization,
            row.policyDomain,
            row.policyType,
            row.resultType,
            row.sendingMtaIp,
            row.receivingMxHostname,
            row.receivingMxHelo,
            row.receivingIp,
            row.failedSessions,
            row.failureReasonCode,
            row.additionalInformation,
          ].map(csvCell),
        );
      }
      return { csv: stringify(rows, { record_delimiter: 'windows' }), rows: rows.length - 1 };
    },
    reports: ({ filter, organization, sort, offset, limit }) =>
      reportPage(db, filter, organization, sort, offset, limit),
    report: ({ id }) => {
      const detail = reportDetail(db, id);
      if (!detail) throw new ApiFailure('not-found', `there is no report ${id}`);
      return detail;
    },
    startImport: ({ paths, files }) => {
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
  };
  return { handlers, jobs };
}
