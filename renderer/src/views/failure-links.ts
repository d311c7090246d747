import { ROUTES } from '../routes.js';

/**
 * The Failures view keeps its filters in the URL, so every drill-down is a
 * link. A named value that is null ("the sender named none") is written as
 * the empty string.
 */
export interface FailureLinkFilter {
  /** One policy domain, in place of the domain chosen for all views (a finding's evidence names its domain). */
  domain?: string | undefined;
  organization?: string | undefined;
  mx?: string | null | undefined;
  resultType?: string | null | undefined;
  policyType?: string | null | undefined;
  sendingIp?: string | null | undefined;
  receivingIp?: string | null | undefined;
}

export const FAILURE_LINK_KEYS = [
  'domain',
  'organization',
  'mx',
  'resultType',
  'policyType',
  'sendingIp',
  'receivingIp',
] as const;

export function failuresLink(filter: FailureLinkFilter): string {
  const params = new URLSearchParams();
  for (const key of FAILURE_LINK_KEYS) {
    const value = filter[key];
    if (value !== undefined) params.set(key, value ?? '');
  }
  const query = params.toString();
  return `${ROUTES.failures.path}${query === '' ? '' : `?${query}`}`;
}

export function readFailureLink(params: URLSearchParams): FailureLinkFilter {
  const read = (key: (typeof FAILURE_LINK_KEYS)[number]): string | null | undefined => {
    const value = params.get(key);
    if (value === null) return undefined;
    return value === '' ? null : value;
  };
  const organization = read('organization');
  const domain = read('domain');
  return {
    domain: domain ?? undefined,
    organization: organization ?? undefined,
    mx: read('mx'),
    resultType: read('resultType'),
    policyType: read('policyType'),
    sendingIp: read('sendingIp'),
    receivingIp: read('receivingIp'),
  };
}
