import { ROUTES } from '../routes.js';
import type { FailureSortColumn, Sort } from '../../../shared/api/contract.js';
import { MISSING_RESULT_TYPE } from '../../../shared/summary/types.js';

/**
 * The Failures view keeps its filters and sort in the URL, so every
 * drill-down is a link and a reload or a shared link shows the same rows. A
 * named value that is null ("the sender named none") is written as the empty
 * string.
 */
export interface FailureLinkFilter {
  /** One policy domain, in place of the domain chosen for all views (a finding's evidence names its domain). */
  domain?: string | undefined;
  organization?: string | undefined;
  /** One MX host, exactly (a drill-down from a host). */
  mx?: string | null | undefined;
  /** What was typed in the MX host box: any host whose name contains it, in any case. */
  mxSearch?: string | undefined;
  resultType?: string | null | undefined;
  policyType?: string | null | undefined;
  sendingIp?: string | null | undefined;
  receivingIp?: string | null | undefined;
  /** One report, by its row id (a report page's link to its failure details). */
  report?: number | undefined;
}

const FAILURE_LINK_KEYS = [
  'domain',
  'organization',
  'mx',
  'mxSearch',
  'resultType',
  'policyType',
  'sendingIp',
  'receivingIp',
  'report',
] as const;

/** The list's order when the URL names none: newest first. */
const DEFAULT_FAILURE_SORT: Sort<FailureSortColumn> = { column: 'startTime', direction: 'desc' };

export function failuresLink(filter: FailureLinkFilter, sort?: Sort<FailureSortColumn>): string {
  const params = new URLSearchParams();
  for (const key of FAILURE_LINK_KEYS) {
    const value = filter[key];
    if (value !== undefined) params.set(key, value === null ? '' : String(value));
  }
  if (
    sort !== undefined &&
    (sort.column !== DEFAULT_FAILURE_SORT.column || sort.direction !== DEFAULT_FAILURE_SORT.direction)
  ) {
    params.set('sort', sort.column);
    params.set('order', sort.direction);
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
  const mxSearch = read('mxSearch');
  const report = Number(params.get('report') ?? '');
  return {
    domain: domain ?? undefined,
    organization: organization ?? undefined,
    mx: read('mx'),
    mxSearch: mxSearch ?? undefined,
    resultType: read('resultType'),
    policyType: read('policyType'),
    sendingIp: read('sendingIp'),
    receivingIp: read('receivingIp'),
    // A hand-edited link with no report number is no report filter, not "report NaN".
    report: Number.isSafeInteger(report) && report > 0 ? report : undefined,
  };
}

/**
 * The columns the list sorts by, as a record so that the compiler checks it
 * against the contract; not the contract's own list, which would bring zod
 * into the page (zod probes `new Function`, which the CSP refuses, and
 * reports).
 */
const SORTABLE: Record<FailureSortColumn, true> = {
  startTime: true,
  organization: true,
  policyDomain: true,
  policyType: true,
  resultType: true,
  receivingMxHostname: true,
  sendingMtaIp: true,
  receivingIp: true,
  failedSessions: true,
};

function isSortColumn(column: string | null): column is FailureSortColumn {
  return column !== null && Object.prototype.hasOwnProperty.call(SORTABLE, column);
}

/** The sort a link names; the default for one that names none or a column that does not exist. */
export function readFailureSort(params: URLSearchParams): Sort<FailureSortColumn> {
  const column = params.get('sort');
  if (!isSortColumn(column)) return DEFAULT_FAILURE_SORT;
  return { column, direction: params.get('order') === 'asc' ? 'asc' : 'desc' };
}

/** A result type as the breakdowns name it, as a failure filter: their "(not named)" row is null there. */
export function resultTypeFilter(type: string): string | null {
  return type === MISSING_RESULT_TYPE ? null : type;
}
