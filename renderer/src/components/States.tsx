import { Link } from 'react-router';
import { BACKEND_UNREACHABLE } from '../api/client.js';
import type { Loadable } from '../api/useApi.js';
import type { ReactNode } from 'react';
import { ROUTES } from '../routes.js';
import { useDataChanged } from '../state/filter.js';

export function Loading() {
  return (
    <p className="muted" role="status">
      Loading…
    </p>
  );
}

/**
 * An error in words. With `retry` (by default when the backend cannot be
 * reached), a Retry button asks every view for its data again: what failed
 * to load is loaded anew, and what loaded stays.
 */
export function ErrorNote({ message, retry }: { message: string; retry?: boolean }) {
  const dataChanged = useDataChanged();
  return (
    <div className="error-note" role="alert">
      <p className="error">{message}</p>
      {(retry ?? message === BACKEND_UNREACHABLE) && (
        <button type="button" onClick={dataChanged}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Errors that asking again may mend; a request the backend refused, or a thing that does not exist, stays so. */
const FINAL_ERRORS = new Set(['invalid-request', 'not-found']);

/** Renders a loaded value, or the loading and error states in between; a thing the backend does not know is "not found". */
export function Loaded<T>({ state, children }: { state: Loadable<T>; children: (value: T) => ReactNode }) {
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') {
    if (state.code === 'not-found') return <NotFound message={state.message} />;
    return <ErrorNote message={state.message} retry={!FINAL_ERRORS.has(state.code)} />;
  }
  return <>{children(state.value)}</>;
}

/** What an unknown address, sender, MX host, domain or report shows: what is missing, and a way on. */
export function NotFound({ what = 'page', message }: { what?: string; message?: string }) {
  return (
    <section className="not-found" aria-labelledby="not-found-title" data-testid="not-found">
      <h2 id="not-found-title">Not found</h2>
      <p>{message === undefined ? `There is no such ${what} in tlsrpt-viewer.` : asSentence(message)}</p>
      <p>
        <Link to={ROUTES.overview.path}>Go to the Overview</Link>
      </p>
    </section>
  );
}

/**
 * A message as a sentence of its own. The backend's messages are clauses, as
 * the command line prints them after "error:" ("there is no report 7"); under
 * the heading they read "Not found there is no report 7" without this.
 */
function asSentence(message: string): string {
  const text = message.trim();
  const capitalized = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?”"]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}

/** What an empty database shows instead of empty charts. */
export function EmptyDatabase() {
  return (
    <section className="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No reports yet</h2>
      <p>
        Drop TLS-RPT reports anywhere on this window: <code>.json</code>, <code>.json.gz</code>, report e-mails (
        <code>.eml</code>) or whole folders of them.
      </p>
      <p>
        Or go to <Link to={ROUTES.import.path}>Import</Link> to choose files. Reports usually arrive by e-mail at the{' '}
        <code>rua=mailto:</code> address of your <code>_smtp._tls</code> TXT record: add that mailbox under{' '}
        <Link to={ROUTES.mailboxes.path}>Mailboxes</Link> and new reports come in by themselves.
      </p>
    </section>
  );
}
