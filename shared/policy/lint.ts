import { lintResult, type Finding, type LintResult } from './findings.js';
import { parseMtaStsRecord, type MtaStsRecord } from './mta-sts-record.js';
import { parseMtaStsPolicy, type MtaStsPolicy } from './mta-sts-policy.js';
import { mxMatchesAny, mxMatchesPattern, normalizeHost } from './mx-pattern.js';
import { parseTlsRptRecord, type TlsRptRecord } from './tlsrpt-record.js';

const DAY = 86_400;
const WEEK = 7 * DAY;

export interface PolicyContext {
  /** The domain's MX hosts: from DNS, or as seen in reports. */
  mxHosts?: readonly string[] | null;
  /** Failed sessions reported under this policy; null when unknown. */
  failedSessions?: number | null;
  /** Reports seen for the domain, to tell "no failures" from "no data". */
  reports?: number | null;
}

/** What a syntactically valid policy means in practice (RFC 8461 §3.2, §4.1, §5). */
export function lintPolicySemantics(policy: MtaStsPolicy, context: PolicyContext = {}): Finding[] {
  const findings: Finding[] = [];
  if (policy.maxAge < DAY) {
    findings.push({
      severity: 'warning',
      code: 'policy-max-age-short',
      message: `max_age is ${policy.maxAge} s, under a day: senders forget the policy quickly, and an attacker who blocks its fetch can strip TLS`,
      rfc: 'RFC 8461 §3.2, §10.2',
      fix: 'max_age: 604800 (a week) or more once the policy is stable',
    });
  } else if (policy.maxAge < WEEK) {
    findings.push({
      severity: 'info',
      code: 'policy-max-age-below-week',
      message: `max_age is ${policy.maxAge} s, under a week; weeks are usual for a stable policy`,
      rfc: 'RFC 8461 §3.2',
      fix: 'max_age: 604800 or more',
    });
  }
  if (policy.mode === 'none') {
    findings.push({
      severity: 'warning',
      code: 'policy-mode-none',
      message: 'mode is none: senders treat the domain as having no MTA-STS policy',
      rfc: 'RFC 8461 §5',
      fix: 'use mode: testing, then enforce; mode none is only for withdrawing a policy',
    });
  }
  if (policy.mode === 'testing' && context.failedSessions === 0 && (context.reports ?? 0) > 0) {
    findings.push({
      severity: 'info',
      code: 'policy-mode-testing-clean',
      message: `mode is testing and ${context.reports ?? 0} reports show no failed session: the policy could be enforced`,
      rfc: 'RFC 8461 §5',
      fix: 'mode: enforce (and change the id in the _mta-sts record)',
    });
  }
  for (const pattern of policy.mx) {
    if (/^(\*\.)?\d+(\.\d+){3}$/.test(pattern)) {
      findings.push({
        severity: 'warning',
        code: 'policy-mx-ip-literal',
        message: `mx "${pattern}" is an address; MX records name hosts, so it matches none`,
        rfc: 'RFC 8461 §4.1',
      });
    }
  }
  const hosts = [...new Set((context.mxHosts ?? []).map(normalizeHost))].filter((host) => host !== '');
  if (hosts.length > 0) {
    for (const pattern of policy.mx) {
      if (!hosts.some((host) => mxMatchesPattern(host, pattern))) {
        findings.push({
          severity: 'warning',
          code: 'policy-mx-unused',
          message: `mx "${pattern}" matches none of the MX hosts (${hosts.join(', ')})`,
          rfc: 'RFC 8461 §4.1',
          fix: 'remove it, or correct it to the MX host it was meant for',
        });
      }
    }
    for (const host of hosts) {
      if (!mxMatchesAny(host, policy.mx)) {
        findings.push({
          severity: policy.mode === 'enforce' ? 'error' : 'warning',
          code: 'policy-mx-uncovered',
          message:
            policy.mode === 'enforce'
              ? `MX host ${host} is not covered by any mx pattern: MTA-STS senders will not deliver to it`
              : `MX host ${host} is not covered by any mx pattern: once enforced, senders would not deliver to it`,
          rfc: 'RFC 8461 §4.1',
          fix: `add "mx: ${host}"`,
        });
      }
    }
  }
  return findings;
}

