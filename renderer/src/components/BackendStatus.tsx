import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiCallError, api } from '../api/client.js';
import { useDataChanged } from '../state/filter.js';

/**
 * How often the UI asks whether reports were stored. Another process may
 * import while the window is open (`tlsrpt import`, `tlsrpt sync`, a second
 * window); the answer is one indexed read, so every few seconds costs
 * nothing, and the new reports show within that time.
 */
const DATA_VERSION_POLL_MS = 3000;

/**
 * Watches the backend: when the stored reports change, every view reloads;
 * when the backend stops answering, a banner says so in words above every
 * view, with a Retry; when it answers again, every view reloads.
 */
export function BackendStatus() {
  const dataChanged = useDataChanged();
  /** What the client said when no backend answered (serve mode and the desktop app word it differently), or null. */
  const [unreachable, setUnreachable] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const stamp = useRef<number | null>(null);
  const down = useRef(false);

  const check = useCallback(async (): Promise<void> => {
    try {
      const answer = await api.call('dataVersion', {});
      const changed = stamp.current !== null && stamp.current !== answer.stamp;
      stamp.current = answer.stamp;
      if (down.current || changed) dataChanged();
      down.current = false;
      setUnreachable(null);
    } catch (error) {
      // Only a backend that does not answer is this banner's business; a view shows its own errors.
      if (error instanceof ApiCallError && error.code === 'unreachable') {
        down.current = true;
        setUnreachable(error.message);
      }
    }
  }, [dataChanged]);

  useEffect(() => {
    const first = setTimeout(() => void check(), 0);
    const timer = setInterval(() => {
      // A hidden window is asked again when it shows.
      if (document.visibilityState === 'visible') void check();
    }, DATA_VERSION_POLL_MS);
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') void check();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [check]);

  if (unreachable === null) return null;
  return (
    <div className="backend-down" role="alert" data-testid="backend-unreachable">
      <p>{unreachable}</p>
      <button
        type="button"
        disabled={checking}
        onClick={() => {
          setChecking(true);
          void check().finally(() => setChecking(false));
        }}
      >
        {checking ? 'Retrying…' : 'Retry'}
      </button>
    </div>
  );
}
