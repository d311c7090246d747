import { useEffect, useState } from 'react';
import type { ApiMethod, ApiRequest, ApiResponse } from '../../../shared/api/contract.js';
import { ApiCallError, api } from './client.js';
import { useDataVersion } from '../state/filter.js';

export type Loadable<T> =
  | { status: 'loading' }
  /** `code` is the backend's error code, or `unreachable` when no backend answered. */
  | { status: 'error'; message: string; code: string }
  | { status: 'ready'; value: T };

interface Answer<T> {
  /** The request this answers, compared by value. */
  key: string;
  loadable: Loadable<T>;
}

/**
 * Calls one contract method, again whenever the request changes or an import
 * has changed the data. While data is reloaded after an import the previous
 * answer stays on screen; a different request shows loading. Stale answers
 * are dropped.
 */
export function useApi<M extends ApiMethod>(method: M, request: ApiRequest<M> | null): Loadable<ApiResponse<M>> {
  const key = `${method} ${JSON.stringify(request)}`;
  const [answer, setAnswer] = useState<Answer<ApiResponse<M>> | null>(null);
  const dataVersion = useDataVersion();
  useEffect(() => {
    if (request === null) return;
    let current = true;
    api.call(method, request).then(
      (value) => {
        if (current) setAnswer({ key, loadable: { status: 'ready', value } });
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const code = error instanceof ApiCallError ? error.code : 'internal';
        if (current) setAnswer({ key, loadable: { status: 'error', message, code } });
      },
    );
    return () => {
      current = false;
    };
    // `key` stands for method and request, compared by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, dataVersion]);
  return answer !== null && answer.key === key ? answer.loadable : { status: 'loading' };
}
