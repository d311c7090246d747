import { lintResult, type Finding, type LintResult } from './findings.js';

/**
 * The shared grammar of the MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460
 * §3) TXT records: `v=…` first, then `name=value` fields separated by
 * `*WSP ";" *WSP`, an optional final separator, nothing else.
 */
export interface RecordField {
  name: string;
  value: string;
}

type FieldSplit = { ok: true; fields: RecordField[] } | { ok: false; problem: string };

/** `ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")` */
const EXTENSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** `ext-value = 1*(%x21-3A / %x3C / %x3E-7E)`: visible characters but ";" and "=". */
const EXTENSION_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/**
 * From all TXT strings at a record's name, the one record of its kind: both
 * RFCs discard strings that do not begin with "<version>;", and more than one
 * record of the kind counts as none. The text, or the finding that says why
 * there is none.
 */
export function selectSingleRecord(
  records: readonly (string | readonly string[])[],
  versionPrefix: string,
  missing: Finding,
  multiple: (count: number) => Finding,
): { text: string } | { finding: Finding } {
  const texts = records.map((record) => (typeof record === 'string' ? record : joinTxtStrings(record)));
  const matching = texts.filter((text) => text.startsWith(`${versionPrefix};`));
  if (matching.length === 0) return { finding: missing };
  if (matching.length > 1) return { finding: multiple(matching.length) };
  return { text: matching[0] ?? '' };
}

/** Joins the character-strings of one TXT record: without any separator (RFC 7208 §3.3 practice, RFC 8461 §3.1). */
export function joinTxtStrings(strings: readonly string[]): string {
  return strings.join('');
}

function splitRecordFields(text: string): FieldSplit {
  if (/^[ \t]/.test(text)) return { ok: false, problem: 'whitespace before "v=" (the version must come first)' };
  const parts = text.split(';');
  const last = parts.length - 1;
  // `[field-delim]`: one final ";" may end the record, with whitespace only around it.
  const endsWithDelimiter = last > 0 && /^[ \t]*$/.test(parts[last] ?? '');
  const fieldParts = endsWithDelimiter ? parts.slice(0, last) : parts;
  const fields: RecordField[] = [];
  for (const [index, raw] of fieldParts.entries()) {
    const followedBySemicolon = index < fieldParts.length - 1 || endsWithDelimiter;
    const precededBySemicolon = index > 0;
    if (!precededBySemicolon && /^[ \t]/.test(raw)) return { ok: false, problem: 'whitespace before the first field' };
    if (!followedBySemicolon && /[ \t]$/.test(raw)) {
      return { ok: false, problem: 'whitespace after the last field (whitespace is allowed only around ";")' };
    }
    const part = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (part === '') return { ok: false, problem: 'an empty field (";;")' };
    const equals = part.indexOf('=');
    if (equals <= 0) return { ok: false, problem: `"${part}" is not a name=value field` };
    fields.push({ name: part.slice(0, equals), value: part.slice(equals + 1) });
  }
  return { ok: true, fields };
}

export interface TaggedRecordSpec {
  /** `STSv1` or `TLSRPTv1`. */
  version: string;
  /** Prefix of the finding codes: `sts-record` or `tlsrpt-record`. */
  codePrefix: string;
  rfc: string;
  /** A correct record, shown as the fix when the version is wrong. */
  example: string;
}

/** What a record's own field handler says: done with it, not its field, or fatal. */
export type FieldVerdict = 'handled' | 'unhandled' | Finding;

/**
 * The part both TXT records share: the version first, the fields split by
 * the grammar, "v=" only once, unknown fields as extensions (noted, then
 * ignored). The record's own fields go to `handleField`; `finish` builds the
 * record from what it gathered, or returns the fatal finding.
 */
export function readTaggedRecord<T>(
  input: string | readonly string[],
  spec: TaggedRecordSpec,
  handleField: (field: RecordField, findings: Finding[]) => FieldVerdict,
  finish: (extensions: Record<string, string>) => { record: T } | { error: Finding },
): LintResult & { record: T | null } {
  const text = typeof input === 'string' ? input : joinTxtStrings(input);
  const findings: Finding[] = [];
  const fail = (finding: Finding): LintResult & { record: null } => ({
    ...lintResult([...findings, finding]),
    record: null,
  });
  const error = (suffix: string, message: string, fix?: string): Finding => ({
    severity: 'error',
    code: `${spec.codePrefix}-${suffix}`,
    message,
    rfc: spec.rfc,
    fix,
  });
  const versionError = error('version', `the record must start with "v=${spec.version}"`, spec.example);
  if (!text.startsWith(`v=${spec.version}`)) return fail(versionError);
  const split = splitRecordFields(text);
  if (!split.ok) return fail(error('syntax', `the record is malformed: ${split.problem}`));
  const [version, ...fields] = split.fields;
  if (version?.name !== 'v' || version.value !== spec.version) return fail(versionError);
  const extensions: Record<string, string> = {};
  for (const field of fields) {
    const verdict = handleField(field, findings);
    if (verdict === 'handled') continue;
    if (verdict !== 'unhandled') return fail(verdict);
    if (field.name === 'v') return fail(error('syntax', '"v=" appears again after the start of the record'));
    if (!EXTENSION_NAME.test(field.name) || !EXTENSION_VALUE.test(field.value)) {
      return fail(error('extension', `"${field.name}=${field.value}" is not a valid extension field`));
    }
    extensions[field.name] = field.value;
    findings.push({
      severity: 'info',
      code: `${spec.codePrefix}-extension-unknown`,
      message: `extension "${field.name}" is not defined by ${spec.rfc.split(' §')[0] ?? spec.rfc} and is ignored`,
      rfc: spec.rfc,
    });
  }
  const finished = finish(extensions);
  if ('error' in finished) return fail(finished.error);
  return { ...lintResult(findings), record: finished.record };
}
