import { useEffect, useState, type SyntheticEvent } from 'react';
import type { MailboxAccount, MailboxStatus, MessageOutcome } from '../../../shared/mailbox/account.js';
import { DEFAULT_PORTS } from '../../../shared/mailbox/account.js';
import { api } from '../api/client.js';
import { useApi } from '../api/useApi.js';
import { ErrorNote } from '../components/States.js';
import { formatCount, formatDateTime } from '../format.js';
import { useDataChanged } from '../state/filter.js';

const POLL_MS = 1000;

/** Saved IMAP mailboxes: add, test, edit, remove, start and stop their sync, and see how it goes. */
export function Mailboxes() {
  const [statuses, setStatuses] = useState<MailboxStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<MailboxAccount | 'new' | null>(null);
  const [refresh, setRefresh] = useState(0);
  const dataChanged = useDataChanged();

  useEffect(() => {
    let current = true;
    let imported = -1;
    const load = (): void => {
      api.call('mailboxes', {}).then(
        (value) => {
          if (!current) return;
          setStatuses(value);
          // New reports from a running sync: let the other views reload.
          const total = value.reduce((sum, status) => sum + status.reportsImported, 0);
          if (imported >= 0 && total !== imported) dataChanged();
          imported = total;
        },
        (caught: unknown) => {
          if (current) setError(caught instanceof Error ? caught.message : String(caught));
        },
      );
    };
    load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [refresh, dataChanged]);

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
    setRefresh((value) => value + 1);
  };

  return (
    <>
      <h2>Mailboxes</h2>
      <p className="muted">
        Reports arrive by e-mail at the <code>rua=mailto:</code> address of your <code>_smtp._tls</code> record. Add the
        IMAP mailbox that receives them, and new reports are imported as they arrive.
      </p>
      {error && <ErrorNote message={error} />}
      {statuses?.length === 0 && editing === null && <p>No mailbox yet.</p>}
      <ul className="mailboxes" aria-label="Mailboxes">
        {statuses?.map((status) => (
          <MailboxCard
            key={status.account.name}
            status={status}
            onStart={() => void act(() => api.call('startMailboxSync', { name: status.account.name }))}
            onStop={() => void act(() => api.call('stopMailboxSync', { name: status.account.name }))}
            onEdit={() => setEditing(status.account)}
            onRemove={() => {
              if (window.confirm(`Remove the mailbox "${status.account.name}"? Its imported reports stay.`)) {
                void act(() => api.call('removeMailbox', { name: status.account.name }));
              }
            }}
          />
        ))}
      </ul>
      {editing === null ? (
        <button type="button" onClick={() => setEditing('new')}>
          Add a mailbox…
        </button>
      ) : (
        <MailboxForm
          initial={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            setRefresh((value) => value + 1);
          }}
        />
      )}
    </>
  );
}

const STATE_LABELS: Record<MailboxStatus['state'], string> = {
  stopped: 'Stopped',
  connecting: 'Connecting…',
  syncing: 'Syncing…',
  watching: 'Watching for new reports',
  error: 'Connection problem',
};

