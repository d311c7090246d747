import { useState } from 'react';
import type { ApiResponse } from '../../../shared/api/contract.js';
import { explainResultType } from '../../../shared/glossary/result-types.js';
import { liveResultSentence } from '../../../shared/policy/mx-check.js';
import { api } from '../api/client.js';
import { ErrorNote } from './States.js';
import { TextWithCode } from './TextWithCode.js';

const SEVERITY_LABEL = { error: 'Error', warning: 'Warning', info: 'Info' } as const;

/**
 * "Check this host now": one live check of an MX host (port 25, STARTTLS,
 * its certificate, TLSA with DNSSEC), shown beside the failure the reports
 * gave, in one sentence: still failing, or fixed. Only when asked, since the
 * rest of the app never goes online.
 */
export function LiveMxCheck({ host, resultType }: { host: string; resultType: string | null }) {
  const [result, setResult] = useState<ApiResponse<'checkMxHost'> | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const check = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.call('checkMxHost', { host }));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  const reported = resultType === null ? null : explainResultType(resultType).title;
  return (
    <div className="live-mx-check" data-testid="live-mx-check">
      <button type="button" onClick={() => void check()} disabled={busy}>
        {busy ? `Checking ${host}…` : 'Check this host now'}
      </button>
      {error !== null && <ErrorNote message={error} />}
      {result && (
        <div data-testid="live-mx-result" aria-live="polite">
          <p className="finding-fix">
            {reported !== null && (
              <>
                <strong>Reported:</strong> {reported}.{' '}
              </>
            )}
            <strong>Now ({host}):</strong>{' '}
            <span data-testid="live-mx-sentence">{liveResultSentence(resultType ?? '', result.check, new Date())}</span>
          </p>
          <p className="muted">Tried: {result.check.addresses.join('; ') || 'no address'}</p>
          {result.findings.length > 0 && (
            <ul className="finding-policy-lint-list">
              {result.findings.map((finding) => (
                <li key={`${finding.code} ${finding.message}`} data-live-code={finding.code}>
                  <span className={`severity ${finding.severity}`}>{SEVERITY_LABEL[finding.severity]}</span>{' '}
                  <code>{finding.code}</code> <TextWithCode text={finding.message} />{' '}
                  <span className="muted">({finding.rfc})</span>
                  {finding.fix !== undefined && (
                    <>
                      {' '}
                      — <TextWithCode text={finding.fix} />
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
