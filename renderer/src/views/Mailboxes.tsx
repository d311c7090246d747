import { useEffect, useState, type SyntheticEvent } from 'react';
import type { MailboxAccount, MailboxStatus, MessageOutcome } from '../../../shared/mailbox/account.js';
import { DEFAULT_PORTS } from '../../../shared/mailbox/account.js';
import { OAUTH_PRESETS, type OAuthProviderKind, type OAuthSettings } from '../../../shared/mailbox/oauth.js';
import { api } from '../api/client.js';
import { useApi } from '../api/useApi.js';
import { ErrorNote } from '../components/States.js';
import { formatCount, formatDateTime } from '../format.js';
import { useDataChanged } from '../state/filter.js';

const POLL_MS = 1000;

function providerLabel(account: MailboxAccount): string {
  const provider = account.oauth?.provider ?? 'issuer';
  return provider === 'issuer' ? 'your provider' : OAUTH_PRESETS[provider].label;
}

/**
 * The sign-in page goes to the system browser (RFC 8252 §8.12: never an
 * embedded view, where the app could read the password). In the desktop app
 * the shell opens it when the backend hands out the URL; in a browser, a new
 * tab. The link stays on the card for when neither happens.
 */
function openSignInPage(url: string): void {
  if (window.tlsrpt) return;
  window.open(url, '_blank', 'noopener,noreferrer');
}

async function signIn(name: string): Promise<void> {
  const started = await api.call('signInMailbox', { name });
  openSignInPage(started.authorizationUrl);
}

/** Saved IMAP mailboxes: add, test, edit, remove, start and stop their sync, and see how it goes. */
export function Mailboxes() {
  const [statuses, setStatuses] = useState<MailboxStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<MailboxStatus | 'new' | null>(null);
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
            onSignIn={() => void act(() => signIn(status.account.name))}
            onSignOut={() => void act(() => api.call('signOutMailbox', { name: status.account.name }))}
            onEdit={() => setEditing(status)}
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
          initial={editing === 'new' ? null : editing.account}
          clientSecretKept={editing !== 'new' && editing.oauth?.clientSecretKept === true}
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
  'auth-failed': 'Stopped: the server refused the sign-in',
  'sign-in-required': 'Stopped: sign in again',
};

