import { Link } from 'react-router';
import type { Loadable } from '../api/useApi.js';
import type { ReactNode } from 'react';

export function Loading() {
  return (
    <p className="muted" role="status">
      Loading…
    </p>
  );
}

export function ErrorNote({ message }: { message: string }) {
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** Renders a loaded value, or the loading and error states in between. */
export function Loaded<T>({ state, children }: { state: Loadable<T>; children: (value: T) => ReactNode }) {
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorNote message={state.message} />;
  return <>{children(state.value)}</>;
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
        Or go to <Link to="/import">Import</Link> to choose files. Reports usually arrive by e-mail at the{' '}
        <code>rua=mailto:</code> address of your <code>_smtp._tls</code> TXT record: add that mailbox under{' '}
        <Link to="/mailboxes">Mailboxes</Link> and new reports come in by themselves.
      </p>
    </section>
  );
}
