import { describe, expect, it } from 'vitest';
import { parseMtaStsRecord, parseMtaStsRecordSet } from '../../shared/policy/mta-sts-record.js';
import { parseTlsRptRecord, parseTlsRptRecordSet } from '../../shared/policy/tlsrpt-record.js';
import { policyTable } from './tables.js';

/** Our verdict where sources disagree, and the RFC text behind it. */
interface Reading {
  valid: boolean;
  why: string;
}

interface Case {
  source: string;
  input: string;
  valid: boolean;
  note: string;
}

function table(name: string): Case[] {
  return policyTable<Case>(name);
}

/*
 * Verdicts of other projects' tests, compared with ours. Where a project
 * departs from the RFC's grammar, our verdict follows the RFC; each such row
 * is listed with the reading, which becomes part of the test's name.
 */
function check(name: string, parse: (input: string) => { valid: boolean }, readings: Record<string, Reading>) {
  const rows = table(name);
  const used = new Set<string>();
  it.each(
    rows.map((row) => {
      const reading = readings[row.input];
      if (reading !== undefined) used.add(row.input);
      const expected = reading === undefined ? row.valid : reading.valid;
      const departs = reading !== undefined && reading.valid !== row.valid;
      const label = `${JSON.stringify(row.input)} is ${expected ? 'valid' : 'invalid'}${departs ? ` — RFC reading, unlike this source: ${reading.why}` : ''} (${row.source})`;
      return [label, row.input, expected] as const;
    }),
  )('%s', (_label, input, expected) => {
    expect(parse(input).valid).toBe(expected);
  });
  it('lists only readings that are used', () => {
    expect(Object.keys(readings).filter((input) => !used.has(input))).toEqual([]);
  });
}

describe('MTA-STS TXT records (RFC 8461 §3.1) on the corpus table', () => {
  check('mta-sts-txt-records.jsonl', parseMtaStsRecord, MTA_STS_READINGS());
});

describe('TLS-RPT TXT records (RFC 8460 §3) on the corpus table', () => {
  check('tlsrpt-txt-records.jsonl', parseTlsRptRecord, TLSRPT_READINGS());
});

describe('TXT record sets on the corpus table', () => {
  const rows = policyTable<{ source: string; record_type: string; input: string[]; valid: boolean; note: string }>(
    'txt-record-sets.jsonl',
  );
  it.each(rows.map((row) => [`${row.record_type} ${JSON.stringify(row.input)} (${row.source})`, row] as const))(
    '%s',
    (_label, row) => {
      const result = row.record_type === '_mta-sts' ? parseMtaStsRecordSet(row.input) : parseTlsRptRecordSet(row.input);
      expect(result.valid).toBe(row.valid);
    },
  );
});

function MTA_STS_READINGS(): Record<string, Reading> {
  return {
    'v=STSv1': { valid: false, why: 'the id field is required (§3.1)' },
    [`v=STSv1; extension-1_2.3=!"#$%&'()*+,-./0123456789:<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_\`abcdefghijklmnopqrstuvwxyz{|}~;`]:
      { valid: false, why: 'a record without the required id is invalid, whatever its extensions (§3.1)' },
    '"v=STSv1; id=19840507T234501;"': {
      valid: false,
      why: 'quotes belong to zone-file syntax, not to the record, which must start with v=STSv1 (§3.1)',
    },
    'v=STSv1; id=20260728T000000Z ': {
      valid: false,
      why: 'whitespace is allowed only around ";" (sts-field-delim, §3.1)',
    },
  };
}

function TLSRPT_READINGS(): Record<string, Reading> {
  return {
    'v=TLSRPTv1; rua=mailto:tlsrpt@mox.example , \t\t https://mox.example/tlsrpt  ': {
      valid: false,
      why: 'whitespace is allowed only around ";" and ",", not at the end (§3)',
    },
    'v=TLSRPTv1; rua=https://tlsrpt-mimecast-com/v1': {
      valid: true,
      why: 'a host name without dots is still a valid https URI (RFC 3986)',
    },
    'v=TLSRPTv1 ; rua=mailto:tlsrpt@example.com': {
      valid: true,
      why: 'field-delim = *WSP ";" *WSP allows a space before ";" (§3)',
    },
    'v=TLSRPTv1; rua= mailto:tlsrpt@example.com': {
      valid: false,
      why: 'nothing may stand between "rua=" and the URI (§3)',
    },
    'v=TLSRPTv1;;rua=mailto:tlsrpt@example.com;;': { valid: false, why: 'an empty field is not in the grammar (§3)' },
    'v=TLSRPTv1; rua=tlsrpt@example.com,mailto:tlsrpt@example.com': {
      valid: false,
      why: 'every rua entry must be a mailto: or https: URI (§3)',
    },
    'v=TLSRPTv1; rua=ftp://example.com/tlsrpt,http://example.com/tlsrpt,mailto:tlsrpt@example.com': {
      valid: false,
      why: 'only mailto: and https: are allowed (§3)',
    },
    'v=TLSRPTv1; rua=mailto:not+an@address@at-all,https://': {
      valid: false,
      why: 'each entry must be a usable URI (§3)',
    },
    'v=TLSRPTv1;rua=mailto:tlsrpt@tuaf.edu.vn,mailto:tuaf.edu.vn': {
      valid: false,
      why: 'a mailto: URI needs an address user@domain (RFC 6068)',
    },
    'v=TLSRPTv1; rua=mailto:mta-sts@naa.gov.au,ruf=mailto:mta-sts@naa.gov.au': {
      valid: false,
      why: '"ruf=mailto:…" is not a URI (§3)',
    },
    'v=TLSRPTv1;rua=,mailto:rcw7zdfj@tls.eu.dmarcian.com': {
      valid: false,
      why: 'an empty rua entry is not a URI (§3)',
    },
    'v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com': {
      valid: true,
      why: 'the grammar allows the rua field more than once (§3); a warning says some senders use only the first',
    },
    'v=TLSRPTv1; rua=mailto:emailsecurity@medela.com,': {
      valid: false,
      why: 'a trailing comma leaves an empty entry (§3)',
    },
    'v=TLSRPTv1; rua=mailto: MTA_STSReport@qualcomm.com': {
      valid: false,
      why: 'a space is not allowed inside a URI (RFC 3986)',
    },
  };
}