function MailboxCard(props: {
  status: MailboxStatus;
  onStart: () => void;
  onStop: () => void;
  onSignIn: () => void;
  onSignOut: () => void;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const { status } = props;
  const { account, oauth } = status;
  const running = status.state !== 'stopped' && status.state !== 'auth-failed' && status.state !== 'sign-in-required';
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
        {oauth && (
          <>
            <dt>Sign-in</dt>
            <dd data-testid="mailbox-oauth" className={oauth.signInRequired ? 'error' : undefined}>
              {oauth.pendingUrl !== null && oauth.browserRefused !== null ? (
                <BrowserRefused url={oauth.pendingUrl} reason={oauth.browserRefused} />
              ) : oauth.pendingUrl !== null ? (
                <>
                  waiting for the sign-in in your browser (
                  <a href={oauth.pendingUrl} target="_blank" rel="noopener noreferrer">
                    open the sign-in page
                  </a>
                  )
                </>
              ) : oauth.signInRequired ? (
                'the sign-in has ended: sign in again'
              ) : oauth.signedIn ? (
                <>
                  signed in as {oauth.signedInAs ?? account.user}
                  {oauth.accessTokenExpiresAt !== null &&
                    ` · access token valid until ${formatDateTime(oauth.accessTokenExpiresAt)}, then refreshed`}
                </>
              ) : (
                `not signed in${status.secretPersists ? '' : ' since serve mode started'}`
              )}
            </dd>
          </>
        )}
        {!status.hasSecret && !oauth && (
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
          <button type="button" onClick={props.onStart} disabled={!status.hasSecret || oauth?.signInRequired === true}>
            Start sync
          </button>
        )}{' '}
        {oauth && (!oauth.signedIn || oauth.signInRequired) && (
          <>
            <button type="button" onClick={props.onSignIn}>
              {oauth.signInRequired ? 'Sign in again' : `Sign in with ${providerLabel(account)}`}
            </button>{' '}
          </>
        )}
        {oauth?.signedIn && (
          <>
            <button type="button" onClick={props.onSignOut}>
              Sign out
            </button>{' '}
          </>
        )}
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

/**
 * The desktop app asked the system for a browser and was refused: the
 * sign-in waits for a page nobody sees. The address is shown whole, in a
 * field that selects itself, to copy (right-click or Ctrl+C) into a browser;
 * the link tries the system again.
 */
function BrowserRefused({ url, reason }: { url: string; reason: string }) {
  return (
    <>
      the app could not open your browser ({reason}). To sign in, copy this address into a browser:{' '}
      <input
        className="mono sign-in-address"
        readOnly
        value={url}
        aria-label="Sign-in address"
        onFocus={(event) => event.target.select()}
      />{' '}
      (or{' '}
      <a href={url} target="_blank" rel="noopener noreferrer">
        try the sign-in page again
      </a>
      )
    </>
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

const EMPTY_OAUTH: OAuthSettings = {
  provider: 'microsoft',
  clientId: '',
  clientSecret: null,
  tenant: 'organizations',
  issuer: null,
  scope: null,
};

function MailboxForm({
  initial,
  clientSecretKept,
  onDone,
}: {
  initial: MailboxAccount | null;
  /** The saved mailbox has a client secret; the API never returns it, and an empty field keeps it. */
  clientSecretKept: boolean;
  onDone: () => void;
}) {
  const [account, setAccount] = useState<MailboxAccount>(initial ?? EMPTY);
  const [secret, setSecret] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // A port the user typed (or a saved mailbox's own) stays when Security changes; a default follows it.
  const [portTyped, setPortTyped] = useState(
    initial !== null && !(Object.values(DEFAULT_PORTS) as number[]).includes(initial.port),
  );
  const set = (update: Partial<MailboxAccount>): void => {
    setAccount((previous) => ({ ...previous, ...update }));
  };
  const secretField = secret === '' || account.auth === 'oauth2' ? undefined : secret;
  const oauth = account.oauth ?? EMPTY_OAUTH;
  const setOAuth = (update: Partial<OAuthSettings>): void => {
    setAccount((previous) => ({ ...previous, oauth: { ...(previous.oauth ?? EMPTY_OAUTH), ...update } }));
  };
  /** "Sign in with Microsoft / Google": the provider's IMAP server and scope, the rest from the admin. */
  const choosePreset = (provider: OAuthProviderKind): void => {
    setAccount((previous) => {
      const preset = provider === 'issuer' ? null : OAUTH_PRESETS[provider];
      const keep = previous.oauth?.provider === provider ? previous.oauth : null;
      return {
        ...previous,
        auth: 'oauth2',
        host: preset?.imapHost ?? previous.host,
        port: preset?.imapPort ?? previous.port,
        security: preset ? 'tls' : previous.security,
        oauth: keep ?? { ...EMPTY_OAUTH, provider, tenant: provider === 'microsoft' ? 'organizations' : null },
      };
    });
  };

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
      const toSave: MailboxAccount = account.auth === 'oauth2' ? account : { ...account, oauth: undefined };
      const saved = await api.call('saveMailbox', {
        account: toSave,
        secret: secretField,
        previousName: initial?.name,
      });
      // A new or changed sign-in goes on to the provider at once; the card shows how it goes.
      if (saved.oauth && !saved.oauth.signedIn) await signIn(saved.account.name);
      onDone();
    });
  };

  return (
    <form className="mailbox-form card" onSubmit={save} aria-label={initial ? `Edit ${initial.name}` : 'New mailbox'}>
      <h3>{initial ? `Edit ${initial.name}` : 'New mailbox'}</h3>
      <p>
        <button type="button" onClick={() => choosePreset('microsoft')}>
          Sign in with Microsoft
        </button>{' '}
        <button type="button" onClick={() => choosePreset('google')}>
          Sign in with Google
        </button>{' '}
        <span className="muted">for Microsoft 365 and Google Workspace, or a password below</span>
      </p>
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
            set(portTyped ? { security } : { security, port: DEFAULT_PORTS[security] });
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
          onChange={(event) => {
            setPortTyped(true);
            set({ port: Number(event.target.value) });
          }}
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
        <select
          value={account.auth === 'oauth2' ? `oauth2:${oauth.provider}` : account.auth}
          onChange={(event) => {
            const value = event.target.value;
            if (value.startsWith('oauth2:')) choosePreset(value.slice('oauth2:'.length) as OAuthProviderKind);
            else set({ auth: value as MailboxAccount['auth'] });
          }}
        >
          <option value="password">Password</option>
          <option value="oauth2:microsoft">Microsoft 365 (OAuth2 sign-in)</option>
          <option value="oauth2:google">Google (OAuth2 sign-in)</option>
          <option value="oauth2:issuer">Other OpenID provider (OAuth2 sign-in)</option>
          <option value="xoauth2">OAuth2 access token, pasted (expires within the hour)</option>
        </select>
      </label>
      {account.auth === 'oauth2' ? (
        <>
          {oauth.provider === 'issuer' && (
            <label>
              Issuer URL{' '}
              <input
                required
                type="url"
                value={oauth.issuer ?? ''}
                placeholder="https://login.example.com"
                onChange={(event) => setOAuth({ issuer: event.target.value === '' ? null : event.target.value.trim() })}
              />
            </label>
          )}
          <label>
            Client ID{' '}
            <input
              required
              value={oauth.clientId}
              placeholder="from the app registration (see README)"
              onChange={(event) => setOAuth({ clientId: event.target.value.trim() })}
            />
          </label>
          {oauth.provider === 'microsoft' && (
            <label>
              Tenant{' '}
              <input
                value={oauth.tenant ?? ''}
                placeholder="organizations"
                onChange={(event) => setOAuth({ tenant: event.target.value === '' ? null : event.target.value.trim() })}
              />
            </label>
          )}
          {oauth.provider !== 'microsoft' && (
            <label>
              Client secret{' '}
              <input
                type="password"
                autoComplete="off"
                value={oauth.clientSecret ?? ''}
                placeholder={
                  clientSecretKept && initial?.oauth?.provider === oauth.provider
                    ? 'kept (leave empty to keep it)'
                    : oauth.provider === 'google'
                      ? 'as Google issued it to the desktop client'
                      : 'none'
                }
                onChange={(event) => setOAuth({ clientSecret: event.target.value === '' ? null : event.target.value })}
              />
            </label>
          )}
        </>
      ) : (
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
      )}
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
        {/* The field and its hint are one cell of the form's grid: the hint wraps beside the field, not under the label. */}
        <span className="field-with-hint">
          <input
            type="number"
            min={30}
            value={account.pollIntervalSeconds}
            onChange={(event) => set({ pollIntervalSeconds: Number(event.target.value) })}
          />{' '}
          <span className="muted">seconds (new mail shows at once where the server supports IDLE)</span>
        </span>
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
