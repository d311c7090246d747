import { setMaxListeners } from 'node:events';
import { createHash, X509Certificate } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { MxData, TlsaData } from 'dns-packet';
import type { MtaStsPolicy } from '../../../shared/policy/mta-sts-policy.js';
import {
  certificateNamesCoverHost,
  matchTlsa,
  mxHostFindings,
  type ChainCertificateDigests,
  type DnssecStatus,
  type MxCertificate,
  type MxFinding,
  type MxHostCheck,
  type MxTlsa,
} from '../../../shared/policy/mx-check.js';
import { mxMatchesAny, normalizeHost } from '../../../shared/policy/mx-pattern.js';
import { MAX_CA_FILE_BYTES, readRegularFile } from '../files/regular-file.js';
import { probeSmtp, type SmtpProbeResult } from './smtp-probe.js';
import { SecureResolver, parseDnsServers } from './secure-dns.js';

/**
 * The live check of a domain's MX hosts: for each, its addresses, one SMTP
 * session up to the TLS handshake (smtp-probe.ts), its TLSA records with
 * their DNSSEC status (secure-dns.ts), then the pure rules of
 * shared/policy/mx-check.ts. Host names come from DNS, so they are hostile:
 * addresses inside private or loopback ranges are not connected to, and
 * every address says what was done with it.
 */
export interface MxCheckOptions {
  dnsServers?: readonly string[];
  /** Trusted CAs, PEM; the system's roots when undefined. */
  ca?: string[] | undefined;
  /** 25; another port only for tests. */
  smtpPort?: number;
  /** Each SMTP session's limit; the caller's signal is the whole check's. */
  connectionTimeoutMs?: number;
  /** Tests serve the MX hosts on loopback; a real check never connects there. */
  allowPrivateAddresses?: boolean;
  now?: Date;
}

export interface MxHostsReport {
  /** The DNSSEC status of the domain's MX records: DANE applies only when it is secure. */
  mxDnssec: DnssecStatus;
  mxChecks: MxHostCheck[];
  findings: MxFinding[];
}

/** The CA file's certificates beside the system's roots; an unreadable file is the policy fetch's to report. */
export function readCaOption(caFile: string | null | undefined): string[] | undefined {
  if (!caFile) return undefined;
  try {
    return [...rootCertificates, readRegularFile(caFile, MAX_CA_FILE_BYTES).toString('utf8')];
  } catch {
    return undefined;
  }
}

/** Options from the command line's words: --smtp-port is for tests, whose MX hosts are on loopback. */
export function mxCheckOptions(
  dnsServers: string[],
  caFile: string | undefined,
  smtpPort: string | undefined,
): MxCheckOptions {
  const port = smtpPort === undefined ? undefined : Number(smtpPort);
  return {
    dnsServers,
    ca: readCaOption(caFile),
    smtpPort: port,
    allowPrivateAddresses: port !== undefined && port !== 25,
  };
}

/** A domain with more MX hosts than this is checked on its first ones: every probe costs a connection. */
const MAX_HOSTS = 10;
/** Per address family; a sender tries a few addresses, not hundreds. */
const MAX_ADDRESSES = 4;
const DNS_QUERY_TIMEOUT_MS = 5000;

