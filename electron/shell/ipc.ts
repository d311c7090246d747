import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { API_CHANNEL_PREFIX } from '../../shared/api/bridge.js';
import { API_METHODS, validateRequest, type ApiMethod, type ApiResult } from '../../shared/api/contract.js';
import { isAppUrl } from './security.js';

/**
 * Where requests go: the backend process, which checks each against its
 * schema (dispatch.ts, as for serve mode), or main itself for what needs the
 * window (dialogs): `answersItself` names those, and main checks them.
 */
export interface ApiRouter {
  call(method: ApiMethod, request: unknown): Promise<ApiResult<unknown>>;
  answersItself(method: ApiMethod): boolean;
}

/**
 * Registers one IPC handler per contract method, and nothing else. Each
 * checks that the call comes from the app's own page before it goes any
 * further; a request is checked against its schema once, by whoever answers it.
 */
export function registerApiHandlers(ipcMain: Pick<IpcMain, 'handle'>, router: ApiRouter): string[] {
  const channels: string[] = [];
  for (const method of API_METHODS) {
    const channel = `${API_CHANNEL_PREFIX}${method}`;
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, request: unknown) =>
      handleApiCall(router, method, event, request),
    );
    channels.push(channel);
  }
  return channels;
}

async function handleApiCall(
  router: ApiRouter,
  method: ApiMethod,
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  request: unknown,
): Promise<ApiResult<unknown>> {
  if (!isAppUrl(event.senderFrame?.url)) {
    return { ok: false, error: { code: 'invalid-request', message: 'calls from outside the app are refused' } };
  }
  let checked = request;
  if (router.answersItself(method)) {
    const valid = validateRequest(method, request);
    if (!valid.ok) return valid;
    checked = valid.request;
  }
  try {
    return await router.call(method, checked);
  } catch (error) {
    return { ok: false, error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } };
  }
}
