import { describe, expect, it } from 'vitest';
import {
  checkPolicyContentType,
  checkPolicyLine,
  isMxPatternValue,
  parseMtaStsPolicy,
} from '../../shared/policy/mta-sts-policy.js';
import { policyTable } from './tables.js';

interface Case {
  source: string;
  input: string;
  input_b64?: string;
  valid: boolean;
  note: string;
}

/** Our verdict where a source departs from RFC 8461 §3.2, and the reading behind it. */
const READINGS: Record<string, { valid: boolean; why: string }> = {
  'version: STSv1\r\nmode: enforce\r\nmx: service-alpha-inbound-a.mimecast.com\r\nmx: service-alpha-inbound-b.mimecast.com\r\nmax_age: 604799':
    {
      valid: true,
      why: 'the final line break is optional: [sts-policy-term] (§3.2)',
    },
  'version: STSv1\r\nmode: enforce\r\nmode: testing\r\nmax_age: 86400\r\nmx: mail.example.com\r\n': {
    valid: true,
    why: 'a repeated field is ignored after its first instance (§3.2)',
  },
  'version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\nmx: mail.example.com\r\nbadkey: badvalue\r\n': {
    valid: true,
    why: 'unknown keys are extension fields, which the grammar allows (§3.2)',
  },
  'version: STSv1\nmode: enforce\nmx: mail.loc\nmax_age: 86400': {
    valid: true,
    why: 'the body is valid; what fails there is its Content-Type (see the content-type table)',
  },
  'version: STSv1\r\nmode: enforce\r\nmx: *.mimecast.com\r\nmax_age:\r\n': {
    valid: false,
    why: 'max_age is required and is 1 to 10 digits (§3.2)',
  },
  'version: STSv1\r\nmode: none\r\nmx: *.mimecast.com\r\nmax_age: 604800\r\n': {
    valid: true,
    why: 'mode none is one of the three modes of the grammar (§3.2)',
  },
  'version: STSv1\r\nmode: none\r\nmode: testing\r\nmode: enforced\r\nmx: gmail-smtp-in.l.google.com\r\nmx: *.gmail-smtp-in.l.google.com\r\nmax_age: 604800\r\n':
    { valid: true, why: 'the first mode (none) counts, later ones are ignored (§3.2)' },
  'version: STSv1\r\nmode: testing\r\nmx: *.mimecast.com\r\n': { valid: false, why: 'max_age is required (§3.2)' },
  'version: STSv1\rmode: enforce\rmx: *.mimecast.com\rmax_age: 1\r': {
    valid: false,
    why: 'lines end with LF or CRLF; a bare CR is not a line end (§3.2)',
  },
  'version: STSv1\nmode: enforce\nmx: service-alpha-inbound-a.mimecast.com\nmx: service-alpha-inbound-b.mimecast.com\nmax_age: 604800\n':
    { valid: true, why: 'sts-policy-term = LF / CRLF: LF alone is fine (§3.2, erratum 6253)' },
  'version: STSv1\r\nmode: enforce\r\nmx: service-alpha-inbound-a.mimecast.com\r\nmx: service-alpha-inbound-b.mimecast.com\r\nmax_age: 604800':
    { valid: true, why: 'the final line break is optional: [sts-policy-term] (§3.2)' },
  'VERSION:  STSv1\n  MoDe :   Enforce  \n  MX:  MX.Example.COM \nMax_Age:604800\n': {
    valid: false,
    why: 'field names are case-sensitive and no space may precede ":" (%s literals, §3.2)',
  },
  'version: STSv1\n\nthis line says nothing\nmode: enforce\nmx: mx.example.com\nmax_age: 604800\n\n': {
    valid: false,
    why: 'blank lines and lines that are not fields are outside the grammar (§3.2)',
  },
  'version: STSv1\nmode: enforce\nmx: b.example.com\nmx: a.example.com\nmx: B.EXAMPLE.COM.\nmax_age: 604800\n': {
    valid: false,
    why: 'an mx value is a Domain (RFC 5321), which has no final dot (§3.2)',
  },
  'version: STSv1\nmode: enforce\nmx: MX.Example.Com.\nmax_age: 604800\n': {
    valid: false,
    why: 'an mx value is a Domain (RFC 5321), which has no final dot (§3.2)',
  },
  'version: STSv1\nmode: enforce\nmx: münchen.example\nmax_age: 604800\n': {
    valid: false,
    why: 'an mx value is an ASCII Domain (RFC 5321); internationalized names are written as A-labels (xn--…)',
  },
  'version: stsv1\nmode: enforce\nmx: mx.example.com\nmax_age: 604800\n': {
    valid: false,
    why: 'the version value is case-sensitive: %s"STSv1" (§3.2)',
  },
  'version: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 0\n': {
    valid: true,
    why: 'max_age is 1*10DIGIT, so 0 is allowed (§3.2); the linter warns about it',
  },
  'version: STSv1\nmode: enforce\nmx: 127.0.0.1\nmax_age: 86400\n': {
    valid: true,
    why: 'digits-only labels fit the Domain grammar of RFC 5321; the linter warns that MX records name hosts, not addresses',
  },
  'version: STSv1\nmode: enforce\nmx: 1.2.3.4\nmax_age: 86400\n': {
    valid: true,
    why: 'digits-only labels fit the Domain grammar of RFC 5321; the linter warns that MX records name hosts, not addresses',
  },
  'version: STSv1\nmode: enforce\nmx: *.1.2.3.4\nmax_age: 86400\n': {
    valid: true,
    why: 'digits-only labels fit the Domain grammar of RFC 5321; the linter warns that MX records name hosts, not addresses',
  },
  'version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\nx-report: ok\tbad\n': {
    valid: true,
    why: 'an extension value may hold WSP between visible characters, and WSP includes TAB (§3.2)',
  },
  'version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\ncomment: ok\tbad\n': {
    valid: true,
    why: 'an extension value may hold WSP between visible characters, and WSP includes TAB (§3.2)',
  },
  '{\n\t"version": "STSv1",\n\t"mode": "enforce",\n\t"mx": ["*.mail.example.com"],\n\t"max_age": 123456\n}': {
    valid: false,
    why: 'the pre-RFC JSON format is not the key: value format of RFC 8461 §3.2',
  },
};

