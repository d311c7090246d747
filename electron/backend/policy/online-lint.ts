import { normalizeDomainName } from '../../../shared/report/host-names.js';
import { Resolver } from 'node:dns/promises';
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Finding, LintResult } from '../../../shared/policy/findings.js';
import { lintResult } from '../../../shared/policy/findings.js';
import { lintDomainSetup } from '../../../shared/policy/lint.js';
import { checkPolicyContentType, parseMtaStsPolicy } from '../../../shared/policy/mta-sts-policy.js';
import { parseMtaStsRecordSet } from '../../../shared/policy/mta-sts-record.js';
import { parseTlsRptRecordSet } from '../../../shared/policy/tlsrpt-record.js';
import type { DnssecStatus, MxHostCheck } from '../../../shared/policy/mx-check.js';
import { MAX_CA_FILE_BYTES, readRegularFile } from '../files/regular-file.js';
import { checkMxHosts, readCaOption, type MxHostsReport } from './mx-hosts-check.js';

export interface OnlineLintOptions {
  /** DNS servers as ADDR or ADDR:PORT ([v6]:PORT); the system's when empty. */
  dnsServers?: readonly string[];
  /** A PEM file of extra trusted CAs for the policy host. Verification stays on. */
  caFile?: string | null;
  /** 443, except in tests that serve the policy on a high loopback port. */
  httpsPort?: number;
  /** The whole check's deadline: DNS, connection and reading the policy (and the MX hosts) together. */
  timeoutMs?: number;
  /** Also connect to every MX host (mx-hosts-check.ts); off unless asked, since it opens port 25 connections. */
  mxCheck?: boolean;
  /** 25, except in tests whose SMTP servers listen on a high loopback port (and may then be on loopback). */
  smtpPort?: number;
  /** MX hosts that failure details in stored reports named, checked after those from DNS. */
  reportedMxHosts?: readonly string[];
}

export interface OnlineLintReport extends LintResult {
  domain: string;
  stsRecords: string[];
  tlsrptRecords: string[];
  mxHosts: string[];
  policyUrl: string;
  policyText: string | null;
  /**
   * Set when no DNS server answered any lookup (refused, timed out): then the
   * empty lists say nothing about the domain, and the policy was not fetched.
   */
  dnsUnreachable: string | null;
  /** What the live check saw at each MX host; null when it was not asked for. */
  mxChecks: MxHostCheck[] | null;
  /** The DNSSEC status of the MX records, null without the MX check. */
  mxDnssec: DnssecStatus | null;
}

/**
 * c-ares codes that mean no server gave an answer, as opposed to an answer
 * that there is no such name or record (ENOTFOUND, ENODATA) or a server's
 * failure for this name (ESERVFAIL, as for a broken DNSSEC chain).
 */
const DNS_UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ETIMEOUT', 'EREFUSED', 'ECONNRESET', 'ECANCELLED']);

function isDnsUnreachable(error: unknown): boolean {
  return DNS_UNREACHABLE_CODES.has((error as NodeJS.ErrnoException).code ?? '');
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
  const domain = normalizeDomainName(domainInput);
  // Port 25 sessions take longer than a policy fetch: a host that does not answer costs its own timeout.
  const timeout = options.timeoutMs ?? (options.mxCheck === true ? 30_000 : 10_000);
  // Each try of each query is bounded by the resolver, the whole check by the deadline below:
  // a resolver that never answers took 45.7 s with only the per-query timeout.
  const resolver = new Resolver({ timeout: Math.min(timeout, 5000), tries: 2 });
  if (options.dnsServers && options.dnsServers.length > 0) resolver.setServers([...options.dnsServers]);
  const findings: Finding[] = [];
  // A socket timeout fires only when nothing arrives: a server trickling a byte a second never
  // ends that way. One deadline for the whole check cancels every query and the fetch.
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort();
    resolver.cancel();
  }, timeout);
  try {
    return await checkDomain(domain, resolver, options, timeout, deadline.signal, findings);
  } finally {
    clearTimeout(timer);
  }
}

