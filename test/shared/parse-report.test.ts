import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTlsRptReport } from '../../shared/report/parse.js';
import type { ReportParseResult, TlsRptReport } from '../../shared/report/types.js';
import { corpusReports } from '../helpers/files.js';
import { failureDetail, policyEntry, reportDocument, reportJson } from '../helpers/reports.js';

function parsed(result: ReportParseResult): Extract<ReportParseResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected a report, got error at ${result.error.field}: ${result.error.message}`);
  return result;
}

function rejected(result: ReportParseResult): { field: string | null; message: string } {
  if (result.ok) throw new Error('expected a rejection, got a report');
  return result.error;
}

function corpus(name: string): string {
  return readFileSync(join(corpusReports, name), 'utf8');
}

function firstPolicy(report: TlsRptReport): TlsRptReport['policies'][number] {
  const policy = report.policies[0];
  if (!policy) throw new Error('no policy');
  return policy;
}

function withPolicy(mutate: (entry: Record<string, unknown>) => void): string {
  const document = reportDocument();
  const entry = (document['policies'] as Record<string, unknown>[])[0];
  if (!entry) throw new Error('no policy');
  mutate(entry);
  return JSON.stringify(document);
}

describe('parseTlsRptReport on a well-formed report', () => {
  it('normalizes the RFC 8460 example (erratum-corrected copy) without warnings', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('dmarc-report-viewer__rfc-example.json')));
    expect(warnings).toEqual([]);
    expect(report.organizationName).toBe('Company-X');
    expect(report.reportId).toBe('5065427c-23d3-47ca-b6e0-946ea0e8c4be');
    expect(report.startTime).toBe(Date.UTC(2016, 3, 1) / 1000);
    expect(report.endTime).toBe(Date.UTC(2016, 3, 1, 23, 59, 59) / 1000);
    const policy = firstPolicy(report);
    expect(policy).toMatchObject({
      policyType: 'sts',
      policyDomain: 'company-y.example',
      mxHosts: ['*.mail.company-y.example'],
      successfulSessions: 5326,
      failedSessions: 303,
    });
    expect(policy.failureDetails.map((detail) => [detail.resultType, detail.failedSessions])).toEqual([
      ['certificate-expired', 100],
      ['starttls-not-supported', 200],
      ['validation-failure', 3],
    ]);
    expect(policy.failureDetails[2]?.failureReasonCode).toBe('X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED');
  });
});

describe('parseTlsRptReport accepts what real senders send', () => {
  it('reads mx-host given as a bare string (RFC example as printed, erratum 6241), with a warning', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('parsedmarc__rfc8460.json')));
    expect(firstPolicy(report).mxHosts).toEqual(['*.mail.company-y.example']);
    expect(warnings.map((warning) => warning.code)).toEqual(['mx-host-format']);
  });

  it('reads mx-host as an array, and an absent mx-host as none', () => {
    const array = parsed(parseTlsRptReport(reportJson({ policies: [policyEntry({ mxHost: ['MX1.Example.com'] })] })));
    expect(firstPolicy(array.report).mxHosts).toEqual(['mx1.example.com']);
    expect(array.warnings).toEqual([]);
    const absent = parsed(parseTlsRptReport(corpus('mta-sts-exporter__microsoft.json')));
    expect(firstPolicy(absent.report).mxHosts).toEqual([]);
  });

  it('strips an "mx: " prefix copied from the policy into mx-host', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('dmarc-report-viewer__no-contact.json')));
    expect(firstPolicy(report).mxHosts).toEqual(['mx.server.com']);
    expect(warnings.find((warning) => warning.code === 'mx-host-format')?.field).toBe('policies[0].policy.mx-host[0]');
  });

  it('accepts an absent policy-string (Google no-policy-found, Mail.ru fetch errors)', () => {
    const google = parsed(parseTlsRptReport(corpus('dmarc-report-viewer__no-policy.json')));
    expect(firstPolicy(google.report)).toMatchObject({ policyType: 'no-policy-found', policyStrings: null });
    const mailRu = parsed(parseTlsRptReport(corpus('parsedmarc__mail.ru.json')));
    expect(firstPolicy(mailRu.report).policyStrings).toBeNull();
  });

  it('accepts policy-string as a single string (Microsoft DANE) and keeps it', () => {
    const text = withPolicy((entry) => {
      entry['policy'] = { 'policy-type': 'tlsa', 'policy-domain': 'example.com', 'policy-string': '3 1 1 ABCD' };
    });
    const { report, warnings } = parsed(parseTlsRptReport(text));
    expect(firstPolicy(report).policyStrings).toEqual(['3 1 1 ABCD']);
    expect(warnings.map((warning) => warning.code)).toEqual(['policy-string-format']);
  });

  it("keeps Microsoft's TLSA policy-string (one JSON-encoded array inside the array) as sent", () => {
    const { report } = parsed(parseTlsRptReport(corpus('dmarc-report-viewer__microsoft.json')));
    const tlsa = report.policies.find((policy) => policy.policyType === 'tlsa');
    expect(tlsa?.policyStrings).toHaveLength(1);
    expect(tlsa?.policyStrings?.[0]).toMatch(/^\["3 1 1 /);
  });

  it('reads date-times without a zone as UTC, with a warning for each (Microsoft 2024)', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('mta-sts-exporter__microsoft-2.json')));
    expect(report.startTime).toBe(Date.UTC(2024, 2, 26) / 1000);
    expect(report.endTime).toBe(Date.UTC(2024, 2, 26, 23, 59, 59) / 1000);
    expect(warnings.map((warning) => [warning.code, warning.field])).toEqual([
      ['datetime-without-zone', 'date-range.start-datetime'],
      ['datetime-without-zone', 'date-range.end-datetime'],
    ]);
  });

  it('accepts a range ending at midnight of the next day (Mail.ru) without a warning', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('parsedmarc__mail.ru.json')));
    expect(report.endTime - report.startTime).toBe(86_400);
    expect(warnings.some((warning) => warning.field?.startsWith('date-range'))).toBe(false);
  });

  it('applies a numeric offset', () => {
    const { report } = parsed(parseTlsRptReport(reportJson({ start: '2026-01-10T02:00:00+02:00' })));
    expect(report.startTime).toBe(Date.UTC(2026, 0, 10) / 1000);
  });

  it('takes contact-info null as absent, with a warning', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('dmarc-report-viewer__no-contact.json')));
    expect(report.contactInfo).toBeNull();
    expect(warnings.find((warning) => warning.field === 'contact-info')?.code).toBe('null-field');
  });

  it('accepts a missing policy-domain and a missing total-failure-session-count (mail-auth rpt03)', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('mail-auth__rpt03.json')));
    expect(report.policies.map((policy) => [policy.policyDomain, policy.failedSessions])).toEqual([
      [null, 0],
      [null, 0],
    ]);
    // The same warning at the same field of both policies is kept once, with its count.
    expect(
      warnings
        .filter((warning) => warning.code === 'missing-field')
        .map((warning) => [warning.field, warning.count, warning.message]),
    ).toEqual([
      ['policies[*].policy.policy-domain', 2, 'no policy-domain (2 times)'],
      [
        'policies[*].summary.total-failure-session-count',
        2,
        'no total-failure-session-count; taken as 0, the sum of the failure details (2 times)',
      ],
    ]);
  });

  it('derives a missing total-failure-session-count from the failure details', () => {
    const text = withPolicy((entry) => {
      entry['summary'] = { 'total-successful-session-count': 4 };
      entry['failure-details'] = [failureDetail('certificate-expired', 2), failureDetail('starttls-not-supported', 5)];
    });
    expect(firstPolicy(parsed(parseTlsRptReport(text)).report).failedSessions).toBe(7);
  });

  it('accepts failure details without sending-mta-ip and receiving-* fields (Mail.ru, Microsoft)', () => {
    const { report } = parsed(parseTlsRptReport(corpus('dmarc-report-viewer__no_ip_and_mx.json')));
    const detail = firstPolicy(report).failureDetails[0];
    expect(detail).toMatchObject({
      resultType: 'sts-policy-fetch-error',
      sendingMtaIp: null,
      receivingMxHostname: null,
      receivingIp: null,
    });
  });

  it('accepts empty failure-details', () => {
    const { report } = parsed(parseTlsRptReport(corpus('dmarc-report-viewer__no-contact.json')));
    expect(firstPolicy(report).failureDetails).toEqual([]);
  });

  it('keeps unknown result-type and policy-type values and flags them (hand-edited fixtures)', () => {
    const edited = parsed(parseTlsRptReport(corpus('neztore-tls-rpt-monitor__microsoft-report.json')));
    expect(firstPolicy(edited.report).failureDetails[0]?.resultType).toBe('Testing');
    expect(edited.warnings.map((warning) => warning.code)).toContain('unknown-result-type');
    const rpt03 = parsed(parseTlsRptReport(corpus('mail-auth__rpt03.json')));
    expect(rpt03.report.policies[1]?.policyType).toBe('invalid-policy-type');
    expect(rpt03.warnings.find((warning) => warning.code === 'unknown-policy-type')?.field).toBe(
      'policies[1].policy.policy-type',
    );
  });

  it('reads the draft-era additional-info-uri key as additional-information', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('neztore-tls-rpt-monitor__microsoft-report.json')));
    expect(firstPolicy(report).failureDetails[0]?.additionalInformation).toBeTruthy();
    expect(warnings.map((warning) => warning.code)).toContain('deprecated-field');
  });

  it('flags failure details that add up to more than the total (Mail.ru)', () => {
    const { report, warnings } = parsed(parseTlsRptReport(corpus('parsedmarc__mail.ru.json')));
    expect(firstPolicy(report).failedSessions).toBe(1);
    expect(warnings).toEqual([
      {
        code: 'count-mismatch',
        field: 'policies[0].summary.total-failure-session-count',
        message: 'the failure details add up to 2 sessions, more than the total of 1',
      },
    ]);
  });

  it('keeps vendor extra fields out of the normalized report and names each in a warning', () => {
    const document = reportDocument();
    document['x-vendor-note'] = { internal: true };
    const entry = (document['policies'] as Record<string, Record<string, unknown>>[])[0];
    if (!entry?.['policy']) throw new Error('no policy');
    entry['policy']['x-policy-fetched-at'] = '2026-01-10T00:00:00Z';
    const { warnings } = parsed(parseTlsRptReport(JSON.stringify(document)));
    expect(warnings.filter((warning) => warning.code === 'unknown-field').map((warning) => warning.field)).toEqual([
      'x-vendor-note',
      'policies[0].policy.x-policy-fetched-at',
    ]);
  });

  it('removes a UTF-8 byte order mark, with a warning', () => {
    const { report, warnings } = parsed(parseTlsRptReport(`\uFEFF${reportJson()}`));
    expect(report.organizationName).toBe('Sender Inc.');
    expect(warnings.map((warning) => warning.code)).toEqual(['byte-order-mark']);
  });

  it('reads CRLF-formatted JSON (full-example, no final newline)', () => {
    const text = corpus('dmarc-report-viewer__full-example.json');
    expect(text).toContain('\r\n');
    expect(parsed(parseTlsRptReport(text)).report.policies).toHaveLength(1);
  });

  it('lower-cases host names and drops the root dot', () => {
    const text = withPolicy((entry) => {
      entry['policy'] = { 'policy-type': 'sts', 'policy-domain': 'Example.COM.' };
      entry['failure-details'] = [
        failureDetail('certificate-expired', 0, { 'receiving-mx-hostname': 'MX1.Example.com.' }),
      ];
    });
    const policy = firstPolicy(parsed(parseTlsRptReport(text)).report);
    expect(policy.policyDomain).toBe('example.com');
    expect(policy.failureDetails[0]?.receivingMxHostname).toBe('mx1.example.com');
  });

  it('leaves report-id null when missing, so the importer can derive one', () => {
    const document = reportDocument();
    delete document['report-id'];
    const { report, warnings } = parsed(parseTlsRptReport(JSON.stringify(document)));
    expect(report.reportId).toBeNull();
    expect(warnings[0]?.field).toBe('report-id');
  });

  it('keeps a field that is an object where text belongs as its JSON', () => {
    const text = reportJson().replace('"Sender Inc."', '[["Sender", "Inc."]]');
    const { report, warnings } = parsed(parseTlsRptReport(text));
    expect(report.organizationName).toBe('[["Sender","Inc."]]');
    expect(warnings.map((warning) => [warning.code, warning.field])).toEqual([['wrong-type', 'organization-name']]);
  });

  it('names a sender without organization-name by its contact-info', () => {
    const document = reportDocument();
    delete document['organization-name'];
    const { report } = parsed(parseTlsRptReport(JSON.stringify(document)));
    expect(report.organizationName).toBe('tlsrpt@sender.example');
  });
});

describe('parseTlsRptReport rejects what cannot be a report, naming the field', () => {
  const cases: [string, string, string | null, RegExp][] = [
    ['text that is not JSON', 'this is not json', null, /^not JSON: /],
    ['a truncated document', reportJson().slice(0, 80), null, /^not JSON: /],
    ['a JSON array', '[1,2]', null, /must be a JSON object, got an array/],
    ['a JSON string', '"report"', null, /must be a JSON object, got the string "report"/],
    ['no policies', JSON.stringify({ ...reportDocument(), policies: undefined }), 'policies', /^missing$/],
    [
      'policies that is an object',
      JSON.stringify({ ...reportDocument(), policies: {} }),
      'policies',
      /must be an array/,
    ],
    ['no date-range', JSON.stringify({ ...reportDocument(), 'date-range': undefined }), 'date-range', /^missing$/],
    [
      'an unreadable start-datetime',
      reportJson({ start: 'yesterday' }),
      'date-range.start-datetime',
      /not a date-time: "yesterday"/,
    ],
    ['an impossible date', reportJson({ end: '2026-02-30T00:00:00Z' }), 'date-range.end-datetime', /not a date-time/],
    [
      'a negative count',
      reportJson({ policies: [policyEntry({ successful: -1 })] }),
      'policies[0].summary.total-successful-session-count',
      /must be a non-negative integer, got -1/,
    ],
    [
      'a fractional count',
      reportJson({ policies: [policyEntry({ failed: 1.5 })] }),
      'policies[0].summary.total-failure-session-count',
      /got 1\.5/,
    ],
    [
      'a count given as a string',
      reportJson({
        policies: [policyEntry({ details: [failureDetail('certificate-expired', '3' as unknown as number)] })],
      }),
      'policies[0].failure-details[0].failed-session-count',
      /got the string "3"/,
    ],
    [
      'a missing successful count',
      withPolicy((entry) => {
        entry['summary'] = { 'total-failure-session-count': 0 };
      }),
      'policies[0].summary.total-successful-session-count',
      /^missing$/,
    ],
    [
      'a policy entry without its policy',
      withPolicy((entry) => {
        delete entry['policy'];
      }),
      'policies[0].policy',
      /^missing$/,
    ],
  ];

  it.each(cases)('rejects %s', (_name, text, field, message) => {
    const error = rejected(parseTlsRptReport(text));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
