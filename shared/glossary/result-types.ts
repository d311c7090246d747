// What each result type of a TLS report means for the postmaster reading it:
// the RFC 8460 §4.3 types, the values real senders write that the RFC does not
// define, and the rows tlsrpt-viewer itself adds. Shown wherever a result type
// appears, and quoted in the findings' messages.
import type { MxFindingCode } from '../policy/mx-check.js';
import { type KnownResultType } from '../report/vocabulary.js';
import { MISSING_RESULT_TYPE, NO_FAILURE_DETAILS } from '../summary/types.js';

export interface ResultTypeExplanation {
  /** A few words, for a tooltip's first line. */
  title: string;
  /** What happened, in plain words. */
  meaning: string;
  /** The usual reasons, most likely first. */
  causes: string[];
  /** How to check it yourself. */
  check: string;
  /** What to change. */
  fix: string;
  /** Where it is defined. */
  source: string;
  /** True where the cause is usually a policy the linter can check (the Policies page, `tlsrpt lint`). */
  policyCause: boolean;
  /**
   * Which part of the live MX check ("Check this host now", `tlsrpt lint DOMAIN --online`) confirms it,
   * and the findings it gives while the fault is still there; absent where no live check can see it.
   */
  liveCheck?: LiveCheck;
}

interface LiveCheck {
  text: string;
  codes: readonly MxFindingCode[];
}

const RFC_NEGOTIATION = 'RFC 8460 §4.3.1';
const RFC_DANE = 'RFC 8460 §4.3.2.1';
const RFC_STS = 'RFC 8460 §4.3.2.2';

