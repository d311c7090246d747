import { lintResult, type Finding, type LintResult } from './findings.js';
import { readTaggedRecord, selectSingleRecord } from './record-fields.js';

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
  let id: string | null = null;
  const fatal = (code: string, message: string, fix?: string): Finding => ({
    severity: 'error',
    code,
    message,
    rfc: RFC,
    fix,
  });
  return readTaggedRecord<MtaStsRecord>(
    input,
    { version: 'STSv1', codePrefix: 'sts-record', rfc: RFC, example: 'v=STSv1; id=20260101000000' },
    (field) => {
      if (field.name !== 'id') return 'unhandled';
      if (id !== null) return fatal('sts-record-duplicate-id', 'the record has more than one "id" field');
      if (!/^[A-Za-z0-9]{1,32}$/.test(field.value)) {
        return fatal(
          'sts-record-id',
          `id "${field.value}" must be 1 to 32 letters and digits`,
          'use a time stamp such as id=20260101000000',
        );
      }
      id = field.value;
      return 'handled';
    },
    (extensions) =>
      id === null
        ? {
            error: fatal(
              'sts-record-missing-id',
              'the record has no "id" field',
              'add "; id=20260101000000" and change the id whenever the policy changes',
            ),
          }
        : { record: { id, extensions } },
  );
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
