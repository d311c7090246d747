// Builds report documents for tests: a valid RFC 8460 report, with any field
// replaced or removed by the caller.

export interface ReportShape {
  organization?: string;
  reportId?: string;
  start?: string;
  end?: string;
  policies?: unknown[];
}

export function policyEntry(options: {
  type?: string;
  domain?: string;
  successful?: number;
  failed?: number;
  details?: unknown[];
  mxHost?: unknown;
}): Record<string, unknown> {
  const details = options.details ?? [];
  return {
    policy: {
      'policy-type': options.type ?? 'sts',
      'policy-string': ['version: STSv1', 'mode: enforce', 'mx: *.mail.example.com', 'max_age: 86400'],
      'policy-domain': options.domain ?? 'example.com',
      ...(options.mxHost === undefined ? {} : { 'mx-host': options.mxHost }),
    },
    summary: {
      'total-successful-session-count': options.successful ?? 10,
      'total-failure-session-count': options.failed ?? 0,
    },
    'failure-details': details,
  };
}

export function failureDetail(
  resultType: string,
  count: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    'result-type': resultType,
    'sending-mta-ip': '192.0.2.1',
    'receiving-mx-hostname': 'mx1.mail.example.com',
    'receiving-ip': '198.51.100.7',
    'failed-session-count': count,
    ...extra,
  };
}

export function reportDocument(shape: ReportShape = {}): Record<string, unknown> {
  return {
    'organization-name': shape.organization ?? 'Sender Inc.',
    'date-range': {
      'start-datetime': shape.start ?? '2026-01-10T00:00:00Z',
      'end-datetime': shape.end ?? '2026-01-10T23:59:59Z',
    },
    'contact-info': 'tlsrpt@sender.example',
    'report-id': shape.reportId ?? 'report-1',
    policies: shape.policies ?? [policyEntry({})],
  };
}

export function reportJson(shape: ReportShape = {}): string {
  return JSON.stringify(reportDocument(shape));
}
