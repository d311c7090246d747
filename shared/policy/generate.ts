import { normalizeDomainName } from '../report/host-names.js';
import type { StsMode } from './mta-sts-policy.js';

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