function MailboxCard(props: {
  status: MailboxStatus;
  onStart: () => void;
  onStop: () => void;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const { status } = props;
  const { account } = status;
  const running = status.state !== 'stopped';
  return (
    <li className="mailbox card" data-testid="mailbox" aria-label={`Mailbox ${account.name}`}>
      <h3>{account.name}</h3>
      <p className="mono">
        {account.user} @ {account.host}:{account.port} ({account.security}) · {account.mailbox}
      </p>
      <p data-testid="mailbox-state">{STATE_LABELS[status.state]}</p>
      {status.progress && status.progress.total > 0 && (
        <progress max={status.progress.total} value={status.progress.done} aria-label="Messages synced" />
      )}
      <dl className="facts">
        <dt>Last sync</dt>
        <dd>{status.lastSyncAt === null ? 'never' : formatDateTime(status.lastSyncAt)}</dd>
        <dt>Messages seen</dt>
        <dd data-testid="mailbox-messages">{formatCount(status.messagesSeen)}</dd>
        <dt>Reports imported</dt>
        <dd data-testid="mailbox-reports">{formatCount(status.reportsImported)}</dd>
        {status.lastError && (
          <>
            <dt>Last error</dt>
            <dd className="error">{status.lastError}</dd>
          </>
        )}
        {!status.hasSecret && (
          <>
            <dt>Password</dt>
            <dd className="error">
              not known{status.secretPersists ? '' : ' since serve mode started'}: edit the mailbox to enter it
            </dd>
          </>
        )}
      </dl>
      {/* Remounted, so reloaded, whenever the count of messages seen changes. */}
      <RecentMessages key={status.messagesSeen} name={account.name} messagesSeen={status.messagesSeen} />
      <p>
        {running ? (
          <button type="button" onClick={props.onStop}>
            Stop sync
          </button>
        ) : (
          <button type="button" onClick={props.onStart} disabled={!status.hasSecret}>
            Start sync
          </button>
        )}{' '}
        <button type="button" onClick={props.onEdit}>
          Edit…
        </button>{' '}
        <button type="button" onClick={props.onRemove}>
          Remove
        </button>
      </p>
    </li>
  );
}

const MESSAGE_LABELS: Record<MessageOutcome['status'], string> = {
  imported: 'Imported',
  duplicate: 'Already stored',
  'no-report': 'No report',
  error: 'Failed',
};

/** What happened to each message, newest first. */
function RecentMessages({ name, messagesSeen }: { name: string; messagesSeen: number }) {
  const messages = useApi('mailboxMessages', { name, limit: 20 });
  if (messagesSeen === 0 || messages.status !== 'ready') return null;
  return (
    <details>
      <summary>Recent messages</summary>
      <ul className="outcomes" data-testid="mailbox-log">
        {messages.value.map((message) => (
          <li key={message.uid} className={`outcome ${message.status === 'error' ? 'rejected' : message.status}`}>
            <strong>{MESSAGE_LABELS[message.status]}</strong> UID {message.uid} ({formatDateTime(message.processedAt)}):{' '}
            {message.message}
          </li>
        ))}
      </ul>
    </details>
  );
}

const EMPTY: MailboxAccount = {
  name: '',
  host: '',
  port: DEFAULT_PORTS.tls,
  security: 'tls',
  user: '',
  auth: 'password',
  mailbox: 'INBOX',
  after: { action: 'none' },
  pollIntervalSeconds: 300,
  caFile: null,
};

function MailboxForm({ initial, onDone }: { initial: MailboxAccount | null; onDone: () => void }) {
  const [account, setAccount] = useState<MailboxAccount>(initial ?? EMPTY);
  const [secret, setSecret] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (update: Partial<MailboxAccount>): void => {
    setAccount((previous) => ({ ...previous, ...update }));
  };
  const secretField = secret === '' ? undefined : secret;

  const run = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setMessage(null);
    try {
      await work();
    } catch (caught) {
      setMessage({ error: true, text: caught instanceof Error ? caught.message : String(caught) });
    } finally {
      setBusy(false);
    }
  };
  const test = (): Promise<void> =>
    run(async () => {
      const { folders } = await api.call('testMailbox', { account, secret: secretField });
      setMessage({ error: false, text: `Connected. Folders: ${folders.join(', ')}` });
    });
  const save = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    void run(async () => {
      await api.call('saveMailbox', { account, secret: secretField, previousName: initial?.name });
      onDone();
    });
  };

  return (
    <form className="mailbox-form card" onSubmit={save} aria-label={initial ? `Edit ${initial.name}` : 'New mailbox'}>
      <h3>{initial ? `Edit ${initial.name}` : 'New mailbox'}</h3>
      <label>
        Name <input required value={account.name} onChange={(event) => set({ name: event.target.value })} />
      </label>
      <label>
        Server{' '}
        <input
          required
          value={account.host}
          placeholder="imap.example.com"
          onChange={(event) => set({ host: event.target.value.trim() })}
        />
      </label>
      <label>
        Security{' '}
        <select
          value={account.security}
          onChange={(event) => {
            const security = event.target.value as MailboxAccount['security'];
            set({ security, port: DEFAULT_PORTS[security] });
          }}
        >
          <option value="tls">TLS (port 993)</option>
          <option value="starttls">STARTTLS (port 143)</option>
          <option value="plain">None (this machine only)</option>
        </select>
      </label>
      <label>
        Port{' '}
        <input
          type="number"
          min={1}
          max={65535}
          required
          value={account.port}
          onChange={(event) => set({ port: Number(event.target.value) })}
        />
      </label>
      <label>
        User{' '}
        <input
          required
          value={account.user}
          autoComplete="username"
          onChange={(event) => set({ user: event.target.value })}
        />
      </label>
      <label>
        Sign-in{' '}
        <select value={account.auth} onChange={(event) => set({ auth: event.target.value as MailboxAccount['auth'] })}>
          <option value="password">Password</option>
          <option value="xoauth2">OAuth2 access token</option>
        </select>
      </label>
      <label>
        {account.auth === 'password' ? 'Password' : 'Access token'}{' '}
        <input
          type="password"
          value={secret}
          autoComplete="current-password"
          placeholder={initial ? 'unchanged' : ''}
          onChange={(event) => setSecret(event.target.value)}
        />
      </label>
      <label>
        Folder <input required value={account.mailbox} onChange={(event) => set({ mailbox: event.target.value })} />
      </label>
      <label>
        After import{' '}
        <select
          value={account.after.action}
          onChange={(event) => {
            const action = event.target.value;
            set({
              after:
                action === 'move'
                  ? { action: 'move', folder: 'Processed' }
                  : { action: action === 'seen' ? 'seen' : 'none' },
            });
          }}
        >
          <option value="none">Leave the message untouched (read-only)</option>
          <option value="seen">Mark it as read</option>
          <option value="move">Move it to a folder</option>
        </select>
      </label>
      {account.after.action === 'move' && (
        <label>
          Move to{' '}
          <input
            required
            value={account.after.folder}
            onChange={(event) => set({ after: { action: 'move', folder: event.target.value } })}
          />
        </label>
      )}
      <label>
        Check every{' '}
        <input
          type="number"
          min={30}
          value={account.pollIntervalSeconds}
          onChange={(event) => set({ pollIntervalSeconds: Number(event.target.value) })}
        />{' '}
        seconds (new mail shows at once where the server supports IDLE)
      </label>
      <label>
        Extra trusted CA (PEM file, for a private server){' '}
        <input
          value={account.caFile ?? ''}
          placeholder="optional"
          onChange={(event) => set({ caFile: event.target.value === '' ? null : event.target.value })}
        />
      </label>
      {message && (
        <p
          className={message.error ? 'error' : 'ok'}
          role={message.error ? 'alert' : 'status'}
          data-testid="mailbox-form-message"
        >
          {message.text}
        </p>
      )}
      <p>
        <button type="button" onClick={() => void test()} disabled={busy}>
          Test connection
        </button>{' '}
        <button type="submit" disabled={busy}>
          Save
        </button>{' '}
        <button type="button" onClick={onDone} disabled={busy}>
          Cancel
        </button>
      </p>
    </form>
  );
}
