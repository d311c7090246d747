import { Link } from 'react-router';
import { explainResultType } from '../../../shared/glossary/result-types.js';
import type { FindingPolicyLint, HealthFinding } from '../../../shared/health/findings.js';
import { failuresLink } from '../views/failure-links.js';
import { domainLink, mxHostLink, policiesLink } from '../routes.js';
import { formatCount } from '../format.js';
import { useFilter } from '../state/filter.js';
import { LiveMxCheck } from './LiveMxCheck.js';
import { ResultTypeName } from './ResultTypeName.js';
import { TextWithCode } from './TextWithCode.js';

const SEVERITY_LABEL: Record<HealthFinding['severity'], string> = { error: 'Error', warning: 'Warning', info: 'Info' };

/** Where the evidence behind a finding is, and where to act on it. */
function evidenceLinks(finding: HealthFinding, showDomain: boolean): { to: string; label: string }[] {
  const links: { to: string; label: string }[] = [];
  const { domain } = finding;
  // A finding about the reports as a whole: where they come from.
  if (domain === null) {
    return [
      { to: '/mailboxes', label: 'Mailboxes' },
      { to: '/import', label: 'Import' },
      { to: '/policies', label: 'Check the _smtp._tls records' },
    ];
  }
  switch (finding.code) {
    case 'feed-silent':
      break;
    case 'mx-failing':
    case 'failure-type-new':
      links.push({
        to: failuresLink({ domain, mx: finding.mx, resultType: finding.resultType }),
        label: 'The failure details',
      });
      if (finding.mx !== null || finding.code === 'mx-failing') {
        links.push({
          to: mxHostLink(finding.mx),
          label: finding.mx ?? 'Failures with no MX host',
        });
      }
      break;
    case 'failure-spike':
      links.push({ to: failuresLink({ domain }), label: 'The failure details' });
      break;
    case 'sender-silent':
      if (finding.organization !== null) {
        links.push({ to: `/reports?organization=${encodeURIComponent(finding.organization)}`, label: 'Its reports' });
      }
      break;
    case 'domain-silent':
      links.push(
        { to: policiesLink(domain), label: 'Check the _smtp._tls record' },
        { to: '/mailboxes', label: 'Mailboxes' },
      );
      break;
    case 'policy-testing-clean':
      links.push({ to: policiesLink(domain), label: 'The policy' });
      break;
  }
  // A failure whose cause is usually the policy: the linter checks it against the hosts seen.
  if (
    finding.resultType !== null &&
    explainResultType(finding.resultType).policyCause &&
    !links.some((link) => link.to === policiesLink(domain))
  ) {
    links.push({ to: policiesLink(domain), label: 'Check the MTA-STS policy' });
  }
  if (showDomain) links.unshift({ to: domainLink(domain), label: domain });
  return links;
}

function when(finding: HealthFinding): string {
  if (finding.firstSeen === null) return '';
  if (finding.firstSeen === finding.lastSeen || finding.lastSeen === null) return finding.firstSeen;
  return `${finding.firstSeen} to ${finding.lastSeen}`;
}

/** Whether the host is in the quoted policy's mx lines, in a sentence. */
function coverage(policyLint: FindingPolicyLint, mx: string | null): string {
  if (policyLint.policyStrings === null)
    return 'No sender quoted an MTA-STS policy in its reports up to these failures.';
  const quoted = `the MTA-STS policy senders quoted (${policyLint.quotedFrom ?? '?'} to ${policyLint.quotedTo ?? '?'})`;
  if (policyLint.mxPatterns === null) return `The linter cannot read ${quoted}.`;
  const lines = policyLint.mxPatterns.map((pattern) => `mx: ${pattern}`).join(', ');
  if (policyLint.mxCovered === null) return `The mx lines of ${quoted}: ${lines}.`;
  return `${mx ?? 'The host'} ${policyLint.mxCovered ? 'matches' : 'does not match'} the mx lines of ${quoted}: ${lines}.`;
}

