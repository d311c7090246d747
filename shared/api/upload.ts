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

/**
 * Many files in one `POST /api/upload`, as multipart/form-data with one part
 * per file (a browser's FormData): one round trip for many small reports,
 * where one per file cost more than importing them. The answer lists each
 * part in order, spooled or refused.
 */
export interface UploadManyResponse {
  uploads: ({ name: string; uploadId: string } | { name: string; refused: string })[];
}
/** Files in one multi-file upload request; a drop is sent in as many requests as it needs. */
export const MAX_FILES_PER_UPLOAD = 1000;
/** Bytes in one multi-file upload request; a larger file goes alone, as one file per request. */
export const MAX_UPLOAD_REQUEST_BYTES = 64 * 1024 * 1024;
