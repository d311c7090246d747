// What one report may cost. Real reports are small: the largest in the
// corpus has 1 policy per domain and a few hundred failure details, 5 levels
// of JSON. A 178 KB gzip with 1,000,000 policies took 2.5 GB, stored
// 3,000,000 warnings and 428 MB; these bounds reject such a file early, with
// the limit named, and the files beside it are imported as usual.

/** Arrays and objects inside each other; a report needs 5, vendor fields a few more. */
export const MAX_REPORT_DEPTH = 32;

/** Arrays and objects in one report: a policy is 3, a failure detail 1. */
export const MAX_REPORT_CONTAINERS = 250_000;

/**
 * Strings, numbers, true, false and null in one report: a failure detail
 * has 8, a policy about 12; 100,000 details are some 900,000. Two million
 * zeros parse in about 120 MB.
 */
export const MAX_REPORT_VALUES = 2_000_000;

/** Different key names in one report: RFC 8460 has about 25, vendors add a few. */
export const MAX_REPORT_KEY_NAMES = 10_000;

/**
 * Characters of one string in a report: stored fields are cut at
 * MAX_FIELD_CHARS anyway; a string past this is no sender's field.
 */
export const MAX_REPORT_STRING_CHARS = 1024 * 1024;

/** Policies in one report (RFC 8460 §4.4: one per policy domain and type the sender applied). */
export const MAX_POLICIES = 10_000;

/** Failure details in one report, over all its policies. */
export const MAX_FAILURE_DETAILS = 100_000;

/** Entries of one policy's `mx-host` or `policy-string` list (RFC 8461 policies have a handful). */
export const MAX_POLICY_LIST_ITEMS = 1_000;

/** `organization-name` and `report-id` name a report: cut, two reports could become one. Longer is rejected. */
export const MAX_IDENTITY_CHARS = 1_024;

/** Any other stored text field; longer is cut, with a warning (the raw report keeps it whole). */
export const MAX_FIELD_CHARS = 4_096;

/**
 * Kinds of warning kept per report. Repeated warnings (the same code at the
 * same field of each policy or detail) are one, with a count; past this many
 * kinds, the rest are counted in one last warning.
 */
export const MAX_WARNING_KINDS = 100;

/**
 * A session count. 2^32 - 1 is 50,000 sessions a second for a day, beyond any
 * sender; below it, the sum of a report's 100,000 failure details, and of two
 * million such reports, stays an exact JavaScript number (under 2^53).
 */
export const MAX_SESSION_COUNT = 2 ** 32 - 1;

/** Characters of a sender's value quoted in an error or warning message. */
export const MAX_QUOTED_CHARS = 60;