describe('MTA-STS policy files (RFC 8461 §3.2) on the corpus table', () => {
  const rows = policyTable<Case>('mta-sts-policies.jsonl');
  // A row given as bytes that are not UTF-8 is checked by the test after this one.
  it.each(
    rows
      .filter((row) => row.input_b64 === undefined)
      .map((row) => {
        const reading = READINGS[row.input];
        const expected = reading?.valid ?? row.valid;
        const departs = reading !== undefined && reading.valid !== row.valid;
        return [
          `${JSON.stringify(row.input).slice(0, 90)} is ${expected ? 'valid' : 'invalid'}${departs ? ` — RFC reading: ${reading.why}` : ''} (${row.source})`,
          row.input,
          expected,
        ] as const;
      }),
  )('%s', (_label, input, expected) => {
    expect(parseMtaStsPolicy(input).valid).toBe(expected);
  });

  it('rejects a policy that is not UTF-8 before parsing it (the fetcher decodes strictly)', () => {
    const row = rows.find((candidate) => candidate.input_b64 !== undefined && candidate.note.includes('0xFF'));
    if (!row?.input_b64) throw new Error('the table lost its non-UTF-8 row');
    expect(row.valid).toBe(false);
    expect(() =>
      new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(row.input_b64 ?? '', 'base64')),
    ).toThrow();
  });
});

const CONTENT_TYPE_READINGS: Record<string, string> = {
  'application/octet-stream': 'the media type must be text/plain (§3.2)',
  '': 'without a Content-Type the media type is not text/plain (§3.2)',
};

describe('policy Content-Type on the corpus table', () => {
  const rows = policyTable<Case>('policy-http-content-types.jsonl');
  it.each(
    rows.map((row) => {
      const reading = row.source.startsWith('mailpiece') ? CONTENT_TYPE_READINGS[row.input] : undefined;
      const expected = reading === undefined ? row.valid : false;
      return [
        `${JSON.stringify(row.input)} is ${expected ? 'accepted' : 'refused'}${reading ? ` — RFC reading: ${reading}` : ''} (${row.source})`,
        row.input,
        expected,
      ] as const;
    }),
  )('%s', (_label, input, expected) => {
    expect(checkPolicyContentType(input) === null).toBe(expected);
  });
});

describe('single policy lines and mx values on the corpus table (MailCheck)', () => {
  const rows = policyTable<Case>('mta-sts-policy-fields.jsonl');
  it.each(
    rows.map(
      (row) =>
        [
          `${JSON.stringify(row.input)} is ${row.valid ? 'valid' : 'invalid'} (${row.note || row.source})`,
          row,
        ] as const,
    ),
  )('%s', (_label, row) => {
    const verdict = row.note.includes("MailCheck's mx parser")
      ? isMxPatternValue(row.input)
      : checkPolicyLine(row.input).length === 0;
    expect(verdict).toBe(row.valid);
  });
});
