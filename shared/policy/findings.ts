/** One thing the linter says about a policy or record. */
export interface Finding {
  severity: 'error' | 'warning' | 'info';
  /** Stable identifier, e.g. `sts-record-missing-id`. */
  code: string;
  /** In plain words. */
  message: string;
  /** The RFC section behind it, e.g. `RFC 8461 §3.1`. */
  rfc: string;
  /** What to change, where there is a clear fix. */
  fix?: string | undefined;
  /** The MX host a live check's finding is about. */
  mx?: string | undefined;
}

export interface LintResult {
  /** False when any finding is an error. */
  valid: boolean;
  findings: Finding[];
}

export function lintResult(findings: Finding[]): LintResult {
  return { valid: !findings.some((finding) => finding.severity === 'error'), findings };
}