/** What the policy linter says about the policy behind a finding: its findings, each with its RFC and fix. */
function PolicyLintWord({ policyLint, mx }: { policyLint: FindingPolicyLint; mx: string | null }) {
  return (
    <div className="finding-policy-lint" data-testid="finding-policy-lint">
      <p className="finding-fix">
        <strong>Policy check:</strong> {coverage(policyLint, mx)}
        {policyLint.lint.length === 0 && policyLint.mxPatterns !== null && ' The linter finds nothing wrong with it.'}
      </p>
      {policyLint.lint.length > 0 && (
        <ul className="finding-policy-lint-list">
          {policyLint.lint.map((lint) => (
            <li key={`${lint.code} ${lint.message}`} data-lint-code={lint.code}>
              <span className={`severity ${lint.severity}`}>{SEVERITY_LABEL[lint.severity]}</span>{' '}
              <code>{lint.code}</code> <TextWithCode text={lint.message} /> <span className="muted">({lint.rfc})</span>
              {lint.fix !== undefined && (
                <>
                  {' '}
                  — <TextWithCode text={lint.fix} />
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * The one finding of a stopped feed, above everything else, with the
 * one-click view as of the last report (the views then show that day, and
 * the charts and ranges end on it).
 */
export function FeedSilentNotice({ finding }: { finding: HealthFinding }) {
  const { setState } = useFilter();
  return (
    <div className="feed-silent" data-testid="feed-silent">
      <HealthFindingList findings={[finding]} showDomain={false} testId="feed-silent-finding" />
      {finding.lastSeen !== null && (
        <p>
          <button
            type="button"
            data-testid="show-as-of-last-report"
            onClick={() => setState({ asOf: finding.lastSeen })}
          >
            Show as of the last report ({finding.lastSeen})
          </button>
        </p>
      )}
    </div>
  );
}

/** Findings as cards: what is wrong, since when, the fix, and links to the evidence. */
export function HealthFindingList({
  findings,
  showDomain,
  testId = 'findings',
}: {
  findings: readonly HealthFinding[];
  showDomain: boolean;
  testId?: string;
}) {
  return (
    <ul className="health-findings" data-testid={testId}>
      {findings.map((finding, index) => (
        <li
          // Findings of one list differ in code, host, sender or type; the index settles the rest.
          key={`${finding.code} ${finding.domain ?? ''} ${finding.mx ?? ''} ${finding.organization ?? ''} ${finding.resultType ?? ''} ${index}`}
          className={`health-finding severity-${finding.severity}`}
          data-testid="finding"
          data-code={finding.code}
        >
          <div className="finding-head">
            <span className={`severity ${finding.severity}`}>{SEVERITY_LABEL[finding.severity]}</span>
            <code>{finding.code}</code>
            {showDomain && finding.domain !== null && <strong>{finding.domain}</strong>}
            {finding.resultType !== null && <ResultTypeName type={finding.resultType} />}
            <span className="muted">{when(finding)}</span>
            {finding.failedSessions !== null && finding.failedSessions > 0 && (
              <span className="muted">{formatCount(finding.failedSessions)} failed sessions</span>
            )}
          </div>
          <p className="finding-message">
            <TextWithCode text={finding.message} />
          </p>
          <p className="finding-fix">
            <strong>What to do:</strong> <TextWithCode text={finding.fix} />
          </p>
          {finding.policyLint !== null && <PolicyLintWord policyLint={finding.policyLint} mx={finding.mx} />}
          {(finding.code === 'mx-failing' || finding.code === 'failure-type-new') && finding.mx !== null && (
            <LiveMxCheck host={finding.mx} resultType={finding.resultType} />
          )}
          <div className="finding-links">
            {evidenceLinks(finding, showDomain).map((link) => (
              <Link key={link.to} to={link.to}>
                {link.label}
              </Link>
            ))}
          </div>
        </li>
      ))}
    </ul>
  );
}
