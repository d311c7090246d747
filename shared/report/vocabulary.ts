/**
 * The registered values of RFC 8460. Reports may carry others (senders
 * experiment, test files are hand-edited); those are kept as they are and
 * flagged with a warning, never dropped.
 */

/** RFC 8460 §4.4 policy types. */
export const POLICY_TYPES = ['sts', 'tlsa', 'no-policy-found'] as const;
export type KnownPolicyType = (typeof POLICY_TYPES)[number];

/**
 * RFC 8460 §4.3 result types, with what each means for the postmaster
 * reading the report.
 */
export const RESULT_TYPE_DESCRIPTIONS = {
  'starttls-not-supported': 'The MX host did not offer STARTTLS.',
  'certificate-host-mismatch': "The MX host's certificate does not match its name.",
  'certificate-expired': "The MX host's certificate has expired.",
  'certificate-not-trusted': "The MX host's certificate is not signed by a trusted CA.",
  'validation-failure': 'The TLS session failed for another reason (see the failure reason code).',
  'tlsa-invalid': 'The TLSA record could not be used (DANE).',
  'dnssec-invalid': 'DNSSEC validation failed for the TLSA or MX records (DANE).',
  'dane-required': 'The sender requires DANE but no usable TLSA record was found.',
  'sts-policy-fetch-error': 'The MTA-STS policy could not be fetched over HTTPS.',
  'sts-policy-invalid': 'The MTA-STS policy was fetched but is not valid.',
  'sts-webpki-invalid': 'The certificate of the MTA-STS policy host did not validate.',
} as const;

export type KnownResultType = keyof typeof RESULT_TYPE_DESCRIPTIONS;
export const RESULT_TYPES = Object.keys(RESULT_TYPE_DESCRIPTIONS) as KnownResultType[];

export function isKnownResultType(value: string): value is KnownResultType {
  return Object.prototype.hasOwnProperty.call(RESULT_TYPE_DESCRIPTIONS, value);
}

export function isKnownPolicyType(value: string): value is KnownPolicyType {
  return (POLICY_TYPES as readonly string[]).includes(value);
}
