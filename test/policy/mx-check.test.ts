import { describe, expect, it } from 'vitest';
import {
  certificateNameCoversHost,
  certificateNamesCoverHost,
  liveResultSentence,
  matchTlsa,
  mxHostFindings,
  tlsaRecordMatches,
  type ChainCertificateDigests,
  type MxHostCheck,
  type MxSenderContext,
} from '../../shared/policy/mx-check.js';

const NOW = new Date('2026-12-07T12:00:00Z');

const leaf: ChainCertificateDigests = {
  certHex: '3082aa',
  spkiHex: '3059bb',
  certSha256: 'a'.repeat(64),
  certSha512: 'b'.repeat(128),
  spkiSha256: 'c'.repeat(64),
  spkiSha512: 'd'.repeat(128),
};
const issuer: ChainCertificateDigests = {
  certHex: '3082ee',
  spkiHex: '3059ff',
  certSha256: 'e'.repeat(64),
  certSha512: 'f'.repeat(128),
  spkiSha256: '1'.repeat(64),
  spkiSha512: '2'.repeat(128),
};
const chain = [leaf, issuer];

describe('certificate names against the MX host (RFC 6125 §6.4)', () => {
  it.each([
    ['mx1.example.com', 'mx1.example.com', true],
    ['MX1.Example.COM.', 'mx1.example.com', true],
    ['*.example.com', 'mx1.example.com', true],
    ['*.example.com', 'a.mx1.example.com', false],
    ['*.example.com', 'example.com', false],
    ['*.com', 'example.com', false],
    ['m*.example.com', 'mx1.example.com', false],
    ['mx*.example.com', 'mx1.example.com', false],
    ['*.*.example.com', 'a.b.example.com', false],
    ['mx2.example.com', 'mx1.example.com', false],
    ['*.xn--mnchen-3ya.example', 'mx.münchen.example', true],
  ])('%s covers %s: %s', (name, host, covers) => {
    expect(certificateNameCoversHost(name, host)).toBe(covers);
  });

  it('reads the CN only when there is no dNSName', () => {
    expect(certificateNamesCoverHost([], 'mx1.example.com', 'mx1.example.com')).toBe(true);
    expect(certificateNamesCoverHost(['other.example.com'], 'mx1.example.com', 'mx1.example.com')).toBe(false);
    expect(certificateNamesCoverHost([], null, 'mx1.example.com')).toBe(false);
  });
});

describe('TLSA matching (RFC 6698 §2.1, RFC 7672 §3.1)', () => {
  it('matches DANE-EE on the leaf with every selector and matching type', () => {
    expect(tlsaRecordMatches({ usage: 3, selector: 1, matchingType: 1, data: 'C'.repeat(64) }, chain, false)).toBe(
      true,
    );
    expect(tlsaRecordMatches({ usage: 3, selector: 0, matchingType: 1, data: 'a'.repeat(64) }, chain, true)).toBe(true);
    expect(tlsaRecordMatches({ usage: 3, selector: 0, matchingType: 2, data: 'b'.repeat(128) }, chain, true)).toBe(
      true,
    );
    expect(tlsaRecordMatches({ usage: 3, selector: 1, matchingType: 0, data: '3059bb' }, chain, true)).toBe(true);
    expect(tlsaRecordMatches({ usage: 3, selector: 1, matchingType: 1, data: '1'.repeat(64) }, chain, true)).toBe(
      false,
    );
  });

  it('matches DANE-TA only above the leaf, and only when the names cover the host', () => {
    const ta = { usage: 2, selector: 0, matchingType: 1, data: 'e'.repeat(64) };
    expect(tlsaRecordMatches(ta, chain, true)).toBe(true);
    expect(tlsaRecordMatches(ta, chain, false)).toBe(false);
    expect(tlsaRecordMatches({ ...ta, data: 'a'.repeat(64) }, chain, true)).toBe(false);
  });

  it('treats PKIX usages and unknown parameters as unusable', () => {
    const result = matchTlsa(
      [
        { usage: 1, selector: 1, matchingType: 1, data: 'c'.repeat(64) },
        { usage: 3, selector: 1, matchingType: 9, data: 'c'.repeat(64) },
      ],
      chain,
      true,
    );
    expect(result.matched).toBeNull();
    expect(result.records.map((r) => r.matches)).toEqual([null, null]);
  });

  it('matches when any usable record does', () => {
    const result = matchTlsa(
      [
        { usage: 3, selector: 1, matchingType: 1, data: '0'.repeat(64) },
        { usage: 3, selector: 1, matchingType: 1, data: 'c'.repeat(64) },
      ],
      chain,
      true,
    );
    expect(result.matched).toBe(true);
  });
});

const goodCertificate: NonNullable<MxHostCheck['certificate']> = {
  subject: 'CN=mx1.example.com',
  sans: ['mx1.example.com'],
  issuer: 'CN=Test CA',
  notBefore: '2026-11-01T00:00:00.000Z',
  notAfter: '2027-02-01T00:00:00.000Z',
  chainValid: true,
  chainError: null,
  namesMatch: true,
  sha256: 'a'.repeat(64),
  spkiSha256: 'c'.repeat(64),
};
const pin = { usage: 3, selector: 1, matchingType: 1, data: 'c'.repeat(64), matches: true };
const goodTlsa: NonNullable<MxHostCheck['tlsa']> = { dnssec: 'secure', records: [pin], matched: true };
const good: MxHostCheck = {
  host: 'mx1.example.com',
  preference: 10,
  addresses: ['192.0.2.1: STARTTLS, TLSv1.3'],
  starttls: true,
  tlsVersion: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  certificate: goodCertificate,
  inPolicy: true,
  tlsa: goodTlsa,
  error: null,
};
const enforce: MxSenderContext = { stsMode: 'enforce', mxDnssec: 'secure' };
const codes = (check: MxHostCheck, context = enforce) => mxHostFindings(check, context, NOW).map((f) => f.code);
const withCert = (patch: Partial<NonNullable<MxHostCheck['certificate']>>): MxHostCheck => ({
  ...good,
  certificate: { ...goodCertificate, ...patch },
});

