// The Reports list and one report's page, with its stored document.
import type { ReportDetail, ReportRow, ReportSortColumn, Sort } from '../../../shared/api/contract.js';
import type { ReportWarning } from '../../../shared/report/types.js';
import type { ReportFilter } from '../../../shared/summary/types.js';
import { prepared, type ReadableDatabase } from './database.js';
import { filterClause } from './filter-sql.js';

const REPORT_SORT_SQL: Record<ReportSortColumn, string> = {
  startTime: 'r.start_time',
  organization: 'r.organization_name',
  failedSessions: 'r.failed_sessions',
  successfulSessions: 'r.successful_sessions',
};

/** A ReportRow as SQLite returns it: the policy domains still a JSON array. */
type ReportRowSql = Omit<ReportRow, 'policyDomains'> & { policyDomains: string };

const REPORT_COLUMNS = `r.id AS id, r.organization_name AS organization, r.report_id AS reportId,
  r.start_time AS startTime, r.end_time AS endTime, r.successful_sessions AS successfulSessions,
  r.failed_sessions AS failedSessions, json_array_length(r.warnings_json) AS warnings,
  (SELECT json_group_array(DISTINCT p.policy_domain) FROM policies p
     WHERE p.report_rowid = r.id AND p.policy_domain IS NOT NULL) AS policyDomains`;

function reportRow(row: ReportRowSql): ReportRow {
  return { ...row, policyDomains: JSON.parse(row.policyDomains) as string[] };
}

/** One page of the report list. With a policy domain, the reports that have a policy for it. */
export function reportPage(
  db: ReadableDatabase,
  filter: ReportFilter,
  organization: string | undefined,
  sort: Sort<ReportSortColumn> | undefined,
  offset: number,
  limit: number,
): { total: number; rows: ReportRow[] } {
  const where = filterClause({ fromTime: filter.fromTime ?? null, toTime: filter.toTime ?? null }, 'r');
  const conditions = where.sql === '' ? [] : [where.sql.slice('WHERE '.length)];
  const params: Record<string, unknown> = { ...where.params };
  if (filter.policyDomain != null) {
    conditions.push(
      'EXISTS (SELECT 1 FROM policies p WHERE p.report_rowid = r.id AND p.policy_domain = @policyDomain)',
    );
    params['policyDomain'] = filter.policyDomain;
  }
  if (organization !== undefined) {
    conditions.push('r.organization_name = @organization');
    params['organization'] = organization;
  }
  const whereSql = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const chosen = sort ?? { column: 'startTime', direction: 'desc' };
  const direction = chosen.direction === 'asc' ? 'ASC' : 'DESC';
  const total = prepared(db, `SELECT COUNT(*) FROM reports r ${whereSql}`).pluck().get(params) as number;
  const rows = prepared(
    db,
    `SELECT ${REPORT_COLUMNS} FROM reports r ${whereSql}
       ORDER BY ${REPORT_SORT_SQL[chosen.column]} ${direction}, r.id ${direction} LIMIT @limit OFFSET @offset`,
  ).all({ ...params, limit, offset }) as ReportRowSql[];
  return { total, rows: rows.map(reportRow) };
}

/** Everything stored about one report; null when there is no such report. */
export function reportDetail(db: ReadableDatabase, id: number): ReportDetail | null {
  const row = prepared(
    db,
    `SELECT ${REPORT_COLUMNS}, r.contact_info AS contactInfo, r.source_kind AS sourceKind, r.source_ref AS sourceRef,
         r.received_at AS receivedAt, r.imported_at AS importedAt, r.warnings_json AS warningsJson, r.raw_gzip AS rawGzip
       FROM reports r WHERE r.id = ?`,
  ).get(id) as
    | (ReportRowSql &
        Pick<ReportDetail, 'contactInfo' | 'sourceKind' | 'sourceRef' | 'receivedAt' | 'importedAt'> & {
          warningsJson: string;
          rawGzip: Buffer;
        })
    | undefined;
  if (!row) return null;
  const policies = prepared(
    db,
    `SELECT id, policy_type AS policyType, policy_domain AS policyDomain, policy_strings_json AS policyStrings,
         mx_hosts_json AS mxHosts, successful_sessions AS successfulSessions, failed_sessions AS failedSessions,
         counted
       FROM policies WHERE report_rowid = ? ORDER BY position`,
  ).all(id) as {
    id: number;
    policyType: string | null;
    policyDomain: string | null;
    policyStrings: string | null;
    mxHosts: string;
    successfulSessions: number;
    failedSessions: number;
    counted: 0 | 1;
  }[];
  const details = prepared(
    db,
    `SELECT id, result_type AS resultType, sending_mta_ip AS sendingMtaIp, receiving_mx_hostname AS receivingMxHostname,
       receiving_mx_helo AS receivingMxHelo, receiving_ip AS receivingIp, failed_sessions AS failedSessions,
       additional_information AS additionalInformation, failure_reason_code AS failureReasonCode
     FROM failure_details WHERE policy_rowid = ? ORDER BY id`,
  );
  const { warningsJson, rawGzip, ...rest } = row;
  return {
    ...reportRow(rest),
    contactInfo: rest.contactInfo,
    sourceKind: rest.sourceKind,
    sourceRef: rest.sourceRef,
    receivedAt: rest.receivedAt,
    importedAt: rest.importedAt,
    warningList: JSON.parse(warningsJson) as ReportWarning[],
    policies: policies.map((policy) => ({
      policyType: policy.policyType,
      policyDomain: policy.policyDomain,
      policyStrings: policy.policyStrings === null ? null : (JSON.parse(policy.policyStrings) as string[]),
      mxHosts: JSON.parse(policy.mxHosts) as string[],
      successfulSessions: policy.successfulSessions,
      failedSessions: policy.failedSessions,
      failureDetails: details.all(policy.id) as ReportDetail['policies'][number]['failureDetails'],
      counted: policy.counted === 1,
    })),
    originalGzip: rawGzip.toString('base64'),
  };
}
