import { describe, expect, it } from 'vitest';
import { detectTextKind, lintText } from '../../shared/policy/lint.js';
import { readPastedTxtRecords } from '../../shared/policy/pasted-record.js';

describe('TXT records pasted as dig prints them', () => {
  it('reads the answer line of a full dig output, comments and all', () => {
    const output = [
      '; <<>> DiG 9.18.33-1~deb12u2-Debian <<>> TXT _smtp._tls.example.com',
      ';; ANSWER SECTION:',
      '_smtp._tls.example.com.\t3600\tIN\tTXT\t"v=TLSRPTv1; rua=mailto:tlsrpt@example.com"',
      '',
      ';; Query time: 12 msec',
    ].join('\n');
    expect(readPastedTxtRecords(output)).toEqual([['v=TLSRPTv1; rua=mailto:tlsrpt@example.com']]);
    const result = lintText(output);
    expect(result.kind).toBe('tlsrpt-record');
    expect(result.valid).toBe(true);
  });

  it('joins a record of several strings without a separator (RFC 8461 §3.1)', () => {
    const short = '"v=TLSRPTv1; rua=mailto:tls" "rpt@example.com,https://reports.example.com/tlsrpt"';
    expect(readPastedTxtRecords(short)).toEqual([
      ['v=TLSRPTv1; rua=mailto:tls', 'rpt@example.com,https://reports.example.com/tlsrpt'],
    ]);
    const result = lintText(short);
    expect(result).toMatchObject({ kind: 'tlsrpt-record', valid: true });
  });

  it('reads +multiline output, strings in parentheses across lines', () => {
    const multiline = ['_mta-sts.example.com. 300 IN TXT ( "v=STSv1; "', '\t"id=20260101000000" )'].join('\n');
    expect(readPastedTxtRecords(multiline)).toEqual([['v=STSv1; ', 'id=20260101000000']]);
    expect(lintText(multiline)).toMatchObject({ kind: 'sts-record', valid: true, findings: [] });
  });

  it('undoes the escapes of RFC 1035 §5.1: \\" \\\\ and \\DDD bytes, UTF-8 included', () => {
    expect(readPastedTxtRecords('"a\\"b\\\\c\\059d"')).toEqual([['a"b\\c;d']]);
    // "ü" is two bytes, which dig prints as \195\188.
    expect(readPastedTxtRecords('"m\\195\\188nchen"')).toEqual([['münchen']]);
    expect(readPastedTxtRecords('"bad \\255 byte"')).toEqual([['bad \uFFFD byte']]);
  });

  it('keeps each answer line its own record, so two records of a kind are found', () => {
    const twice = '"v=STSv1; id=1"\n"v=STSv1; id=2"';
    expect(readPastedTxtRecords(twice)).toEqual([['v=STSv1; id=1'], ['v=STSv1; id=2']]);
    expect(lintText(twice).findings.map((finding) => finding.code)).toEqual(['sts-record-multiple']);
  });

  it('still reports a pasted record’s own syntax error', () => {
    expect(lintText('"v=STSv1; id=not_valid!"').findings.map((finding) => finding.code)).toEqual(['sts-record-id']);
  });

  it('takes a text without quotes as the record itself', () => {
    expect(readPastedTxtRecords('v=STSv1; id=1')).toBeNull();
  });
});

describe('text that is none of the three', () => {
  it('says "not a TLS-RPT or MTA-STS record" for an SPF record, once, quoted or not', () => {
    for (const text of ['v=spf1 -all', '"v=spf1 -all"', 'example.com. 300 IN TXT "v=DMARC1; p=reject"']) {
      const result = lintText(text);
      expect(result.kind).toBe('unknown');
      expect(result.valid).toBe(false);
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]?.code).toBe('text-not-a-record');
      expect(result.findings[0]?.message).toMatch(/^not a TLS-RPT or MTA-STS record \("v=(spf1|DMARC1)/);
    }
  });

  it('says so for prose, and still reads a policy file with an error in it as a policy file', () => {
    expect(detectTextKind('hello, is this the right box?')).toBe('unknown');
    expect(detectTextKind('version: STSv1\nmode: sometimes\n')).toBe('policy');
    expect(detectTextKind('mx: mx1.example.com\n')).toBe('policy');
  });
});
