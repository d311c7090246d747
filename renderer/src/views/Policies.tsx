import { useState } from 'react';
import { useSearchParams } from 'react-router';
import type { ApiResponse } from '../../../shared/api/contract.js';
import type { Finding } from '../../../shared/policy/findings.js';
import { api } from '../api/client.js';
import { useApi } from '../api/useApi.js';
import { ErrorNote, Loaded } from '../components/States.js';
import { formatCount, formatDay } from '../format.js';

/** Per domain: the policies senders saw and what is wrong with them; a box to lint text; the generator. */
export function Policies() {
  const domains = useApi('policyDomains', {});
  // The domain lives in the URL, so a finding can link to its domain's policies.
  const [params, setParams] = useSearchParams();
  // An empty value is no domain, as the picker's first option.
  const chosen = params.get('domain');
  const domain = chosen === null || chosen === '' ? null : chosen;
  const setDomain = (next: string | null): void => {
    setParams(next === null ? {} : { domain: next });
  };
  return (
    <>
      <h2>Policies</h2>
      <section className="card" aria-labelledby="domains-title">
        <h3 id="domains-title">Policies seen in reports</h3>
        <Loaded state={domains}>
          {(list) =>
            list.length === 0 ? (
              <p className="muted">No report names a policy domain yet.</p>
            ) : (
              <label>
                Domain{' '}
                <select
                  value={domain ?? ''}
                  onChange={(event) => setDomain(event.target.value === '' ? null : event.target.value)}
                >
                  <option value="">Choose a domain…</option>
                  {list.map((entry) => (
                    <option key={entry.domain} value={entry.domain}>
                      {entry.domain} ({formatCount(entry.reports)} reports)
                    </option>
                  ))}
                </select>
              </label>
            )
          }
        </Loaded>
        {domain !== null && <StoredPolicies domain={domain} />}
        {domain !== null && <OnlineCheck key={domain} domain={domain} />}
      </section>
      <LintBox />
      <Generator />
    </>
  );
}