async function checkDomain(
  domain: string,
  resolver: Resolver,
  options: OnlineLintOptions,
  timeout: number,
  signal: AbortSignal,
  findings: Finding[],
): Promise<OnlineLintReport> {
  const unreachable: string[] = [];
  let lookups = 0;
  const dnsError = (name: string, type: string, caught: unknown): void => {
    const error = signal.aborted ? timeoutError(timeout) : caught;
    if (isDnsUnreachable(error)) unreachable.push(`${type} ${name}: ${(error as NodeJS.ErrnoException).code ?? ''}`);
    noteDnsError(findings, name, type, error);
  };
  const txt = async (name: string): Promise<string[]> => {
    lookups += 1;
    if (signal.aborted) {
      dnsError(name, 'TXT', timeoutError(timeout));
      return [];
    }
    try {
      return (await resolver.resolveTxt(name)).map((strings) => strings.join(''));
    } catch (error) {
      dnsError(name, 'TXT', error);
      return [];
    }
  };
  const [stsRecords, tlsrptRecords] = await Promise.all([txt(`_mta-sts.${domain}`), txt(`_smtp._tls.${domain}`)]);
  let mxHosts: string[] = [];
  lookups += 1;
  if (signal.aborted) {
    dnsError(domain, 'MX', timeoutError(timeout));
  } else {
    try {
      mxHosts = (await resolver.resolveMx(domain))
        .sort((a, b) => a.priority - b.priority)
        .map((record) => record.exchange.toLowerCase());
    } catch (error) {
      dnsError(domain, 'MX', error);
    }
  }

  const policyUrl = `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
  if (unreachable.length === lookups) {
    // Nothing was learnt about the domain: its records and policy host cannot be judged, only the DNS.
    const servers =
      options.dnsServers && options.dnsServers.length > 0 ? options.dnsServers.join(', ') : "the system's";
    const dnsUnreachable = `no DNS server answered (${servers} DNS servers; ${unreachable.join(', ')})`;
    const problem: Finding = {
      severity: 'error',
      code: 'dns-unreachable',
      message: `DNS could not be reached: ${dnsUnreachable}. Nothing is known about ${domain}'s records until it can be`,
      rfc: 'RFC 8461 §3.1',
      fix: 'check the network connection and the DNS servers, then check again',
    };
    return {
      ...lintResult([problem]),
      domain,
      stsRecords: [],
      tlsrptRecords: [],
      mxHosts: [],
      policyUrl,
      policyText: null,
      dnsUnreachable,
      mxChecks: null,
      mxDnssec: null,
    };
  }
  const fetched = await fetchPolicy(domain, resolver, options, timeout, signal);
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
  const parsedPolicy = fetched.text === null ? null : parseMtaStsPolicy(fetched.text);
  const setup = lintDomainSetup({
    domain,
    stsRecord: stsRecordSet,
    policy: parsedPolicy,
    tlsrptRecord: tlsrptRecords.length > 0 ? parseTlsRptRecordSet(tlsrptRecords) : null,
    mxHosts: mxHosts.length > 0 ? mxHosts : null,
  });
  let all = [...findings, ...setup.findings];
  let mx: MxHostsReport | null = null;
  if (options.mxCheck === true) {
    mx = await checkMxHosts(
      domain,
      { policy: parsedPolicy?.policy ?? null, reportedHosts: options.reportedMxHosts },
      {
        dnsServers: options.dnsServers,
        ca: readCaOption(options.caFile),
        smtpPort: options.smtpPort,
        allowPrivateAddresses: options.smtpPort !== undefined && options.smtpPort !== 25,
      },
      signal,
    );
    // mx-not-in-policy says the same of each host, with what the host itself showed.
    all = [...all.filter((finding) => finding.code !== 'policy-mx-uncovered'), ...mx.findings];
  }
  return {
    ...lintResult(all),
    domain,
    stsRecords,
    tlsrptRecords,
    mxHosts,
    policyUrl,
    policyText: fetched.text,
    dnsUnreachable: null,
    mxChecks: mx?.mxChecks ?? null,
    mxDnssec: mx?.mxDnssec ?? null,
  };
}

