// The pure half of the live MX check: what a probe of one MX host found, how
// its certificate names and TLSA records are judged, and the findings. The
// network half (SMTP, STARTTLS, DNS with DNSSEC) is electron/backend/policy/.
import type { Finding } from './findings.js';
import { normalizeHost } from './mx-pattern.js';

/**
 * What a validating resolver said about an answer: `secure` (the AD bit),
 * `insecure` (a validating resolver, no AD: the zone is unsigned), `bogus`
 * (SERVFAIL that goes away with CD set: the signatures do not verify), or
 * `unknown` when the resolver in use does not validate at all, so no AD bit
 * means nothing.
 */
export type DnssecStatus = 'secure' | 'insecure' | 'bogus' | 'unknown';

/** A TLSA record (RFC 6698 §2.1), its data in lower-case hex. */
export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  data: string;
}

/** A TLSA record and whether it matched the presented chain; null when SMTP senders cannot use it (RFC 7672 §3.1.3). */
export interface TlsaRecordResult extends TlsaRecord {
  matches: boolean | null;
}

export interface MxTlsa {
  dnssec: DnssecStatus;
  records: TlsaRecordResult[];
  /** True when a usable record matched, false when usable records exist and none did, null when none is usable or no chain was seen. */
  matched: boolean | null;
}

export interface MxCertificate {
  subject: string;
  sans: string[];
  issuer: string;
  /** ISO 8601, UTC. */
  notBefore: string;
  notAfter: string;
  /** Verified against the system's roots (or the CA file given). */
  chainValid: boolean;
  /** Why not, as OpenSSL says it (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT …), null when valid. */
  chainError: string | null;
  /** The certificate's names cover the MX host name (RFC 6125 §6.4, wildcards as RFC 8461 §3.4 allows). */
  namesMatch: boolean;
  /** SHA-256 of the leaf certificate and of its SubjectPublicKeyInfo, lower-case hex. */
  sha256: string;
  spkiSha256: string;
}

/** What the live check saw at one MX host: the shape `tlsrpt lint --online --json` prints. */
export interface MxHostCheck {
  host: string;
  /** The MX preference, null for a host named only by failure details in reports. */
  preference: number | null;
  /** Every address looked up for the host, each with what happened there. */
  addresses: string[];
  /** Whether EHLO offered STARTTLS; null when no session got that far. */
  starttls: boolean | null;
  tlsVersion: string | null;
  cipher: string | null;
  certificate: MxCertificate | null;
  /** Covered by the domain's MTA-STS policy mx lines; null when there is no policy. */
  inPolicy: boolean | null;
  tlsa: MxTlsa | null;
  /** Why the host could not be checked (no address, refused, timed out …), null when the probe completed. */
  error: string | null;
}

/** Digests of one certificate of the presented chain, as the backend computed them (shared/ has no crypto). */
export interface ChainCertificateDigests {
  /** The DER of the certificate and of its SubjectPublicKeyInfo, lower-case hex. */
  certHex: string;
  spkiHex: string;
  certSha256: string;
  certSha512: string;
  spkiSha256: string;
  spkiSha512: string;
}

/** The chain's certificates may be many and large on a hostile host: past this many the rest are not read. */
export const MAX_CHAIN_CERTIFICATES = 10;

/**
 * RFC 7672 §3.1.3: SMTP senders treat PKIX-TA(0) and PKIX-EE(1) as unusable,
 * like any usage, selector or matching type they do not know.
 */
function tlsaRecordUsable(record: TlsaRecord): boolean {
  return (
    (record.usage === 2 || record.usage === 3) &&
    (record.selector === 0 || record.selector === 1) &&
    record.matchingType >= 0 &&
    record.matchingType <= 2
  );
}

function associatedData(record: TlsaRecord, cert: ChainCertificateDigests): string {
  const full = record.selector === 0;
  if (record.matchingType === 0) return full ? cert.certHex : cert.spkiHex;
  if (record.matchingType === 1) return full ? cert.certSha256 : cert.spkiSha256;
  return full ? cert.certSha512 : cert.spkiSha512;
}

/**
 * Whether one TLSA record matches the chain (leaf first), as an SMTP sender
 * judges it. DANE-EE(3) matches the leaf alone, with no name or date check
 * (RFC 7672 §3.1.1). DANE-TA(2) matches a certificate above the leaf that the
 * server sent (§3.1.2), and then the leaf must also name the host (§3.2.2),
 * or any host with a certificate from that CA could stand in for it.
 */
export function tlsaRecordMatches(
  record: TlsaRecord,
  chain: readonly ChainCertificateDigests[],
  namesMatch: boolean,
): boolean | null {
  if (!tlsaRecordUsable(record)) return null;
  const want = record.data.toLowerCase();
  if (record.usage === 3) {
    const leaf = chain[0];
    return leaf !== undefined && associatedData(record, leaf) === want;
  }
  return namesMatch && chain.slice(1).some((cert) => associatedData(record, cert) === want);
}