/** A TLS-RPT record's destinations (RFC 8460 §3). */
export function lintTlsRptSemantics(record: TlsRptRecord, domain: string | null): Finding[] {
  const findings: Finding[] = [];
  const own = domain === null ? null : normalizeHost(domain);
  for (const uri of record.rua) {
    const mailbox = /^mailto:[^@]+@([^?]+)/i.exec(uri)?.[1];
    if (mailbox && own !== null) {
      const host = normalizeHost(mailbox);
      if (host !== own && !host.endsWith(`.${own}`)) {
        findings.push({
          severity: 'info',
          code: 'tlsrpt-rua-external',
          message: `reports go to a mailbox at ${host}, outside ${own}`,
          rfc: 'RFC 8460 §3',
          fix: 'fine for a reporting service you use; otherwise point rua at your own domain',
        });
      }
    }
  }
  return findings;
}

export type TextKind = 'sts-record' | 'tlsrpt-record' | 'policy';

/** Says what a pasted text is: an `_mta-sts` record, an `_smtp._tls` record, or a policy file. */
export function detectTextKind(text: string): TextKind {
  const trimmed = text.trim().replace(/^"|"$/g, '');
  if (/^v=STSv1/i.test(trimmed)) return 'sts-record';
  if (/^v=TLSRPTv1/i.test(trimmed)) return 'tlsrpt-record';
  return 'policy';
}

/** Lints a pasted record or policy file, offline. */
export function lintText(
  text: string,
  kind: TextKind = detectTextKind(text),
  context: PolicyContext & { domain?: string | null } = {},
): LintResult & { kind: TextKind } {
  if (kind === 'sts-record') return { ...parseMtaStsRecord(text.replace(/\r?\n$/, '')), kind };
  if (kind === 'tlsrpt-record') {
    const parsed = parseTlsRptRecord(text.replace(/\r?\n$/, ''));
    const extra = parsed.record ? lintTlsRptSemantics(parsed.record, context.domain ?? null) : [];
    return { ...lintResult([...parsed.findings, ...extra]), kind };
  }
  const parsed = parseMtaStsPolicy(text);
  const extra = parsed.policy ? lintPolicySemantics(parsed.policy, context) : [];
  return { ...lintResult([...parsed.findings, ...extra]), kind };
}

export interface DomainSetup {
  domain: string;
  stsRecord: (LintResult & { record: MtaStsRecord | null }) | null;
  policy: (LintResult & { policy: MtaStsPolicy | null }) | null;
  tlsrptRecord: (LintResult & { record: TlsRptRecord | null }) | null;
  mxHosts: readonly string[] | null;
}

/** Everything about one domain together: each part's findings, and what only the whole shows. */
export function lintDomainSetup(setup: DomainSetup, context: PolicyContext = {}): LintResult {
  const findings: Finding[] = [];
  if (setup.stsRecord) findings.push(...setup.stsRecord.findings);
  if (setup.policy) {
    findings.push(...setup.policy.findings);
    if (setup.policy.policy)
      findings.push(
        ...lintPolicySemantics(setup.policy.policy, { ...context, mxHosts: setup.mxHosts ?? context.mxHosts ?? null }),
      );
  }
  if (setup.tlsrptRecord) {
    findings.push(...setup.tlsrptRecord.findings);
    if (setup.tlsrptRecord.record) findings.push(...lintTlsRptSemantics(setup.tlsrptRecord.record, setup.domain));
  }
  const hasSts = setup.stsRecord?.record != null || setup.policy?.policy != null;
  if (hasSts && setup.tlsrptRecord?.record == null) {
    findings.push({
      severity: 'warning',
      code: 'tlsrpt-missing',
      message: `${setup.domain} has MTA-STS but no usable TLS-RPT record: nobody will tell you when senders fail to deliver`,
      rfc: 'RFC 8460 §3, RFC 8461 §1',
      fix: `publish _smtp._tls.${setup.domain} TXT "v=TLSRPTv1; rua=mailto:tlsrpt@${setup.domain}"`,
    });
  }
  return lintResult(findings);
}
