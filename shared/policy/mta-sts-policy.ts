import { lintResult, type Finding, type LintResult } from './findings.js';

const RFC = 'RFC 8461 §3.2';
/** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
export const MAX_AGE_LIMIT = 31_557_600;

export type StsMode = 'enforce' | 'testing' | 'none';

export interface MtaStsPolicy {
  mode: StsMode;
  maxAge: number;
  mx: string[];
  extensions: Record<string, string>;
}

const FIELD_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** A value: visible characters (and UTF-8), with inner but no leading whitespace. */
// eslint-disable-next-line no-control-regex -- excluding control characters is the point
const FIELD_VALUE = /^[^\x00-\x20\x7f]([^\x00-\x08\x0a-\x1f\x7f]*[^\x00-\x20\x7f])?$/;
/** `["*."] Domain`, Domain as in RFC 5321 §4.1.2: letter-digit-hyphen labels, no final dot. */
const MX_PATTERN =
  /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** True for an `mx` value of the grammar: `["*."] Domain`, nothing around it. */
export function isMxPatternValue(value: string): boolean {
  return MX_PATTERN.test(value);
}

/**
 * Checks one policy line on its own: its `key: value` syntax and, for the
 * fields RFC 8461 defines, its value. Returns the errors.
 */
export function checkPolicyLine(line: string): Finding[] {
  const findings: Finding[] = [];
  const error = (code: string, message: string): void => {
    findings.push({ severity: 'error', code, message, rfc: RFC });
  };
  const match = /^([^:\s]*):[ \t]*(.*?)[ \t]*$/.exec(line);
  if (line.trim() === '' || !match || !FIELD_NAME.test(match[1] ?? '') || !FIELD_VALUE.test(match[2] ?? '')) {
    error('policy-line-syntax', `"${line}" is not a "key: value" field`);
    return findings;
  }
  const [, name, value = ''] = match;
  if (name === 'version' && value !== 'STSv1')
    error('policy-version', `version is "${value}"; the only version is STSv1`);
  if (name === 'mode' && !['enforce', 'testing', 'none'].includes(value))
    error('policy-mode-invalid', `mode "${value}" is not enforce, testing or none`);
  if (name === 'max_age' && !/^\d{1,10}$/.test(value))
    error('policy-max-age-invalid', `max_age "${value}" is not a number of seconds`);
  if (name === 'mx' && !isMxPatternValue(value))
    error('policy-mx-invalid', `"${value}" is not an MX host name or a "*." wildcard`);
  return findings;
}

/**
 * The policy file served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`
 * (RFC 8461 §3.2): `key: value` lines ended by LF or CRLF, with `version:
 * STSv1`, `mode`, `max_age` and (unless mode is none) one or more `mx`.
 * Names and the version and mode values are case-sensitive (`%s` in the
 * ABNF). Lines that are not fields (comments, blank lines, leading spaces)
 * are outside the grammar and make the policy invalid.
 */