describe('findings about one MX host', () => {
  it('says nothing about a good host', () => {
    expect(codes(good)).toEqual([]);
  });

  it('names the host in every finding', () => {
    const findings = mxHostFindings({ ...good, starttls: false, certificate: null }, enforce, NOW);
    expect(findings.every((f) => f.mx === 'mx1.example.com')).toBe(true);
  });

  it('makes a certificate problem an error only where an enforcing sender would refuse', () => {
    const expired = withCert({
      notAfter: '2026-11-09T00:00:00.000Z',
      chainValid: false,
      chainError: 'CERT_HAS_EXPIRED',
    });
    const noDane = { ...expired, tlsa: { dnssec: 'insecure' as const, records: [], matched: null } };
    expect(mxHostFindings(noDane, enforce, NOW)).toMatchObject([{ code: 'mx-certificate-expired', severity: 'error' }]);
    expect(mxHostFindings(noDane, { stsMode: 'testing', mxDnssec: 'insecure' }, NOW)).toMatchObject([
      { code: 'mx-certificate-expired', severity: 'warning' },
    ]);
    // A DANE-EE pin ignores dates: DANE senders deliver, so without enforced MTA-STS it is a warning.
    expect(mxHostFindings(expired, { stsMode: null, mxDnssec: 'secure' }, NOW)).toMatchObject([
      { code: 'mx-certificate-expired', severity: 'warning' },
    ]);
  });

  it('flags a certificate that expires within 14 days', () => {
    expect(codes(withCert({ notAfter: '2026-12-20T00:00:00.000Z' }))).toEqual(['mx-certificate-expiring']);
    expect(codes(withCert({ notAfter: '2026-12-22T12:00:01.000Z' }))).toEqual([]);
  });

  it('flags untrusted chains, wrong names, missing STARTTLS and hosts outside the policy', () => {
    expect(codes(withCert({ chainValid: false, chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toEqual([
      'mx-certificate-untrusted',
    ]);
    expect(codes(withCert({ namesMatch: false, sans: ['other.example.net'] }))).toEqual([
      'mx-certificate-host-mismatch',
    ]);
    expect(codes({ ...good, starttls: false, certificate: null, tlsa: null })).toEqual(['mx-starttls-missing']);
    expect(codes({ ...good, inPolicy: false })).toEqual(['mx-not-in-policy']);
  });

  it('judges TLSA records by their DNSSEC status', () => {
    const mismatch = {
      ...good,
      tlsa: { dnssec: 'secure' as const, records: [{ ...pin, matches: false }], matched: false },
    };
    expect(mxHostFindings(mismatch, enforce, NOW)).toMatchObject([{ code: 'mx-tlsa-mismatch', severity: 'error' }]);
    expect(codes({ ...good, tlsa: { ...goodTlsa, dnssec: 'insecure' } })).toEqual(['mx-tlsa-without-dnssec']);
    expect(codes({ ...mismatch, tlsa: { ...mismatch.tlsa, dnssec: 'bogus' } })).toEqual(['mx-dnssec-bogus']);
    expect(codes({ ...good, tlsa: { ...goodTlsa, dnssec: 'unknown' } })).toEqual(['mx-dnssec-unknown']);
  });

  it('says an unreachable host is not proof of a fault', () => {
    const unreachable = {
      ...good,
      starttls: null,
      tlsVersion: null,
      certificate: null,
      tlsa: null,
      error: '192.0.2.1:25 timed out',
    };
    const [finding] = mxHostFindings(unreachable, enforce, NOW);
    expect(finding).toMatchObject({ code: 'mx-unreachable', severity: 'warning' });
    expect(finding?.message).toContain('block outbound port 25');
  });
});

describe('the live result beside a reported failure', () => {
  it('says still failing, or fixed, in one sentence', () => {
    const expired = withCert({
      notAfter: '2026-11-09T00:00:00.000Z',
      chainValid: false,
      chainError: 'CERT_HAS_EXPIRED',
    });
    expect(liveResultSentence('certificate-expired', expired, NOW)).toBe('still expired: notAfter 2026-11-09');
    expect(liveResultSentence('certificate-expired', good, NOW)).toBe(
      'fixed: valid until 2027-02-01, names cover mx1.example.com',
    );
    expect(liveResultSentence('starttls-not-supported', { ...good, starttls: false, certificate: null }, NOW)).toMatch(
      /^still no STARTTLS/,
    );
    expect(liveResultSentence('tlsa-invalid', good, NOW)).toMatch(/^fixed: TLSA 3 1 1/);
    expect(liveResultSentence('dnssec-invalid', { ...good, tlsa: { ...goodTlsa, dnssec: 'bogus' } }, NOW)).toMatch(
      /^still bogus/,
    );
  });
});
