// Kept apart from contract.ts, which holds the zod schemas: the renderer needs only these names.
/**
 * Serve mode's CSV export: `GET /api/failures.csv?request=<JSON>`, the JSON
 * being a `failuresCsv` request (contract.ts). The answer is the CSV itself,
 * streamed as the client reads it (an attachment, so that a plain link saves
 * it to disk): an export of any size costs the server a chunk, never the
 * whole text. A GET, so that the browser's own download saves it as it comes
 * instead of the page holding it; refused from other sites as the API is.
 */
export const FAILURES_CSV_ROUTE = 'failures.csv';
export const FAILURES_CSV_REQUEST_PARAMETER = 'request';

/** The file name an export is saved under, by default. */
export function failuresCsvFileName(now: Date): string {
  return `tlsrpt-failures-${now.toISOString().slice(0, 10)}.csv`;
}
