import { stringify } from 'csv-stringify/sync';
import type { FailureQuery, FailureSortColumn, Sort } from '../../../shared/api/contract.js';
import type { ReadableDatabase } from '../db/database.js';
import { iterateFailures } from '../db/failure-queries.js';

export type FailureSort = Sort<FailureSortColumn> | undefined;

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

/** Rows turned into CSV text at a time: the rows themselves are never all held, only the text. */
const CHUNK_ROWS = 2000;

/** The failure details of a query as CSV (RFC 4180, CRLF), with the number of rows. */
export function failuresCsv(
  db: ReadableDatabase,
  query: FailureQuery,
  sort: FailureSort,
): { csv: string; rows: number } {
  const parts = [stringify([CSV_COLUMNS], { record_delimiter: 'windows' })];
  let chunk: (string | number)[][] = [];
  let rows = 0;
  for (const row of iterateFailures(db, query, sort)) {
    chunk.push(
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
    rows += 1;
    if (chunk.length >= CHUNK_ROWS) {
      parts.push(stringify(chunk, { record_delimiter: 'windows' }));
      chunk = [];
    }
  }
  if (chunk.length > 0) parts.push(stringify(chunk, { record_delimiter: 'windows' }));
  return { csv: parts.join(''), rows };
}
