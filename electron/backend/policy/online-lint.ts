import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Finding, LintResult } from '../../../shared/policy/findings.js';
import { lintResult } from '../../../shared/policy/findings.js';
import { lintDomainSetup } from '../../../shared/policy/lint.js';
import { checkPolicyContentType, parseMtaStsPolicy } from '../../../shared/policy/mta-sts-policy.js';
import { parseMtaStsRecordSet } from '../../../shared/policy/mta-sts-record.js';
import { parseTlsRptRecordSet } from '../../../shared/policy/tlsrpt-record.js';

export interface OnlineLintOptions {
  /** DNS servers as ADDR or ADDR:PORT ([v6]:PORT); the system's when empty. */
  dnsServers?: readonly string[];
  /** A PEM file of extra trusted CAs for the policy host. Verification stays on. */
  caFile?: string | null;
  /** 443, except in tests that serve the policy on a high loopback port. */
  httpsPort?: number;
  timeoutMs?: number;
}

export interface OnlineLintReport extends LintResult {
  domain: string;
  stsRecords: string[];
  tlsrptRecords: string[];
  mxHosts: string[];
  policyUrl: string;
  policyText: string | null;
}

/** RFC 8461 §3.3 lets senders cap a policy at 64 KiB. */
const MAX_POLICY_BYTES = 64 * 1024;
const FETCH_RFC = 'RFC 8461 §3.3';

/**
 * Looks a domain up the way a sending MTA does, then runs every rule: the
 * `_mta-sts` and `_smtp._tls` TXT records and the MX hosts from DNS, the
 * policy over HTTPS from mta-sts.<domain> with its certificate verified for
 * that name, no redirect followed, status 200 and text/plain required.
 * Runs only when the user asks; nothing else in the app uses the network.
 */
