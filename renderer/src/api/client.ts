import type { ElectronBridge } from '../../../shared/api/bridge.js';
import type {
  ApiClient,
  ApiMethod,
  ApiRequest,
  ApiResponse,
  ApiResult,
  FailuresCsvRequest,
} from '../../../shared/api/contract.js';
import {
  FAILURES_CSV_REQUEST_PARAMETER,
  FAILURES_CSV_ROUTE,
  failuresCsvFileName,
} from '../../../shared/api/csv-export.js';
import {
  UPLOAD_NAME_HEADER,
  UPLOAD_ROUTE,
  type UploadManyResponse,
  type UploadResponse,
} from '../../../shared/api/upload.js';

declare global {
  interface Window {
    tlsrpt?: ElectronBridge<File>;
  }
}

/** An error the backend answered with; `message` is meant for people. */
export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/**
 * What a view says when no backend answers: serve mode stopped (or, in
 * development, the backend behind Vite's proxy), or the network between.
 * The browser's own words ("Failed to fetch") say nothing of what to do.
 */
export const BACKEND_UNREACHABLE =
  'The tlsrpt-viewer backend cannot be reached: the server (tlsrpt serve) has stopped, or the connection to it ' +
  'is down. Start it again, then press Retry.';

/** Gateways answer these when the backend behind them is down (Vite's proxy in `npm run dev` answers 502 or 504). */
const GATEWAY_STATUSES = new Set([502, 503, 504]);

async function post(url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    // fetch rejects only when no HTTP answer came at all.
    throw new ApiCallError('unreachable', BACKEND_UNREACHABLE);
  }
  if (GATEWAY_STATUSES.has(response.status) && !(response.headers.get('content-type') ?? '').includes('json')) {
    throw new ApiCallError('unreachable', BACKEND_UNREACHABLE);
  }
  return response;
}

function unwrap<M extends ApiMethod>(result: ApiResult<unknown>): ApiResponse<M> {
  if (!result.ok) throw new ApiCallError(result.error.code, result.error.message);
  return result.value as ApiResponse<M>;
}

/** In the desktop app: the preload's bridge over IPC. */
function electronClient(bridge: ElectronBridge<File>): ApiClient {
  return {
    async call(method, request) {
      return unwrap(await bridge.invoke(method, request));
    },
  };
}

/** In serve mode: same-origin JSON posts. */
function httpClient(): ApiClient {
  return {
    async call<M extends ApiMethod>(method: M, request: ApiRequest<M>) {
      const response = await post(`api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      });
      let result: ApiResult<unknown>;
      try {
        result = (await response.json()) as ApiResult<unknown>;
      } catch {
        throw new ApiCallError('internal', `the server answered ${response.status} ${response.statusText}`);
      }
      return unwrap<M>(result);
    },
  };
}

/** Picked once at start; the rest of the UI cannot tell the transports apart. */
export const api: ApiClient = window.tlsrpt ? electronClient(window.tlsrpt) : httpClient();

/** The path of a dropped file, where the desktop app can give one. */
export function pathForFile(file: File): string | null {
  if (!window.tlsrpt) return null;
  const path = window.tlsrpt.pathForFile(file);
  return path === '' ? null : path;
}

/** Whether files can be uploaded to a server (serve mode), rather than sent over IPC. */
export function canUpload(): boolean {
  return !window.tlsrpt;
}

/**
 * Serve mode: sends one file's bytes as they are (no base64, no JSON), to be
 * spooled by the server; its id then goes to startImport({ uploads }).
 */
export async function uploadFile(file: File): Promise<string> {
  const response = await post(`api/${UPLOAD_ROUTE}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', [UPLOAD_NAME_HEADER]: encodeURIComponent(file.name) },
    body: file,
  });
  let result: ApiResult<UploadResponse>;
  try {
    result = (await response.json()) as ApiResult<UploadResponse>;
  } catch {
    throw new ApiCallError('internal', `the server answered ${response.status} ${response.statusText}`);
  }
  if (!result.ok) throw new ApiCallError(result.error.code, result.error.message);
  return result.value.uploadId;
}

/**
 * Serve mode: sends many files in one request (multipart/form-data, as the
 * browser builds it from a FormData); each comes back spooled or refused.
 */
export async function uploadFiles(files: readonly File[]): Promise<UploadManyResponse['uploads']> {
  const form = new FormData();
  for (const file of files) form.append('file', file, file.name);
  const response = await fetch(`api/${UPLOAD_ROUTE}`, { method: 'POST', body: form });
  let result: ApiResult<UploadManyResponse>;
  try {
    result = (await response.json()) as ApiResult<UploadManyResponse>;
  } catch {
    throw new ApiCallError('internal', `the server answered ${response.status} ${response.statusText}`);
  }
  if (!result.ok) throw new ApiCallError(result.error.code, result.error.message);
  return result.value.uploads;
}

/**
 * Serve mode: starts the browser's own download of a CSV export (csv-export.ts),
 * which saves it to disk as the server streams it; the page never holds it.
 */
export function downloadFailuresCsv(request: FailuresCsvRequest): void {
  const anchor = document.createElement('a');
  anchor.href = `api/${FAILURES_CSV_ROUTE}?${FAILURES_CSV_REQUEST_PARAMETER}=${encodeURIComponent(JSON.stringify(request))}`;
  anchor.download = failuresCsvFileName(new Date());
  anchor.click();
}
