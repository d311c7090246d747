import { lintResult, type Finding, type LintResult } from './findings.js';
import {
  EXTENSION_NAME,
  EXTENSION_VALUE,
  joinTxtStrings,
  selectSingleRecord,
  splitRecordFields,
} from './record-fields.js';

const RFC = 'RFC 8461 §3.1';

export interface MtaStsRecord {
  id: string;
  extensions: Record<string, string>;
}

/**
 * The `_mta-sts` TXT record (RFC 8461 §3.1):
 * `v=STSv1; id=<1–32 letters and digits>` and optional extensions. A record
 * given as several character-strings is joined first.
 */
export function parseMtaStsRecord(input: string | readonly string[]): LintResult & { record: MtaStsRecord | null } {
  const text = typeof input === 'string' ? input : joinTxtStrings(input);
  const findings: Finding[] = [];
  const fail = (code: string, message: string, fix?: string): LintResult & { record: null } => ({
    ...lintResult([...findings, { severity: 'error', code, message, rfc: RFC, fix }]),
    record: null,
  });
  if (!text.startsWith('v=STSv1')) {
    return fail('sts-record-version', 'the record must start with "v=STSv1"', 'v=STSv1; id=20260101000000');
  }
  const split = splitRecordFields(text);
  if (!split.ok) return fail('sts-record-syntax', `the record is malformed: ${split.problem}`);
  const [version, ...fields] = split.fields;
  if (version?.name !== 'v' || version.value !== 'STSv1')
    return fail('sts-record-version', 'the record must start with "v=STSv1"');
  let id: string | null = null;
  const extensions: Record<string, string> = {};
  for (const field of fields) {
    if (field.name === 'id') {
      if (id !== null) return fail('sts-record-duplicate-id', 'the record has more than one "id" field');
      if (!/^[A-Za-z0-9]{1,32}$/.test(field.value)) {
        return fail(
          'sts-record-id',
          `id "${field.value}" must be 1 to 32 letters and digits`,
          'use a time stamp such as id=20260101000000',
        );
      }
      id = field.value;
    } else if (field.name === 'v') {
      return fail('sts-record-syntax', '"v=" appears again after the start of the record');
    } else if (!EXTENSION_NAME.test(field.name) || !EXTENSION_VALUE.test(field.value)) {
      return fail('sts-record-extension', `"${field.name}=${field.value}" is not a valid extension field`);
    } else {
      extensions[field.name] = field.value;
      findings.push({
        severity: 'info',
        code: 'sts-record-extension-unknown',
        message: `extension "${field.name}" is not defined by RFC 8461 and is ignored`,
        rfc: RFC,
      });
    }
  }
  if (id === null)
    return fail(
      'sts-record-missing-id',
      'the record has no "id" field',
      'add "; id=20260101000000" and change the id whenever the policy changes',
    );
  return { ...lintResult(findings), record: { id, extensions } };
}

/**
 * All TXT strings found at `_mta-sts.<domain>`: strings that do not start
 * with "v=STSv1" are not STS records and are ignored; more than one STS
 * record means the domain has no usable policy (RFC 8461 §3.1).
 */
export function parseMtaStsRecordSet(
  records: readonly (string | readonly string[])[],
): LintResult & { record: MtaStsRecord | null } {
  const selected = selectSingleRecord(
    records,
    'v=STSv1',
    {
      severity: 'error',
      code: 'sts-record-missing',
      message: 'no TXT record starting with "v=STSv1;" was found',
      rfc: RFC,
    },
    (count) => ({
      severity: 'error',
      code: 'sts-record-multiple',
      message: `${count} MTA-STS records were found; with more than one, senders treat the domain as having no policy`,
      rfc: RFC,
      fix: 'keep exactly one "v=STSv1" TXT record',
    }),
  );
  if ('finding' in selected) return { ...lintResult([selected.finding]), record: null };
  return parseMtaStsRecord(selected.text);
}
