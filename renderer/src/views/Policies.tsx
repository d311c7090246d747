import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { ApiResponse } from '../../../shared/api/contract.js';
import type { Finding } from '../../../shared/policy/findings.js';
import { checkGeneratorInput, type GeneratorFieldProblem } from '../../../shared/policy/generate.js';
import { domainForms, domainLabel } from '../../../shared/policy/idn.js';
import { useFilter } from '../state/filter.js';
import { api } from '../api/client.js';
import { useApi } from '../api/useApi.js';
import { ErrorNote, Loaded } from '../components/States.js';
import { formatCount, formatDay } from '../format.js';
import { TextWithCode } from '../components/TextWithCode.js';

/**
 * A domain in Unicode, with its A-label beside when it has one: reports and
 * DNS carry `xn--…`, people read and type `münchen.example`.
 */
function DomainName({ name }: { name: string }) {
  const forms = domainForms(name);
  if (!forms.international) return <>{name}</>;
  return (
    <>
      {forms.unicode}{' '}
      <span className="muted mono" data-testid="a-label">
        ({forms.ascii})
      </span>
    </>
  );
}

/**
 * The domain shown: the global domain filter's, which a link's `?domain=`
 * sets on arrival (a finding links to its domain's policies). Choosing one
 * here chooses it for every view, so that there is one domain, not two.
 */
function usePolicyDomain(): [string | null, (next: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const { state, setState } = useFilter();
  const raw = params.get('domain');
  const linked = raw === null || raw === '' ? null : raw;
  useEffect(() => {
    if (linked !== null) setState({ domain: linked });
  }, [linked, setState]);
  // When the global filter moves on, the link's domain is no longer the one shown.
  const previous = useRef(state.domain);
  useEffect(() => {
    if (previous.current === state.domain) return;
    previous.current = state.domain;
    if (linked !== null && linked !== state.domain) {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.delete('domain');
          return next;
        },
        { replace: true },
      );
    }
  }, [linked, state.domain, setParams]);
  return [
    linked ?? state.domain,
    (next) => {
      setState({ domain: next });
    },
  ];
}