const RFC_RESULT_TYPES = {
  'starttls-not-supported': {
    title: 'No STARTTLS',
    meaning:
      'The sender connected to your MX host, but the host did not offer STARTTLS, so no TLS session could start.',
    causes: [
      'STARTTLS is switched off, or its certificate or key failed to load so the server stopped offering it',
      'a firewall, load balancer or "SMTP inspection" device in front of the host strips STARTTLS from the EHLO answer',
      'a backup MX run by someone else that does not support TLS',
    ],
    check:
      'Connect as a sender does: `openssl s_client -starttls smtp -connect MX:25` must show a certificate; `EHLO` must list STARTTLS.',
    fix: "Enable STARTTLS on the host with a valid certificate, or remove devices that rewrite SMTP; take hosts that cannot do TLS out of the MX records and out of the MTA-STS policy's mx lines.",
    source: RFC_NEGOTIATION,
    policyCause: false,
    liveCheck: {
      text: "The live check reads the host's EHLO answer: STARTTLS missing gives mx-starttls-missing.",
      codes: ['mx-starttls-missing'],
    },
  },
  'certificate-host-mismatch': {
    title: 'Certificate name mismatch',
    meaning: "The MX host's certificate does not name the host the sender connected to.",
    causes: [
      'the certificate lacks the MX host name (a new MX name, or a certificate for the domain only)',
      'a load balancer or shared host presents another customer’s default certificate',
      "the MTA-STS policy's mx lines allow a host whose certificate names something else",
    ],
    check:
      'Compare the names in `openssl s_client -starttls smtp -connect MX:25 -servername MX` with the MX record and the policy mx lines.',
    fix: 'Get a certificate whose subjectAltName covers every MX host name (a wildcard matching the policy mx pattern works), and check the policy mx lines on the Policies page.',
    source: RFC_NEGOTIATION,
    policyCause: true,
    liveCheck: {
      text: "The live check compares the presented certificate's names with the MX host name (RFC 6125): mx-certificate-host-mismatch while they differ.",
      codes: ['mx-certificate-host-mismatch'],
    },
  },
  'certificate-expired': {
    title: 'Certificate expired',
    meaning: "The MX host's certificate has expired, so senders that validate certificates refuse to send.",
    causes: [
      'automatic renewal (ACME, certbot) failed or renewed a certificate the mail server never reloaded',
      'one host of several kept an old certificate',
    ],
    check: '`openssl s_client -starttls smtp -connect MX:25 | openssl x509 -noout -enddate` on each MX host.',
    fix: 'Renew the certificate, reload the mail server, and monitor expiry on every MX host, not only the first.',
    source: RFC_NEGOTIATION,
    policyCause: false,
    liveCheck: {
      text: 'The live check reads notAfter of the presented certificate: mx-certificate-expired while it is past, mx-certificate-expiring within 14 days.',
      codes: ['mx-certificate-expired', 'mx-certificate-expiring'],
    },
  },
  'certificate-not-trusted': {
    title: 'Certificate not trusted',
    meaning: "The sender could not build a chain from the MX host's certificate to a CA it trusts.",
    causes: [
      'a self-signed or private-CA certificate',
      'the intermediate certificate is missing from the chain the server sends',
      'a CA that the sender no longer trusts',
    ],
    check: '`openssl s_client -starttls smtp -connect MX:25 -showcerts` must show the full chain up to a public root.',
    fix: 'Install a certificate from a public CA and configure the server to send the full chain (certificate plus intermediates).',
    source: RFC_NEGOTIATION,
    policyCause: false,
    liveCheck: {
      text: "The live check validates the presented chain against the system's roots: mx-certificate-untrusted while it does not chain to one.",
      codes: ['mx-certificate-untrusted'],
    },
  },
  'validation-failure': {
    title: 'TLS failure (other)',
    meaning:
      'The TLS session failed for a reason none of the other types names; the failure reason code, where the sender gave one, says which.',
    causes: [
      'no common protocol version or cipher (an old server with only TLS 1.0, or a hardened sender)',
      'a handshake cut off by a firewall or an overloaded server',
      'a certificate problem the sender does not classify',
    ],
    check:
      'Read the failure reason code in the Failures list; test with `openssl s_client -starttls smtp -connect MX:25 -tls1_2` and `-tls1_3`.',
    fix: 'Offer TLS 1.2 and 1.3 with current ciphers; fix what the reason code names.',
    source: `${RFC_NEGOTIATION} and §4.3.3`,
    policyCause: false,
    liveCheck: {
      text: 'The live check does the handshake and validates the chain: mx-certificate-untrusted, or mx-unreachable with the handshake error; a cause only the sender saw may not show.',
      codes: ['mx-certificate-untrusted', 'mx-unreachable'],
    },
  },
  'tlsa-invalid': {
    title: 'TLSA record invalid (DANE)',
    meaning:
      "The sender found TLSA records for the MX host but none matched the host's certificate, or they could not be used.",
    causes: [
      'the certificate or key was renewed without publishing the new TLSA record first',
      'a TLSA record with a wrong usage, selector or hash',
    ],
    check:
      'Compare `dig +dnssec TLSA _25._tcp.MX` with the certificate the host presents (e.g. with `danetool` or an online DANE checker).',
    fix: 'Publish the TLSA record for the new key before switching certificates (keep old and new during the rollover), and fix or remove wrong records.',
    source: RFC_DANE,
    policyCause: false,
    liveCheck: {
      text: 'The live check matches each _25._tcp TLSA record against the presented chain (RFC 7672): mx-tlsa-mismatch while none matches, mx-tlsa-without-dnssec when the zone is unsigned.',
      codes: ['mx-tlsa-mismatch', 'mx-tlsa-without-dnssec'],
    },
  },
  'dnssec-invalid': {
    title: 'DNSSEC invalid (DANE)',
    meaning: 'DNSSEC validation of the TLSA or MX records failed, so the sender could not trust them.',
    causes: [
      'expired RRSIG signatures',
      'a DS record at the parent that does not match the zone’s keys after a key rollover',
    ],
    check: '`delv MX domain` and `delv TLSA _25._tcp.MX` show the validation error.',
    fix: 'Re-sign the zone, fix the DS record at the registrar, and keep automatic re-signing running.',
    source: RFC_DANE,
    policyCause: false,
    liveCheck: {
      text: 'The live check asks a validating resolver for the TLSA and MX records with DNSSEC: mx-dnssec-bogus while the signatures do not verify (without a validating resolver it says unknown).',
      codes: ['mx-dnssec-bogus', 'mx-dnssec-unknown'],
    },
  },
  'dane-required': {
    title: 'DANE required, none usable',
    meaning: 'The sender requires DANE for your domain but found no usable TLSA record for the MX host.',
    causes: ['TLSA records were removed while the domain is still DNSSEC-signed', 'a new MX host without TLSA records'],
    check: '`dig +dnssec TLSA _25._tcp.MX` for every MX host.',
    fix: 'Publish TLSA records for every MX host of a DNSSEC-signed domain.',
    source: RFC_DANE,
    policyCause: false,
    liveCheck: {
      text: 'The live check looks up the TLSA records of every MX host with their DNSSEC status: mx-tlsa-mismatch (or no usable record) and mx-dnssec-bogus say DANE still fails.',
      codes: ['mx-tlsa-mismatch', 'mx-dnssec-bogus'],
    },
  },
  'sts-policy-fetch-error': {
    title: 'MTA-STS policy not fetched',
    meaning:
      'The sender found your `_mta-sts` TXT record but could not fetch the policy from https://mta-sts.<domain>/.well-known/mta-sts.txt.',
    causes: [
      'the mta-sts host is down, answers 404 or another status than 200, or redirects (senders must not follow redirects)',
      'the policy host does not resolve or times out',
      'the policy is served with a Content-Type other than text/plain',
    ],
    check:
      'Check online on the Policies page (or `tlsrpt lint DOMAIN --online`): it fetches the policy exactly as senders do.',
    fix: 'Serve the policy at that URL with status 200, `Content-Type: text/plain`, no redirect, from a host with a valid certificate.',
    source: RFC_STS,
    policyCause: true,
  },
  'sts-policy-invalid': {
    title: 'MTA-STS policy invalid',
    meaning: 'The sender fetched your MTA-STS policy but could not parse it, or it does not cover the MX hosts.',
    causes: [
      'a syntax error in the policy file (a missing version line, a wrong mode, a max_age out of range)',
      "mx lines that match none of the domain's MX hosts",
    ],
    check: 'Paste the policy on the Policies page, or run `tlsrpt lint --policy FILE`.',
    fix: 'Fix what the linter reports; every MX host must match an mx line.',
    source: RFC_STS,
    policyCause: true,
  },
  'sts-webpki-invalid': {
    title: 'MTA-STS host certificate invalid',
    meaning: 'The certificate of https://mta-sts.<domain> did not validate, so the sender could not trust the policy.',
    causes: [
      'the certificate of the mta-sts web host expired or does not name mta-sts.<domain>',
      'the web host shares an IP with a site and presents that site’s certificate',
    ],
    check: 'Check online on the Policies page: the fetch verifies the certificate for that name.',
    fix: 'Install a valid certificate for mta-sts.<domain> on the policy host and keep it renewed.',
    source: RFC_STS,
    policyCause: true,
  },
} as const satisfies Record<KnownResultType, ResultTypeExplanation>;