export async function lintDomainOnline(
  domainInput: string,
  options: OnlineLintOptions = {},
): Promise<OnlineLintReport> {
  const domain = domainInput.trim().toLowerCase().replace(/\.$/, '');
  const timeout = options.timeoutMs ?? 10_000;
  const resolver = new Resolver({ timeout: Math.min(timeout, 5000), tries: 2 });
  if (options.dnsServers && options.dnsServers.length > 0) resolver.setServers([...options.dnsServers]);
  const findings: Finding[] = [];

  const txt = async (name: string): Promise<string[]> => {
    try {
      return (await resolver.resolveTxt(name)).map((strings) => strings.join(''));
    } catch (error) {
      noteDnsError(findings, name, 'TXT', error);
      return [];
    }
  };
  const [stsRecords, tlsrptRecords] = await Promise.all([txt(`_mta-sts.${domain}`), txt(`_smtp._tls.${domain}`)]);
  let mxHosts: string[] = [];
  try {
    mxHosts = (await resolver.resolveMx(domain))
      .sort((a, b) => a.priority - b.priority)
      .map((record) => record.exchange.toLowerCase());
  } catch (error) {
    noteDnsError(findings, domain, 'MX', error);
  }

  const policyUrl = `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
  const fetched = await fetchPolicy(domain, resolver, options, timeout);
  findings.push(...fetched.findings);

  const stsRecordSet = stsRecords.length > 0 ? parseMtaStsRecordSet(stsRecords) : null;
  if (stsRecordSet === null && fetched.text !== null) {
    findings.push({
      severity: 'error',
      code: 'sts-record-missing',
      message: `a policy is served at ${policyUrl} but _mta-sts.${domain} has no TXT record, so senders never fetch it`,
      rfc: 'RFC 8461 §3.1',
      fix: `publish _mta-sts.${domain} TXT "v=STSv1; id=<a time stamp>"`,
    });
  }
  const setup = lintDomainSetup({
    domain,
    stsRecord: stsRecordSet,
    policy: fetched.text === null ? null : parseMtaStsPolicy(fetched.text),
    tlsrptRecord: tlsrptRecords.length > 0 ? parseTlsRptRecordSet(tlsrptRecords) : null,
    mxHosts: mxHosts.length > 0 ? mxHosts : null,
  });
  const all = [...findings, ...setup.findings];
  return { ...lintResult(all), domain, stsRecords, tlsrptRecords, mxHosts, policyUrl, policyText: fetched.text };
}

function noteDnsError(findings: Finding[], name: string, type: string, error: unknown): void {
  const code = (error as NodeJS.ErrnoException).code;
  // No such name or no such record is an answer, not a failure: the rules say what it means.
  if (code === 'ENODATA' || code === 'ENOTFOUND') return;
  findings.push({
    severity: 'error',
    code: 'dns-error',
    message: `the ${type} lookup of ${name} failed (${code ?? String(error)})`,
    rfc: 'RFC 8461 §3.1',
  });
}

/** Resolves the policy host with the same resolver as the records, so a test or custom DNS applies to both. */
function lookupWith(resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    const all = typeof options === 'object' && options.all === true;
    void Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]).then(([v4, v6]) => {
      const addresses = [
        ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
        ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
      ];
      const first = addresses[0];
      if (!first) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
        return;
      }
      if (all) (callback as unknown as (error: null, list: typeof addresses) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

async function fetchPolicy(
  domain: string,
  resolver: Resolver,
  options: OnlineLintOptions,
  timeout: number,
): Promise<{ text: string | null; findings: Finding[] }> {
  const host = `mta-sts.${domain}`;
  const ca = options.caFile ? [...rootCertificates, readFileSync(options.caFile, 'utf8')] : undefined;
  const fail = (code: string, message: string, fix?: string): { text: null; findings: Finding[] } => ({
    text: null,
    findings: [{ severity: 'error', code, message, rfc: FETCH_RFC, fix }],
  });
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port: options.httpsPort ?? 443,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        servername: host,
        ca,
        rejectUnauthorized: true,
        lookup: lookupWith(resolver),
        timeout,
        headers: { 'User-Agent': 'tlsrpt-viewer policy check', Accept: 'text/plain' },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          resolve(
            fail(
              'policy-fetch-redirect',
              `${host} answers ${status} (a redirect to ${response.headers.location ?? 'nowhere'}); senders do not follow redirects`,
              'serve the policy itself at this URL',
            ),
          );
          return;
        }
        if (status !== 200) {
          response.resume();
          resolve(
            fail(
              'policy-fetch-status',
              `${host} answers HTTP ${status} for /.well-known/mta-sts.txt; it must answer 200 with the policy`,
              'publish the policy file at that path',
            ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_POLICY_BYTES) {
            response.destroy();
            resolve(
              fail(
                'policy-fetch-too-large',
                `the policy is over ${MAX_POLICY_BYTES / 1024} KiB; senders may refuse it`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          const findings: Finding[] = [];
          const contentType = checkPolicyContentType(response.headers['content-type'] ?? null);
          if (contentType) findings.push({ ...contentType, rfc: 'RFC 8461 §3.2' });
          let text: string;
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
          } catch {
            resolve(fail('policy-not-utf8', 'the policy is not UTF-8 text'));
            return;
          }
          resolve({ text, findings });
        });
        response.on('error', (error) => {
          resolve(fail('policy-fetch-failed', `reading the policy from ${host} failed: ${error.message}`));
        });
      },
    );
    req.on('timeout', () => {
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve(describeFetchError(host, error));
    });
    req.end();
  });

  function describeFetchError(hostName: string, error: NodeJS.ErrnoException): { text: null; findings: Finding[] } {
    switch (error.code) {
      case 'CERT_HAS_EXPIRED':
        return fail(
          'policy-certificate-expired',
          `the certificate of ${hostName} has expired`,
          'renew the certificate of the policy host',
        );
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
        return fail(
          'policy-certificate-name',
          `the certificate of ${hostName} is not issued for ${hostName}`,
          `get a certificate that names ${hostName}`,
        );
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
        return fail(
          'policy-certificate-untrusted',
          `the certificate of ${hostName} is not signed by a trusted CA (${error.code})`,
          'use a certificate from a public CA',
        );
      case 'ENOTFOUND':
        return fail(
          'policy-host-missing',
          `${hostName} does not resolve; senders cannot fetch the policy`,
          `publish an address record for ${hostName}`,
        );
      default:
        return fail(
          'policy-fetch-failed',
          `fetching the policy from ${hostName} failed: ${error.code ?? error.message}`,
        );
    }
  }
}