/** Per domain: the policies senders saw and what is wrong with them; a box to lint text; the generator. */
export function Policies() {
  const domains = useApi('policyDomains', {});
  const [domain, setDomain] = usePolicyDomain();
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
                  data-testid="policy-domain"
                  onChange={(event) => setDomain(event.target.value === '' ? null : event.target.value)}
                >
                  <option value="">Choose a domain…</option>
                  {domain !== null && !list.some((entry) => entry.domain === domain) && (
                    <option value={domain}>{domainLabel(domain)} (no reports)</option>
                  )}
                  {list.map((entry) => (
                    <option key={entry.domain} value={entry.domain}>
                      {domainLabel(entry.domain)} ({formatCount(entry.reports)} reports)
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
            <p className="muted">
              No MTA-STS policy of <DomainName name={domain} /> is quoted in the reports.
            </p>
          )}
          {value.versions.length > 0 && (
            <p data-testid="policy-domain-name">
              The MTA-STS policies of <DomainName name={domain} /> as senders quoted them, newest first.{' '}
              <span className="muted">
                Each version is checked against the MX hosts that failure details named while senders quoted it, not
                against hosts of other years.
              </span>{' '}
              <span className="muted" data-testid="reported-mx-hosts-note">
                {value.mxHostsNote}
              </span>
            </p>
          )}
          {value.versions.map((version, index) => (
            <article key={index} className="policy-version" data-testid="policy-version">
              <h4>
                {index === 0 ? 'In force: ' : ''}
                {formatDay(version.firstSeen)} – {formatDay(version.lastSeen)} · {formatCount(version.reports)} reports
                · {formatCount(version.failedSessions)} failed sessions
              </h4>
              <pre className="policy-string">{version.policyStrings.join('\n')}</pre>
              <p className="muted" data-testid="policy-version-hosts">
                {version.mxHosts.length === 0
                  ? 'No failure detail named an MX host in this period.'
                  : `Checked against the MX hosts of this period: ${version.mxHosts.join(', ')}.`}
              </p>
              <FindingList findings={version.result.findings} />
            </article>
          ))}
          {value.mxCoverage.length > 0 && (
            <table className="data-table compact" aria-label="MX hosts in failure details">
              <thead>
                <tr>
                  <th>MX host in failure details</th>
                  <th className="numeric">Failed</th>
                  <th>Last seen</th>
                  <th>Covered by the policy in force then</th>
                </tr>
              </thead>
              <tbody>
                {value.mxCoverage.map((entry) => (
                  <tr key={entry.host}>
                    <td>
                      <DomainName name={entry.host} />
                    </td>
                    <td className="numeric">{formatCount(entry.failedSessions)}</td>
                    <td className="nowrap">{formatDay(entry.lastSeen)}</td>
                    <td className={entry.covered === false ? 'error' : undefined}>
                      {entry.covered === null
                        ? 'no MTA-STS policy quoted then'
                        : `${entry.covered ? 'yes' : 'no'} (the policy first seen ${formatDay(entry.policyFirstSeen ?? 0)})`}
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
  const unreachable = report?.dnsUnreachable ?? null;
  return (
    <div className="online-check">
      <p>
        <button type="button" onClick={() => void check()} disabled={busy}>
          {busy ? 'Checking…' : `Check ${domain} online`}
        </button>{' '}
        <span className="muted">looks up its DNS records and fetches its policy over HTTPS</span>
      </p>
      {error && <ErrorNote message={error} />}
      {unreachable !== null && (
        <div data-testid="online-result">
          <p className="error" role="alert" data-testid="dns-unreachable">
            DNS could not be reached, so nothing about {domain} was looked up: {unreachable}. Check the network
            connection, then check again.
          </p>
        </div>
      )}
      {report && unreachable === null && (
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
          <strong>{finding.severity}</strong> <code>{finding.code}</code> <TextWithCode text={finding.message} />{' '}
          <span className="muted">({finding.rfc})</span>
          {finding.fix && (
            <div className="fix">
              Fix: <TextWithCode text={finding.fix} />
            </div>
          )}
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
    unknown: 'none of these',
  };
  return (
    <section className="card" aria-labelledby="lint-title">
      <h3 id="lint-title">Check a record or policy</h3>
      <label>
        Paste an <code>_mta-sts</code> or <code>_smtp._tls</code> TXT record (as written, or as <code>dig</code> prints
        it), or a policy file
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
          {result.kind === 'unknown' ? (
            <p>
              <strong className="error">Not a TLS-RPT or MTA-STS record.</strong>
            </p>
          ) : (
            <p>
              Read as {KIND[result.kind]}:{' '}
              <strong className={result.valid ? 'ok' : 'error'}>{result.valid ? 'valid' : 'not valid'}</strong>
            </p>
          )}
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
  const [maxAge, setMaxAge] = useState('1209600');
  const [reportAddress, setReportAddress] = useState('');
  const [setup, setSetup] = useState<ApiResponse<'generateSetup'> | null>(null);
  const [problems, setProblems] = useState<GeneratorFieldProblem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const generate = async (): Promise<void> => {
    setError(null);
    const hosts = mxHosts.split(/[\s,]+/).filter(Boolean);
    const input = {
      domain,
      mxHosts: hosts,
      mode,
      maxAge: maxAge.trim() === '' ? Number.NaN : Number(maxAge),
      reportAddress,
    };
    const found = checkGeneratorInput(input);
    setProblems(found);
    if (found.length > 0) {
      setSetup(null);
      return;
    }
    try {
      setSetup(await api.call('generateSetup', input));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  const problemOf = (field: GeneratorFieldProblem['field']) => problems.find((problem) => problem.field === field);
  const fieldProps = (field: GeneratorFieldProblem['field']) => {
    const problem = problemOf(field);
    return problem === undefined
      ? {}
      : { 'aria-invalid': true as const, 'aria-describedby': `generator-${field}-problem` };
  };
  const fieldProblem = (field: GeneratorFieldProblem['field']) => {
    const problem = problemOf(field);
    return problem === undefined ? null : (
      <span
        className="field-problem error"
        id={`generator-${field}-problem`}
        data-testid={`generator-${field}-problem`}
      >
        {problem.message}
      </span>
    );
  };
  return (
    <section className="card generator" aria-labelledby="generator-title">
      <h3 id="generator-title">Write a new MTA-STS and TLS-RPT setup</h3>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void generate();
        }}
      >
        <label>
          Domain{' '}
          <input
            value={domain}
            placeholder="example.com"
            onChange={(event) => setDomain(event.target.value)}
            {...fieldProps('domain')}
          />
        </label>
        {fieldProblem('domain')}
        <label>
          MX hosts{' '}
          <input
            value={mxHosts}
            placeholder="mx1.example.com mx2.example.com"
            onChange={(event) => setMxHosts(event.target.value)}
            {...fieldProps('mxHosts')}
          />
        </label>
        {fieldProblem('mxHosts')}
        <label>
          Mode{' '}
          <select value={mode} onChange={(event) => setMode(event.target.value === 'enforce' ? 'enforce' : 'testing')}>
            <option value="testing">testing (start here)</option>
            <option value="enforce">enforce</option>
          </select>
        </label>
        <label>
          max_age (seconds){' '}
          <input
            inputMode="numeric"
            value={maxAge}
            onChange={(event) => setMaxAge(event.target.value)}
            {...fieldProps('maxAge')}
          />
        </label>
        {fieldProblem('maxAge')}
        <label>
          Reports to{' '}
          <input
            value={reportAddress}
            placeholder="tlsrpt@example.com"
            onChange={(event) => setReportAddress(event.target.value)}
            {...fieldProps('reportAddress')}
          />
        </label>
        {fieldProblem('reportAddress')}
        <p>
          <button type="submit">Write the setup</button>
        </p>
      </form>
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