export function matchTlsa(
  records: readonly TlsaRecord[],
  chain: readonly ChainCertificateDigests[],
  namesMatch: boolean,
): { records: TlsaRecordResult[]; matched: boolean | null } {
  const results = records.map((record) => ({
    ...record,
    data: record.data.toLowerCase(),
    matches: chain.length === 0 ? null : tlsaRecordMatches(record, chain, namesMatch),
  }));
  const usable = results.filter((record) => record.matches !== null);
  return { records: results, matched: usable.length === 0 ? null : usable.some((record) => record.matches === true) };
}

/** `3 1 1 ab12…`, the zone-file form, shortened for a message. */
function describeTlsa(record: TlsaRecord): string {
  const data = record.data.length > 16 ? `${record.data.slice(0, 16)}…` : record.data;
  return `${record.usage} ${record.selector} ${record.matchingType} ${data}`;
}

/**
 * Whether a certificate name (a dNSName SAN, or the CN when there is no
 * dNSName) covers a host, as RFC 6125 §6.4.3 reads it for mail (RFC 7672
 * §3.2.3, RFC 8461 §3.4): a `*` only as the whole left-most label, standing
 * for exactly one label, never for a public suffix's only label (`*.com`).
 */
export function certificateNameCoversHost(name: string, host: string): boolean {
  const want = normalizeHost(host);
  const presented = normalizeHost(name);
  if (want === '' || presented === '') return false;
  if (!presented.startsWith('*.')) return !presented.includes('*') && presented === want;
  const suffix = presented.slice(1);
  if (suffix.slice(1).split('.').length < 2 || suffix.includes('*')) return false;
  if (!want.endsWith(suffix)) return false;
  const label = want.slice(0, want.length - suffix.length);
  return label !== '' && !label.includes('.');
}

/** RFC 6125 §6.4.4: the CN counts only when the certificate has no dNSName at all. */
export function certificateNamesCoverHost(sans: readonly string[], commonName: string | null, host: string): boolean {
  const names = sans.length > 0 ? sans : commonName ? [commonName] : [];
  return names.some((name) => certificateNameCoversHost(name, host));
}

const DAY_MS = 86_400_000;
/** A certificate this close to its end is worth saying: renewal has failed somewhere. */
const EXPIRING_DAYS = 14;

/** What a sender would do with the domain: an error where one that enforces MTA-STS or DANE would refuse. */
export interface MxSenderContext {
  /** The MTA-STS policy's mode, null when the domain has no policy. */
  stsMode: 'enforce' | 'testing' | 'none' | null;
  /** The MX records' own DNSSEC status: DANE applies only when they are secure too (RFC 7672 §2.2.1). */
  mxDnssec: DnssecStatus;
}

export interface MxFinding extends Finding {
  code: MxFindingCode;
  /** The MX host the finding is about. */
  mx: string;
}

export const MX_FINDING_CODES = [
  'mx-unreachable',
  'mx-starttls-missing',
  'mx-certificate-expired',
  'mx-certificate-expiring',
  'mx-certificate-untrusted',
  'mx-certificate-host-mismatch',
  'mx-not-in-policy',
  'mx-tlsa-mismatch',
  'mx-tlsa-without-dnssec',
  'mx-dnssec-bogus',
  'mx-dnssec-unknown',
] as const;
export type MxFindingCode = (typeof MX_FINDING_CODES)[number];

/** DANE is in force for a host when its TLSA records and the MX records are both DNSSEC-secure and one is usable. */
function daneApplies(check: MxHostCheck, context: MxSenderContext): boolean {
  const tlsa = check.tlsa;
  return (
    tlsa !== null &&
    tlsa.dnssec === 'secure' &&
    context.mxDnssec === 'secure' &&
    tlsa.records.some((record) => tlsaRecordUsable(record))
  );
}

function isoDay(iso: string): string {
  return iso.slice(0, 10);
}

