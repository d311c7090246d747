import { isApiMethod, validateRequest, type ApiResult } from '../../../shared/api/contract.js';
import { ApiFailure, type ApiHandlers } from './handlers.js';

/**
 * Every request from a UI passes here, whatever its transport: the method
 * must be in the contract and the request must match its schema before a
 * handler sees it. Nothing a caller sends can crash the backend: every fault
 * comes back as an error result.
 */
export async function dispatch(handlers: ApiHandlers, method: unknown, request: unknown): Promise<ApiResult<unknown>> {
  if (!isApiMethod(method)) {
    return {
      ok: false,
      error: {
        code: 'invalid-request',
        message: `unknown method ${typeof method === 'string' ? JSON.stringify(method.slice(0, 80)) : typeof method}`,
      },
    };
  }
  const valid = validateRequest(method, request);
  if (!valid.ok) return valid;
  try {
    const handler = handlers[method] as (request: unknown) => unknown;
    return { ok: true, value: await handler(valid.request) };
  } catch (error) {
    if (error instanceof ApiFailure) return { ok: false, error: { code: error.code, message: error.message } };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: 'internal', message: `${method} failed: ${message}` } };
  }
}
