/**
 * A TLS-RPT report (RFC 8460 §4) after normalization: every field has one
 * type, absent optional fields are null, time stamps are UTC seconds. What
 * the sender actually wrote stays available in the raw report.
 */
export interface TlsRptReport {
  organizationName: string;
  /** Null when the sender left it out; the importer then derives a stable id from the bytes. */
  reportId: string | null;
  /** Start of the reporting period, UTC seconds since the epoch. */
  startTime: number;
  /** End of the reporting period, UTC seconds since the epoch. */
  endTime: number;
  contactInfo: string | null;
  policies: TlsRptPolicy[];
}

export interface TlsRptPolicy {
  /** `sts`, `tlsa`, `no-policy-found`, or whatever else the sender wrote (flagged). */
  policyType: string | null;
  /** Lower-cased, without a trailing dot. */
  policyDomain: string | null;
  /** The policy as the sender saw it, line by line; null when it sent none. */
  policyStrings: string[] | null;
  mxHosts: string[];
  successfulSessions: number;
  failedSessions: number;
  failureDetails: FailureDetail[];
}

export interface FailureDetail {
  resultType: string | null;
  sendingMtaIp: string | null;
  receivingMxHostname: string | null;
  receivingMxHelo: string | null;
  receivingIp: string | null;
  failedSessions: number;
  additionalInformation: string | null;
  failureReasonCode: string | null;
}

/** A deviation from RFC 8460 that the parser could work around. */
/** How a report reached the store: a file by path, an upload from a browser, or a mailbox message. */
export type ReportSourceKind = 'file' | 'upload' | 'mailbox';

export interface ReportWarning {
  /** Stable identifier, for filtering and tests. */
  code: ReportWarningCode;
  /** JSON path of the field concerned, e.g. `policies[0].summary.total-failure-session-count`. */
  field: string | null;
  message: string;
  /** How many times it occurred, when more than once: repeated warnings are kept as one. */
  count?: number;
}

export type ReportWarningCode =
  | 'byte-order-mark'
  | 'missing-field'
  | 'null-field'
  | 'wrong-type'
  | 'unknown-field'
  | 'unknown-policy-type'
  | 'unknown-result-type'
  | 'datetime-without-zone'
  | 'date-range-reversed'
  | 'count-mismatch'
  | 'mx-host-format'
  | 'policy-string-format'
  | 'deprecated-field'
  | 'duplicate-key'
  | 'field-truncated'
  | 'too-many-warnings';

/** Why a document cannot be read as a report at all. */
interface ReportError {
  /** JSON path of the offending field, null when the document as a whole is unusable. */
  field: string | null;
  message: string;
}

export type ReportParseResult =
  { ok: true; report: TlsRptReport; warnings: ReportWarning[] } | { ok: false; error: ReportError };
