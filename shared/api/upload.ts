// Kept apart from contract.ts, which holds the zod schemas: the renderer needs only these names.
/**
 * Serve mode's upload: one file per `POST /api/upload`, its bytes as the body
 * (application/octet-stream), its name percent-encoded in this header. The
 * server spools it to disk and answers `{ ok: true, value: { uploadId } }`;
 * `startImport({ uploads })` then imports the spooled files off the request
 * thread. A body is never held in memory, and never parsed as JSON.
 */
export const UPLOAD_ROUTE = 'upload';
export const UPLOAD_NAME_HEADER = 'x-tlsrpt-file-name';
export interface UploadResponse {
  uploadId: string;
}
