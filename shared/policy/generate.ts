import { normalizeDomainName } from '../report/host-names.js';
import { hostNameProblem } from './idn.js';
import { MAX_AGE_LIMIT, type StsMode } from './mta-sts-policy.js';

export interface GeneratorInput {
  domain: string;
  mxHosts: string[];
  mode: StsMode;
  maxAge: number;
  /** Where reports go: an e-mail address or an https: URL. */
  reportAddress: string;
  /** For the policy id: the time of generation. */
  now: Date;
}

export interface GeneratedSetup {
  stsRecordName: string;
  stsRecord: string;
  policyUrl: string;
  policyFile: string;
  tlsrptRecordName: string;
  tlsrptRecord: string;
  steps: string[];
}

/**
 * Writes a complete MTA-STS and TLS-RPT setup: the `_mta-sts` record with a
 * fresh id (the time, which changes with every new policy), the policy file,
 * the `_smtp._tls` record, and how to publish them.
 */
export function generateSetup(input: GeneratorInput): GeneratedSetup {
  const domain = normalizeDomainName(input.domain);
  const id = input.now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const mx = [...new Set(input.mxHosts.map(normalizeDomainName).filter(Boolean))];
  const policyLines = [
    'version: STSv1',
    `mode: ${input.mode}`,
    ...mx.map((host) => `mx: ${host}`),
    `max_age: ${input.maxAge}`,
  ];
  const address = input.reportAddress.trim();
  const rua = /^https:/i.test(address) ? address : `mailto:${address.replace(/^mailto:/i, '')}`;
  const policyUrl = `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
  return {
    stsRecordName: `_mta-sts.${domain}`,
    stsRecord: `v=STSv1; id=${id}`,
    policyUrl,
    policyFile: `${policyLines.join('\r\n')}\r\n`,
    tlsrptRecordName: `_smtp._tls.${domain}`,
    tlsrptRecord: `v=TLSRPTv1; rua=${rua.replace(/,/g, '%2C').replace(/;/g, '%3B')}`,
    steps: [
      `Publish the TLS-RPT record first: TXT at _smtp._tls.${domain}, so that reports start before anything is enforced.`,
      `Serve the policy file at ${policyUrl}: HTTPS with a valid certificate for mta-sts.${domain}, status 200, Content-Type text/plain, no redirect.`,
      `Publish the MTA-STS record: TXT at _mta-sts.${domain}. Change its id whenever the policy file changes.`,
      input.mode === 'enforce'
        ? 'Watch the reports: every MX host must present a valid certificate for its name.'
        : 'Watch the reports for a week or two; when they show no failures, switch the policy to mode: enforce and change the id.',
    ],
  };
}

/** A field of the generator's form, and what is wrong with its value, in words. */
export interface GeneratorFieldProblem {
  field: 'domain' | 'mxHosts' | 'maxAge' | 'reportAddress';
  message: string;
}

/**
 * What is wrong with the generator's form, field by field, before anything
 * is written: the messages a person can act on, where the API's own check
 * would say `domain: Too small: expected string to have >=1 characters`.
 */
export function checkGeneratorInput(input: Omit<GeneratorInput, 'now' | 'mode'>): GeneratorFieldProblem[] {
  const problems: GeneratorFieldProblem[] = [];
  const domain = input.domain.trim();
  if (domain === '') {
    problems.push({ field: 'domain', message: 'Enter the domain that receives the mail, such as example.com.' });
  } else {
    const problem = hostNameProblem(domain);
    if (problem !== null) problems.push({ field: 'domain', message: `"${domain}" ${problem}.` });
  }
  const hosts = input.mxHosts.map((host) => host.trim()).filter(Boolean);
  if (hosts.length === 0) {
    problems.push({
      field: 'mxHosts',
      message: "Enter at least one MX host (as in the domain's MX records), such as mx1.example.com.",
    });
  } else if (hosts.length > 50) {
    problems.push({ field: 'mxHosts', message: `${hosts.length} MX hosts is more than the 50 this form takes.` });
  } else {
    for (const host of hosts) {
      // A pattern "*.example.com" is allowed in a policy (RFC 8461 §3.2).
      const problem = hostNameProblem(host.replace(/^\*\./, ''));
      if (problem !== null) {
        problems.push({ field: 'mxHosts', message: `The MX host "${host}" ${problem}.` });
        break;
      }
    }
  }
  if (!Number.isInteger(input.maxAge) || input.maxAge < 0) {
    problems.push({ field: 'maxAge', message: 'max_age is a whole number of seconds, such as 1209600 (two weeks).' });
  } else if (input.maxAge > MAX_AGE_LIMIT) {
    problems.push({
      field: 'maxAge',
      message: `max_age may be at most ${MAX_AGE_LIMIT} seconds (about a year, RFC 8461 §3.2).`,
    });
  }
  const address = input.reportAddress.trim();
  if (address === '') {
    problems.push({
      field: 'reportAddress',
      message: 'Enter where reports go: an e-mail address such as tlsrpt@example.com, or an https: URL.',
    });
  } else if (/^https:/i.test(address)) {
    if (hostNameProblem(address.replace(/^https:\/\//i, '').split(/[/:?#]/)[0] ?? '') !== null) {
      problems.push({ field: 'reportAddress', message: `"${address}" is not an https: URL with a host name.` });
    }
  } else {
    const mailbox = address.replace(/^mailto:/i, '');
    const at = mailbox.lastIndexOf('@');
    if (at <= 0 || hostNameProblem(mailbox.slice(at + 1)) !== null || /\s/.test(mailbox)) {
      problems.push({
        field: 'reportAddress',
        message: `"${address}" is neither an e-mail address (tlsrpt@example.com) nor an https: URL.`,
      });
    }
  }
  return problems;
}
