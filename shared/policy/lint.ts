import { lintResult, type Finding, type LintResult } from './findings.js';
import { parseMtaStsRecord, parseMtaStsRecordSet, type MtaStsRecord } from './mta-sts-record.js';
import { parseMtaStsPolicy, type MtaStsPolicy } from './mta-sts-policy.js';
import { mxMatchesAny, mxMatchesPattern, normalizeHost } from './mx-pattern.js';
import { parseTlsRptRecord, parseTlsRptRecordSet, type TlsRptRecord } from './tlsrpt-record.js';
import { readPastedTxtRecords } from './pasted-record.js';
import { joinTxtStrings } from './record-fields.js';

const DAY = 86_400;
const WEEK = 7 * DAY;

export interface PolicyContext {
  /** The domain's MX hosts: from DNS, or as seen in reports. */
  mxHosts?: readonly string[] | null;
  /**
   * True only when `mxHosts` are the domain's real MX records (the online
   * check's DNS answer). Hosts read from failure details are only those that
   * failed (RFC 8460 §4.3: a successful session names no host), so a pattern
   * matching none of them most likely matches the hosts that work: advising
   * its removal would break mail. Absent: not authoritative.
   */
  mxHostsAreMxRecords?: boolean;
  /** Failed sessions reported under this policy; null when unknown. */
  failedSessions?: number | null;
  /** Reports seen for the domain, to tell "no failures" from "no data". */
  reports?: number | null;
}

/** What a syntactically valid policy means in practice (RFC 8461 §3.2, §4.1, §5). */
function lintPolicySemantics(policy: MtaStsPolicy, context: PolicyContext = {}): Finding[] {
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
    for (const pattern of context.mxHostsAreMxRecords === true ? policy.mx : []) {
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
function lintTlsRptSemantics(record: TlsRptRecord, domain: string | null): Finding[] {
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

/** What a pasted text is; `unknown` for anything else (an SPF record, a DMARC record, prose). */
export type TextKind = 'sts-record' | 'tlsrpt-record' | 'policy' | 'unknown';

/** A line of an MTA-STS policy file (RFC 8461 §3.2): one of its four keys, a colon. */
const POLICY_LINE = /^[ \t]*(version|mode|mx|max_age)[ \t]*:/im;

/** The records in a text: the TXT strings of each, as `dig` printed them, or the text as one record. */
function pastedRecords(text: string): string[] {
  const pasted = readPastedTxtRecords(text);
  return pasted === null ? [text.trim()] : pasted.map(joinTxtStrings);
}

/** Says what a pasted text is: an `_mta-sts` record, an `_smtp._tls` record, a policy file, or none of them. */
export function detectTextKind(text: string): TextKind {
  const records = pastedRecords(text);
  if (records.some((record) => /^v=STSv1/i.test(record))) return 'sts-record';
  if (records.some((record) => /^v=TLSRPTv1/i.test(record))) return 'tlsrpt-record';
  if (records.some((record) => /^v=/i.test(record))) return 'unknown';
  return POLICY_LINE.test(text) ? 'policy' : 'unknown';
}

/** The answer for a text that is none of the three: one finding in place of a policy file's many. */
function notARecord(text: string): Finding {
  const first = pastedRecords(text)[0] ?? '';
  const start = first.length > 40 ? `${first.slice(0, 40)}…` : first;
  return {
    severity: 'error',
    code: 'text-not-a-record',
    message: `not a TLS-RPT or MTA-STS record${start === '' ? '' : ` ("${start}")`}: an _mta-sts record starts with "v=STSv1;", an _smtp._tls record with "v=TLSRPTv1;", and a policy file has "version: STSv1", "mode:", "mx:" and "max_age:" lines`,
    rfc: 'RFC 8460 §3, RFC 8461 §3.1, §3.2',
  };
}

/**
 * Lints a pasted record or policy file, offline. A record may be pasted as
 * `dig` prints it (quoted, in several strings, with the name before it).
 */
export function lintText(
  text: string,
  kind: TextKind = detectTextKind(text),
  context: PolicyContext & { domain?: string | null } = {},
): LintResult & { kind: TextKind } {
  const pasted = readPastedTxtRecords(text);
  if (kind === 'sts-record') {
    // One record is read as it is, so that its own syntax errors show; of several, the one of its kind.
    if (pasted !== null && pasted.length > 1) return { ...parseMtaStsRecordSet(pasted), kind };
    return { ...parseMtaStsRecord(pasted?.[0] ?? text.replace(/\r?\n$/, '')), kind };
  }
  if (kind === 'tlsrpt-record') {
    const parsed =
      pasted !== null && pasted.length > 1
        ? parseTlsRptRecordSet(pasted)
        : parseTlsRptRecord(pasted?.[0] ?? text.replace(/\r?\n$/, ''));
    const extra = parsed.record ? lintTlsRptSemantics(parsed.record, context.domain ?? null) : [];
    return { ...lintResult([...parsed.findings, ...extra]), kind };
  }
  if (kind === 'unknown') return { ...lintResult([notARecord(text)]), kind };
  const { valid, findings } = lintPolicy(text, context);
  return { valid, findings, kind };
}

/** An MTA-STS policy file's findings, and the policy as read: parsed once for both. */
export function lintPolicy(text: string, context: PolicyContext = {}): LintResult & { policy: MtaStsPolicy | null } {
  const parsed = parseMtaStsPolicy(text);
  const extra = parsed.policy ? lintPolicySemantics(parsed.policy, context) : [];
  return { ...lintResult([...parsed.findings, ...extra]), policy: parsed.policy };
}

export interface DomainSetup {
  domain: string;
  stsRecord: (LintResult & { record: MtaStsRecord | null }) | null;
  policy: (LintResult & { policy: MtaStsPolicy | null }) | null;
  tlsrptRecord: (LintResult & { record: TlsRptRecord | null }) | null;
  /** The domain's MX records as DNS answered; null when none were looked up or found. */
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
        ...lintPolicySemantics(setup.policy.policy, {
          ...context,
          // The setup's own list is the domain's MX records (DNS); a context's list is whatever its caller says.
          ...(setup.mxHosts === null ? {} : { mxHosts: setup.mxHosts, mxHostsAreMxRecords: true }),
        }),
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