/** Every rule about one probed MX host, at `now`. */
export function mxHostFindings(check: MxHostCheck, context: MxSenderContext, now: Date): MxFinding[] {
  const findings: MxFinding[] = [];
  const mx = check.host;
  const enforced = context.stsMode === 'enforce';
  const dane = daneApplies(check, context);
  const daneMatched = dane && check.tlsa?.matched === true;
  const add = (finding: Omit<MxFinding, 'mx'>): void => {
    findings.push({ ...finding, mx });
  };

  if (check.tlsa?.dnssec === 'bogus') {
    add({
      severity: 'error',
      code: 'mx-dnssec-bogus',
      message: `the DNSSEC signatures of _25._tcp.${mx} do not verify: validating senders get SERVFAIL and queue the mail`,
      rfc: 'RFC 7672 §2.1.1, RFC 4035 §5',
      fix: 're-sign the zone (an expired RRSIG or a record changed after signing), and check the DS record at the parent',
    });
  } else if (check.tlsa?.dnssec === 'unknown') {
    add({
      severity: 'info',
      code: 'mx-dnssec-unknown',
      message: `the DNS resolver in use does not validate DNSSEC, so whether ${mx}'s TLSA records are secure is unknown (not "insecure")`,
      rfc: 'RFC 7672 §2.1',
      fix: 'check again with a validating resolver (--dns-server, e.g. a local unbound)',
    });
  }
  if (check.tlsa && check.tlsa.records.length > 0 && check.tlsa.dnssec === 'insecure') {
    add({
      severity: 'warning',
      code: 'mx-tlsa-without-dnssec',
      message: `${mx} publishes TLSA records, but its zone is not DNSSEC-signed: senders ignore TLSA records without DNSSEC`,
      rfc: 'RFC 7672 §2.2',
      fix: `sign the zone of ${mx} and publish its DS record, or remove the TLSA records`,
    });
  }

  if (check.error !== null && check.starttls === null) {
    add({
      severity: 'warning',
      code: 'mx-unreachable',
      message: `${mx} could not be checked: ${check.error}. Many networks (home, office, cloud) block outbound port 25, so this alone is not proof of a fault`,
      rfc: 'RFC 5321 §3.1',
      fix: 'run the check from a host that may connect to port 25 (a mail server) before changing anything',
    });
    return findings;
  }

  if (check.starttls === false) {
    add({
      severity: enforced || dane ? 'error' : 'warning',
      code: 'mx-starttls-missing',
      message: `${mx} does not offer STARTTLS${enforced || dane ? `: senders enforcing the domain's ${dane ? 'DANE' : 'MTA-STS'} will not deliver to it` : ': mail reaches it unencrypted'}`,
      rfc: dane ? 'RFC 7672 §2.2' : 'RFC 8461 §4.2, RFC 3207',
      fix: `enable STARTTLS on ${mx} with a certificate that names it`,
    });
  }

  if (check.inPolicy === false) {
    add({
      severity: enforced ? 'error' : 'warning',
      code: 'mx-not-in-policy',
      message: `${mx} is not covered by the MTA-STS policy's mx lines${enforced ? ': senders enforcing MTA-STS will not deliver to it' : ': once enforced, senders would not deliver to it'}`,
      rfc: 'RFC 8461 §4.1',
      fix: `add "mx: ${mx}" (or a *. pattern that covers it) to the policy, and change the id in the _mta-sts record`,
    });
  }

  const cert = check.certificate;
  if (cert) {
    const notAfter = Date.parse(cert.notAfter);
    const expired = notAfter < now.getTime();
    // DANE-EE(3) is a key pin: dates and names do not matter to a DANE sender (RFC 7672 §3.1.1).
    const daneEeMatched = daneMatched && check.tlsa?.records.some((r) => r.usage === 3 && r.matches === true);
    const refusedBy = (): boolean => enforced || (dane && !daneEeMatched);
    if (expired) {
      add({
        severity: refusedBy() ? 'error' : 'warning',
        code: 'mx-certificate-expired',
        message: `the certificate of ${mx} expired on ${isoDay(cert.notAfter)}`,
        rfc: 'RFC 8461 §4.2, RFC 5280 §4.1.2.5',
        fix: `renew the certificate of ${mx} and reload the mail server`,
      });
    } else if (notAfter - now.getTime() <= EXPIRING_DAYS * DAY_MS) {
      add({
        severity: 'warning',
        code: 'mx-certificate-expiring',
        message: `the certificate of ${mx} expires on ${isoDay(cert.notAfter)}, within ${EXPIRING_DAYS} days`,
        rfc: 'RFC 5280 §4.1.2.5',
        fix: `renew it now and check that automatic renewal works${check.tlsa?.records.some((r) => r.usage === 3 && r.selector === 0) ? '; a TLSA 3 0 x record must change with it, so publish the new one first' : ''}`,
      });
    }
    if (!cert.chainValid && cert.chainError !== 'CERT_HAS_EXPIRED') {
      add({
        severity: enforced || (dane && !daneMatched) ? 'error' : 'warning',
        code: 'mx-certificate-untrusted',
        message: `the certificate of ${mx} does not chain to a trusted root (${cert.chainError ?? 'unknown reason'})${daneMatched ? '; DANE senders accept it through its TLSA record, MTA-STS senders do not' : ''}`,
        rfc: 'RFC 8461 §4.2',
        fix: `use a certificate from a public CA on ${mx} and send the intermediate certificates with it`,
      });
    }
    if (!cert.namesMatch) {
      add({
        severity: refusedBy() ? 'error' : 'warning',
        code: 'mx-certificate-host-mismatch',
        message: `the certificate of ${mx} names ${cert.sans.length > 0 ? cert.sans.join(', ') : cert.subject}, not ${mx}`,
        rfc: 'RFC 8461 §4.2, RFC 6125 §6.4',
        fix: `get a certificate whose subjectAltName includes ${mx}`,
      });
    }
  }

  if (check.tlsa?.matched === false && check.tlsa.dnssec !== 'bogus') {
    const secure = check.tlsa.dnssec === 'secure' && context.mxDnssec === 'secure';
    add({
      severity: secure ? 'error' : 'warning',
      code: 'mx-tlsa-mismatch',
      message: `no TLSA record of _25._tcp.${mx} matches the certificate it presents (${check.tlsa.records.map(describeTlsa).join('; ')})${secure ? ': DANE senders will not deliver to it' : ''}`,
      rfc: 'RFC 7672 §3.1, RFC 6698 §2.1',
      fix: `publish a TLSA record for the current key (3 1 1 ${cert?.spkiSha256 ?? '<SHA-256 of the public key>'}) before removing the old one`,
    });
  }
  return findings;
}