/** Values real reports carry that RFC 8460 does not define. */
const NON_STANDARD_RESULT_TYPES: Record<string, ResultTypeExplanation> = {
  // Neztore/tls-rpt-monitor's fixture of a Microsoft report (test/fixtures/corpus) carries "Testing".
  Testing: {
    title: 'Not an RFC 8460 type',
    meaning:
      'The sender wrote "Testing", which RFC 8460 does not define; it appears in test reports, not in real failures.',
    causes: ['a test or hand-edited report'],
    check: 'Open the report and look at who sent it.',
    fix: 'Nothing to fix on your side if the report is a test.',
    source: 'not in RFC 8460',
    policyCause: false,
  },
};

const ROWS_OF_OUR_OWN: Record<string, ResultTypeExplanation> = {
  [MISSING_RESULT_TYPE]: {
    title: 'No result type',
    meaning: 'The sender listed a failure detail without a result-type, which RFC 8460 §4.4 requires.',
    causes: ['a sender that fills in only the counts'],
    check: 'Open the report: the failure reason code or additional information may say more.',
    fix: 'Ask the sender (the report’s contact-info) if the failures persist.',
    source: 'RFC 8460 §4.4',
    policyCause: false,
  },
  [NO_FAILURE_DETAILS]: {
    title: 'Failed, no details given',
    meaning:
      'The senders counted these sessions as failed in their summaries but gave no failure details for them, so nobody can say which MX host or result type they were.',
    causes: ['failure-details are optional in RFC 8460 §4.4: some senders send only totals'],
    check: 'See which sender: the Senders view counts its failed sessions from the summaries.',
    fix: 'Look at the other senders’ failure details for the same days: they usually show the same fault.',
    source: 'RFC 8460 §4.4',
    policyCause: false,
  },
};

/** What a result type means, whatever the sender wrote: an unknown value gets a general answer. */
export function explainResultType(resultType: string): ResultTypeExplanation {
  const known = (RFC_RESULT_TYPES as Record<string, ResultTypeExplanation>)[resultType];
  return (
    known ??
    NON_STANDARD_RESULT_TYPES[resultType] ??
    ROWS_OF_OUR_OWN[resultType] ?? {
      title: 'Not an RFC 8460 type',
      meaning: `The sender wrote "${resultType}", which RFC 8460 §4.3 does not define; it is kept as sent.`,
      causes: ['a sender using its own names, or an older draft of TLS-RPT'],
      check: 'Read the failure reason code and additional information of these failures in the Failures list.',
      fix: 'Judge by the reason code; ask the sender (the report’s contact-info) if it is unclear.',
      source: 'not in RFC 8460',
      policyCause: false,
    }
  );
}

/** Every explained type, RFC 8460's first: the glossary as a list. */
export function glossaryEntries(): { resultType: string; explanation: ResultTypeExplanation }[] {
  return [
    ...Object.entries(RFC_RESULT_TYPES),
    ...Object.entries(NON_STANDARD_RESULT_TYPES),
    ...Object.entries(ROWS_OF_OUR_OWN),
  ].map(([resultType, explanation]) => ({ resultType, explanation }));
}