function timeoutError(timeout: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`no answer within the check's ${timeout / 1000} s`), { code: 'ETIMEOUT' });
}

function noteDnsError(findings: Finding[], name: string, type: string, error: unknown): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ETIMEOUT') {
    findings.push({
      severity: 'error',
      code: 'dns-timeout',
      message: `the ${type} lookup of ${name} had no answer in time (${(error as Error).message})`,
      rfc: 'RFC 8461 §3.1',
    });
    return;
  }
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
        // A DNS server that did not answer is not a name without an address.
        const failure = [v4, v6].find(
          (result): result is PromiseRejectedResult => result.status === 'rejected' && isDnsUnreachable(result.reason),
        );
        const code = failure ? ((failure.reason as NodeJS.ErrnoException).code ?? 'ENOTFOUND') : 'ENOTFOUND';
        callback(Object.assign(new Error(`${hostname} has no address (${code})`), { code }), '', 4);
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
  signal: AbortSignal,
): Promise<{ text: string | null; findings: Finding[] }> {
  const host = `mta-sts.${domain}`;
  const fail = (code: string, message: string, fix?: string): { text: null; findings: Finding[] } => ({
    text: null,
    findings: [{ severity: 'error', code, message, rfc: FETCH_RFC, fix }],
  });
  let ca: string[] | undefined;
  if (options.caFile) {
    try {
      ca = [...rootCertificates, readRegularFile(options.caFile, MAX_CA_FILE_BYTES).toString('utf8')];
    } catch (error) {
      return fail('ca-file-unreadable', `cannot read the CA file ${options.caFile}: ${String(error)}`);
    }
  }
  const timedOut = (): { text: null; findings: Finding[] } =>
    fail(
      'policy-fetch-timeout',
      `fetching the policy from ${host} took longer than the check's ${timeout / 1000} s; senders give up too`,
      'make the policy host answer at once',
    );
  if (signal.aborted) return timedOut();
  return new Promise((settle) => {
    let settled = false;
    const resolve = (result: { text: string | null; findings: Finding[] }): void => {
      if (settled) return;
      settled = true;
      settle(result);
    };
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
        signal,
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
          resolve(
            signal.aborted
              ? timedOut()
              : fail('policy-fetch-failed', `reading the policy from ${host} failed: ${error.message}`),
          );
        });
        response.on('close', () => {
          if (signal.aborted) resolve(timedOut());
        });
      },
    );
    req.on('timeout', () => {
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve(signal.aborted ? timedOut() : describeFetchError(host, error));
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
      case 'ECONNREFUSED':
      case 'ETIMEOUT':
      case 'EREFUSED':
        // ECONNREFUSED here is the DNS server's (lookupWith) or the policy host's port.
        if (error.message.includes('has no address')) {
          return fail(
            'policy-host-dns-failed',
            `the address of ${hostName} could not be looked up: no DNS server answered (${error.code})`,
            'check the DNS servers, then check again',
          );
        }
        return fail('policy-fetch-failed', `fetching the policy from ${hostName} failed: ${error.code}`);
      case 'ENOTFOUND':
        return fail(
          'policy-host-missing',
          `${hostName} does not resolve; senders cannot fetch the policy`,
          `publish an address record for ${hostName}`,
        );
      case undefined: // an error without a code: its message says what happened
      default:
        return fail(
          'policy-fetch-failed',
          `fetching the policy from ${hostName} failed: ${error.code ?? error.message}`,
        );
    }
  }
}