/** Where a hostile MX record could point a check at the user's own network. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

function isInternal(address: string): boolean {
  return INTERNAL.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

function sha(algorithm: 'sha256' | 'sha512', data: Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

function digests(der: Buffer): ChainCertificateDigests {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return {
    certHex: der.toString('hex'),
    spkiHex: spki.toString('hex'),
    certSha256: sha('sha256', der),
    certSha512: sha('sha512', der),
    spkiSha256: sha('sha256', spki),
    spkiSha512: sha('sha512', spki),
  };
}

function dnsNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
}

function describeCertificate(
  host: string,
  probe: SmtpProbeResult,
  chain: ChainCertificateDigests[],
): MxCertificate | null {
  const der = probe.chain[0];
  const leaf = chain[0];
  if (!der || !leaf) return null;
  const cert = new X509Certificate(der);
  const sans = dnsNames(cert);
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? null;
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    sans,
    issuer: cert.issuer.replace(/\n/g, ', '),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    chainValid: probe.authorized,
    chainError: probe.authorized ? null : probe.authorizationError,
    namesMatch: certificateNamesCoverHost(sans, commonName, host),
    sha256: leaf.certSha256,
    spkiSha256: leaf.spkiSha256,
  };
}

interface HostContext {
  resolver: SecureResolver;
  options: MxCheckOptions;
  signal: AbortSignal;
  policy: MtaStsPolicy | null;
}

async function addressesOf(
  host: string,
  resolver: SecureResolver,
): Promise<{ addresses: string[]; problems: string[] }> {
  const problems: string[] = [];
  const lists = await Promise.all(
    (['A', 'AAAA'] as const).map(async (type) => {
      try {
        const found = await resolver.lookup<string>(host, type);
        if (found.status === 'bogus') problems.push(`${type} ${host}: DNSSEC bogus`);
        return found.records.slice(0, MAX_ADDRESSES);
      } catch (error) {
        problems.push((error as Error).message);
        return [];
      }
    }),
  );
  return { addresses: lists.flat(), problems };
}

async function lookupTlsa(
  host: string,
  resolver: SecureResolver,
): Promise<{ status: DnssecStatus; records: TlsaData[] } | string> {
  try {
    const found = await resolver.lookup<TlsaData>(`_25._tcp.${host}`, 'TLSA');
    return { status: found.status, records: found.records };
  } catch (error) {
    return (error as Error).message;
  }
}

/** Checks one MX host: addresses, one SMTP session on the first address that answers, TLSA. */
async function checkOneMxHost(host: string, preference: number | null, context: HostContext): Promise<MxHostCheck> {
  const name = normalizeHost(host);
  const { options, signal } = context;
  const port = options.smtpPort ?? 25;
  const [found, tlsaLookup] = await Promise.all([
    addressesOf(name, context.resolver),
    lookupTlsa(name, context.resolver),
  ]);
  const tried: string[] = [];
  const failures: string[] = [...found.problems];
  let probe: SmtpProbeResult | null = null;
  for (const address of found.addresses) {
    if (probe) {
      tried.push(`${address}: not tried (an earlier address answered)`);
      continue;
    }
    if (!options.allowPrivateAddresses && isInternal(address)) {
      const reason = `${address}: not tried (a private, loopback or reserved address; an MX host on the internet does not point there)`;
      tried.push(reason);
      failures.push(reason);
      continue;
    }
    try {
      probe = await probeSmtp({
        address,
        port,
        servername: name,
        ca: options.ca,
        timeoutMs: options.connectionTimeoutMs ?? 10_000,
        signal,
      });
      tried.push(
        `${address}:${port}: ${probe.starttls ? `STARTTLS, ${probe.tlsVersion ?? 'TLS'}` : 'no STARTTLS offered'}`,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = `${address}:${port}: ${code ? `${code} ${(error as Error).message}` : (error as Error).message}`;
      tried.push(reason);
      failures.push(reason);
    }
  }
  if (found.addresses.length === 0 && failures.length === 0) failures.push(`${name} has no A or AAAA record`);

  const chain = probe ? probe.chain.map(digests) : [];
  const certificate = probe ? describeCertificate(name, probe, chain) : null;
  let tlsa: MxTlsa | null = null;
  if (typeof tlsaLookup === 'string') {
    failures.push(`TLSA: ${tlsaLookup}`);
  } else {
    const records = tlsaLookup.records.map((record) => ({
      usage: record.usage,
      selector: record.selector,
      matchingType: record.matchingType,
      data: record.certificate.toString('hex'),
    }));
    tlsa = { dnssec: tlsaLookup.status, ...matchTlsa(records, chain, certificate?.namesMatch ?? false) };
  }
  return {
    host: name,
    preference,
    addresses: tried,
    starttls: probe ? probe.starttls : null,
    tlsVersion: probe?.tlsVersion ?? null,
    cipher: probe?.cipher ?? null,
    certificate,
    inPolicy: context.policy ? mxMatchesAny(name, context.policy.mx) : null,
    tlsa,
    error: probe ? null : failures.join('; ') || 'no address answered',
  };
}

/**
 * Every MX host of the domain from DNS in preference order, then the hosts
 * that failure details in reports named and DNS no longer lists.
 */
export async function checkMxHosts(
  domain: string,
  input: { policy: MtaStsPolicy | null; reportedHosts?: readonly string[] },
  options: MxCheckOptions,
  signal: AbortSignal,
): Promise<MxHostsReport> {
  // Every query and session of every host listens for the one deadline.
  setMaxListeners(200, signal);
  const resolver = new SecureResolver(parseDnsServers(options.dnsServers), DNS_QUERY_TIMEOUT_MS, signal);
  let mxDnssec: DnssecStatus = 'unknown';
  let fromDns: { host: string; preference: number }[] = [];
  try {
    const mx = await resolver.lookup<MxData>(domain, 'MX');
    mxDnssec = mx.status;
    fromDns = mx.records
      .map((record) => ({ host: normalizeHost(record.exchange), preference: record.preference ?? 0 }))
      .sort((a, b) => a.preference - b.preference);
  } catch {
    // The online check's own MX lookup has already said what went wrong with DNS.
  }
  const known = new Set(fromDns.map((entry) => entry.host));
  const reported = [...new Set((input.reportedHosts ?? []).map(normalizeHost))]
    .filter((host) => host !== '' && !known.has(host))
    .map((host) => ({ host, preference: null }));
  const hosts = [...fromDns, ...reported].slice(0, MAX_HOSTS);
  const context: HostContext = { resolver, options, signal, policy: input.policy };
  const mxChecks = await Promise.all(hosts.map((entry) => checkOneMxHost(entry.host, entry.preference, context)));
  const now = options.now ?? new Date();
  const sender = { stsMode: input.policy?.mode ?? null, mxDnssec };
  return { mxDnssec, mxChecks, findings: mxChecks.flatMap((check) => mxHostFindings(check, sender, now)) };
}

/** One host, now, for "Check this host now": its DNSSEC context is its own TLSA lookup's. */
export async function checkMxHostNow(
  host: string,
  options: MxCheckOptions & { timeoutMs?: number },
): Promise<{ check: MxHostCheck; findings: MxFinding[] }> {
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort();
  }, options.timeoutMs ?? 30_000);
  try {
    const resolver = new SecureResolver(parseDnsServers(options.dnsServers), DNS_QUERY_TIMEOUT_MS, deadline.signal);
    const check = await checkOneMxHost(host, null, { resolver, options, signal: deadline.signal, policy: null });
    // Without the domain, the MX records' status is unknown: judge DANE by the host's own TLSA status.
    const sender = { stsMode: null, mxDnssec: check.tlsa?.dnssec ?? 'unknown' };
    return { check, findings: mxHostFindings(check, sender, options.now ?? new Date()) };
  } finally {
    clearTimeout(timer);
  }
}