/** A result type from a report, and the sentence the live check gives beside it: still failing, or fixed. */
export function liveResultSentence(resultType: string, check: MxHostCheck, now: Date): string {
  if (check.starttls === null) {
    return `could not be checked now: ${check.error ?? 'no answer'} (many networks block outbound port 25)`;
  }
  const cert = check.certificate;
  const validUntil = cert ? `valid until ${isoDay(cert.notAfter)}` : '';
  const fixed = (what: string): string => `fixed: ${what}`;
  const still = (what: string): string => `still ${what}`;
  if (!check.starttls) {
    return resultType === 'starttls-not-supported'
      ? still(`no STARTTLS: ${check.host} does not offer it`)
      : `${check.host} does not offer STARTTLS now`;
  }
  if (!cert) return `${check.host} offered STARTTLS but the handshake failed: ${check.error ?? 'no certificate'}`;
  const expired = Date.parse(cert.notAfter) < now.getTime();
  switch (resultType) {
    case 'starttls-not-supported':
      return fixed(`STARTTLS offered (${check.tlsVersion ?? 'TLS'})`);
    case 'certificate-expired':
      return expired
        ? still(`expired: notAfter ${isoDay(cert.notAfter)}`)
        : fixed(`${validUntil}${namesClause(check)}`);
    case 'certificate-host-mismatch':
      return cert.namesMatch
        ? fixed(`names cover ${check.host}`)
        : still(`mismatched: the certificate names ${cert.sans.join(', ') || cert.subject}`);
    case 'certificate-not-trusted':
    case 'validation-failure':
      return cert.chainValid
        ? fixed(`the chain validates, ${validUntil}${namesClause(check)}`)
        : still(`untrusted: ${cert.chainError ?? 'the chain does not validate'}`);
    case 'tlsa-invalid':
    case 'dane-required':
      if (!check.tlsa || check.tlsa.records.length === 0) return `no TLSA records at _25._tcp.${check.host} now`;
      return check.tlsa.matched === true
        ? fixed(`TLSA ${check.tlsa.records.filter((r) => r.matches === true).map(describeTlsa)[0] ?? ''} matches`)
        : still(`no TLSA record matches the presented certificate`);
    case 'dnssec-invalid':
      if (!check.tlsa) return 'the DNSSEC status could not be read';
      if (check.tlsa.dnssec === 'bogus') return still(`bogus: the signatures of _25._tcp.${check.host} do not verify`);
      if (check.tlsa.dnssec === 'unknown') return 'the resolver in use does not validate DNSSEC: status unknown';
      return fixed(`DNSSEC ${check.tlsa.dnssec}`);
    default: {
      const problems: string[] = [];
      if (expired) problems.push(`expired on ${isoDay(cert.notAfter)}`);
      if (!cert.namesMatch) problems.push(`names ${cert.sans.join(', ') || cert.subject}`);
      if (!cert.chainValid && !expired) problems.push(`untrusted (${cert.chainError ?? ''})`);
      return problems.length > 0
        ? `the certificate is ${problems.join(', ')}`
        : `STARTTLS works now: ${check.tlsVersion ?? 'TLS'}, ${validUntil}${namesClause(check)}`;
    }
  }
}

function namesClause(check: MxHostCheck): string {
  return check.certificate?.namesMatch === true ? `, names cover ${check.host}` : `, but does not name ${check.host}`;
}