export function parseMtaStsPolicy(text: string): LintResult & { policy: MtaStsPolicy | null } {
  const findings: Finding[] = [];
  const error = (code: string, message: string, fix?: string): void => {
    findings.push({ severity: 'error', code, message, rfc: RFC, fix });
  };
  // One final line break is part of the grammar ([sts-policy-term]); more are not.
  const body = text.replace(/\r?\n$/, '');
  const lines = body.split('\n');
  const seen = new Map<string, string>();
  const mx: string[] = [];
  const extensions: Record<string, string> = {};

  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const where = `line ${index + 1}`;
    if (line.includes('\r')) {
      error('policy-line-ending', `${where} contains a bare CR; lines end with LF or CRLF`);
      return;
    }
    if (line.trim() === '') {
      error('policy-blank-line', `${where} is empty; the policy grammar has no blank lines`, 'remove the empty line');
      return;
    }
    if (line.startsWith('#')) {
      error(
        'policy-comment',
        `${where} is a comment ("${line}"); policies have no comments, and senders may reject the file`,
        'remove the comment',
      );
      return;
    }
    const match = /^([^:\s]*):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!match || !FIELD_NAME.test(match[1] ?? '')) {
      error('policy-line-syntax', `${where} is not a "key: value" field: "${line}"`);
      return;
    }
    const name = match[1] ?? '';
    const value = match[2] ?? '';
    if (!FIELD_VALUE.test(value)) {
      error('policy-line-syntax', `${where}: "${name}" has no usable value`);
      return;
    }
    if (name === 'mx') {
      if (!MX_PATTERN.test(value)) {
        error(
          'policy-mx-invalid',
          `${where}: "${value}" is not an MX host name or a "*." wildcard`,
          value.endsWith('.')
            ? `write it without the final dot: ${value.slice(0, -1)}`
            : 'write the MX host as it appears in your MX records',
        );
      } else {
        mx.push(value.toLowerCase());
      }
      return;
    }
    if (seen.has(name)) {
      findings.push({
        severity: 'warning',
        code: 'policy-duplicate-field',
        message: `${where}: "${name}" is given again; senders use the first one`,
        rfc: RFC,
        fix: `keep one "${name}" line`,
      });
      return;
    }
    seen.set(name, value);
    if (!['version', 'mode', 'max_age'].includes(name)) {
      extensions[name] = value;
      findings.push({
        severity: 'info',
        code: 'policy-extension-unknown',
        message: `${where}: field "${name}" is not defined by RFC 8461 and is ignored`,
        rfc: RFC,
      });
    }
  });

  const version = seen.get('version');
  if (version === undefined)
    error(
      'policy-version-missing',
      'the policy has no "version: STSv1" line',
      'add "version: STSv1" as the first line',
    );
  else if (version !== 'STSv1')
    error('policy-version', `version is "${version}"; the only version is STSv1`, 'version: STSv1');

  const modeText = seen.get('mode');
  let mode: StsMode | null = null;
  if (modeText === undefined)
    error(
      'policy-mode-missing',
      'the policy has no "mode" line',
      'add "mode: testing" (then "enforce" once reports are clean)',
    );
  else if (modeText === 'enforce' || modeText === 'testing' || modeText === 'none') mode = modeText;
  else error('policy-mode-invalid', `mode "${modeText}" is not enforce, testing or none`, 'mode: testing');

  const maxAgeText = seen.get('max_age');
  let maxAge: number | null = null;
  if (maxAgeText === undefined)
    error('policy-max-age-missing', 'the policy has no "max_age" line', 'max_age: 604800 (a week)');
  else if (!/^\d{1,10}$/.test(maxAgeText))
    error('policy-max-age-invalid', `max_age "${maxAgeText}" is not a number of seconds`, 'max_age: 604800');
  else if (Number(maxAgeText) > MAX_AGE_LIMIT) {
    error(
      'policy-max-age-too-large',
      `max_age ${maxAgeText} is above the limit of ${MAX_AGE_LIMIT} seconds`,
      `max_age: ${MAX_AGE_LIMIT}`,
    );
  } else maxAge = Number(maxAgeText);

  if (mx.length === 0 && mode !== 'none' && !findings.some((finding) => finding.code === 'policy-mx-invalid')) {
    error(
      'policy-mx-missing',
      'the policy has no "mx" line; it must list the MX hosts (except in mode none)',
      'add one "mx: <host>" line per MX host',
    );
  }
  const result = lintResult(findings);
  return {
    ...result,
    policy: result.valid && mode !== null && maxAge !== null ? { mode, maxAge, mx, extensions } : null,
  };
}

/**
 * The Content-Type of the policy response must be text/plain (RFC 8461
 * §3.2); parameters such as charset do not matter.
 */
export function checkPolicyContentType(contentType: string | null): Finding | null {
  if (contentType === null || contentType.trim() === '') {
    return {
      severity: 'error',
      code: 'policy-content-type-missing',
      message: 'the policy is served without a Content-Type',
      rfc: RFC,
      fix: 'serve mta-sts.txt as text/plain',
    };
  }
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'text/plain') {
    return {
      severity: 'error',
      code: 'policy-content-type',
      message: `the policy is served as ${mediaType ?? contentType}, not text/plain`,
      rfc: RFC,
      fix: 'serve mta-sts.txt as text/plain',
    };
  }
  return null;
}

/**
 * The mode of a policy as a sender quoted it in a report (`policy-string`,
 * one line per string), read leniently: reports quote what the sender
 * fetched, and a mode the sender acted on matters even where another line of
 * the policy would not pass the linter.
 */
export function modeOfQuotedPolicy(policyStrings: readonly string[]): StsMode | null {
  for (const line of policyStrings) {
    const match = /^\s*mode\s*:\s*(enforce|testing|none)\s*$/i.exec(line);
    if (match?.[1] !== undefined) return match[1].toLowerCase() as StsMode;
  }
  return null;
}
