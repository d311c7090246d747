// The registered values of RFC 8460. Reports may carry others (senders
// experiment, test files are hand-edited); those are kept as they are and
// flagged with a warning, never dropped.

/** RFC 8460 §4.4 policy types. */
const POLICY_TYPES = ['sts', 'tlsa', 'no-policy-found'] as const;
export type KnownPolicyType = (typeof POLICY_TYPES)[number];

/**
 * RFC 8460 §4.3 result types. What each means for a postmaster, its usual
 * causes and its fix are in shared/glossary/result-types.ts.
 */
export const RESULT_TYPES = [
  'starttls-not-supported',
  'certificate-host-mismatch',
  'certificate-expired',
  'certificate-not-trusted',
  'validation-failure',
  'tlsa-invalid',
  'dnssec-invalid',
  'dane-required',
  'sts-policy-fetch-error',
  'sts-policy-invalid',
  'sts-webpki-invalid',
] as const;

export type KnownResultType = (typeof RESULT_TYPES)[number];

export function isKnownResultType(value: string): value is KnownResultType {
  return (RESULT_TYPES as readonly string[]).includes(value);
}

export function isKnownPolicyType(value: string): value is KnownPolicyType {
  return (POLICY_TYPES as readonly string[]).includes(value);
}