function StoredPolicies({ domain }: { domain: string }) {
  const stored = useApi('storedPolicyLint', { domain });
  return (
    <Loaded state={stored}>
      {(value) => (
        <div data-testid="stored-policies">
          {value.versions.length === 0 && (
            <p className="muted">No MTA-STS policy of {domain} is quoted in the reports.</p>
          )}
          {value.versions.map((version, index) => (
            <article key={index} className="policy-version">
              <h4>
                {formatDay(version.firstSeen)} – {formatDay(version.lastSeen)} · {formatCount(version.reports)} reports
                · {formatCount(version.failedSessions)} failed sessions
              </h4>
              <pre className="policy-string">{version.policyStrings.join('\n')}</pre>
              <FindingList findings={version.result.findings} />
            </article>
          ))}
          {value.mxCoverage.length > 0 && (
            <table className="data-table compact" aria-label="MX hosts in failure details">
              <thead>
                <tr>
                  <th>MX host in failure details</th>
                  <th className="numeric">Failed</th>
                  <th>Covered by the newest policy</th>
                </tr>
              </thead>
              <tbody>
                {value.mxCoverage.map((entry) => (
                  <tr key={entry.host}>
                    <td>{entry.host}</td>
                    <td className="numeric">{formatCount(entry.failedSessions)}</td>
                    <td className={entry.covered === false ? 'error' : undefined}>
                      {entry.covered === null ? '–' : entry.covered ? 'yes' : 'no'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </Loaded>
  );
}

/** DNS and HTTPS, now: only when asked, since the rest of the app never goes online. */
function OnlineCheck({ domain }: { domain: string }) {
  const [report, setReport] = useState<ApiResponse<'checkOnline'> | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const check = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setReport(await api.call('checkOnline', { domain }));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="online-check">
      <p>
        <button type="button" onClick={() => void check()} disabled={busy}>
          {busy ? 'Checking…' : `Check ${domain} online`}
        </button>{' '}
        <span className="muted">looks up its DNS records and fetches its policy over HTTPS</span>
      </p>
      {error && <ErrorNote message={error} />}
      {report && (
        <div data-testid="online-result">
          <dl className="facts">
            <dt>MX hosts</dt>
            <dd>{report.mxHosts.join(', ') || '(none)'}</dd>
            <dt>_mta-sts</dt>
            <dd className="mono">{report.stsRecords.join(' | ') || '(none)'}</dd>
            <dt>_smtp._tls</dt>
            <dd className="mono">{report.tlsrptRecords.join(' | ') || '(none)'}</dd>
            <dt>Policy</dt>
            <dd>
              {report.policyText === null ? (
                `not fetched from ${report.policyUrl}`
              ) : (
                <pre className="policy-string">{report.policyText}</pre>
              )}
            </dd>
          </dl>
          <FindingList findings={report.findings} />
        </div>
      )}
    </div>
  );
}

function FindingList({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return <p className="ok">No findings.</p>;
  return (
    <ul className="findings" data-testid="findings">
      {findings.map((finding, index) => (
        <li key={index} className={`finding ${finding.severity}`}>
          <strong>{finding.severity}</strong> <code>{finding.code}</code> {finding.message}{' '}
          <span className="muted">({finding.rfc})</span>
          {finding.fix && <div className="fix">Fix: {finding.fix}</div>}
        </li>
      ))}
    </ul>
  );
}

function LintBox() {
  const [text, setText] = useState('');
  const [result, setResult] = useState<ApiResponse<'lintText'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lint = async (): Promise<void> => {
    setError(null);
    try {
      setResult(await api.call('lintText', { text }));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  const KIND: Record<ApiResponse<'lintText'>['kind'], string> = {
    'sts-record': 'an _mta-sts TXT record',
    'tlsrpt-record': 'an _smtp._tls TXT record',
    policy: 'an MTA-STS policy file',
  };
  return (
    <section className="card" aria-labelledby="lint-title">
      <h3 id="lint-title">Check a record or policy</h3>
      <label>
        Paste an <code>_mta-sts</code> or <code>_smtp._tls</code> TXT record, or a policy file
        <textarea
          rows={7}
          value={text}
          onChange={(event) => setText(event.target.value)}
          spellCheck={false}
          data-testid="lint-input"
        />
      </label>
      <p>
        <button type="button" onClick={() => void lint()} disabled={text.trim() === ''}>
          Check
        </button>
      </p>
      {error && <ErrorNote message={error} />}
      {result && (
        <div data-testid="lint-result">
          <p>
            Read as {KIND[result.kind]}:{' '}
            <strong className={result.valid ? 'ok' : 'error'}>{result.valid ? 'valid' : 'not valid'}</strong>
          </p>
          <FindingList findings={result.findings} />
        </div>
      )}
    </section>
  );
}

function Generator() {
  const [domain, setDomain] = useState('');
  const [mxHosts, setMxHosts] = useState('');
  const [mode, setMode] = useState<'testing' | 'enforce'>('testing');
  const [maxAge, setMaxAge] = useState(1_209_600);
  const [reportAddress, setReportAddress] = useState('');
  const [setup, setSetup] = useState<ApiResponse<'generateSetup'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const generate = async (): Promise<void> => {
    setError(null);
    try {
      const hosts = mxHosts.split(/[\s,]+/).filter(Boolean);
      setSetup(await api.call('generateSetup', { domain, mxHosts: hosts, mode, maxAge, reportAddress }));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  return (
    <section className="card generator" aria-labelledby="generator-title">
      <h3 id="generator-title">Write a new MTA-STS and TLS-RPT setup</h3>
      <label>
        Domain <input value={domain} placeholder="example.com" onChange={(event) => setDomain(event.target.value)} />
      </label>
      <label>
        MX hosts{' '}
        <input
          value={mxHosts}
          placeholder="mx1.example.com mx2.example.com"
          onChange={(event) => setMxHosts(event.target.value)}
        />
      </label>
      <label>
        Mode{' '}
        <select value={mode} onChange={(event) => setMode(event.target.value === 'enforce' ? 'enforce' : 'testing')}>
          <option value="testing">testing (start here)</option>
          <option value="enforce">enforce</option>
        </select>
      </label>
      <label>
        max_age (seconds){' '}
        <input type="number" min={0} value={maxAge} onChange={(event) => setMaxAge(Number(event.target.value))} />
      </label>
      <label>
        Reports to{' '}
        <input
          value={reportAddress}
          placeholder="tlsrpt@example.com"
          onChange={(event) => setReportAddress(event.target.value)}
        />
      </label>
      <p>
        <button type="button" onClick={() => void generate()}>
          Write the setup
        </button>
      </p>
      {error && <ErrorNote message={error} />}
      {setup && (
        <div data-testid="generated">
          <h4>TXT {setup.tlsrptRecordName}</h4>
          <pre className="policy-string">{setup.tlsrptRecord}</pre>
          <h4>{setup.policyUrl}</h4>
          <pre className="policy-string">{setup.policyFile}</pre>
          <h4>TXT {setup.stsRecordName}</h4>
          <pre className="policy-string">{setup.stsRecord}</pre>
          <ol>
            {setup.steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
