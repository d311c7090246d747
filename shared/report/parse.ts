import { normalizeDomainName } from './host-names.js';
import { parseReportDateTime } from './datetime.js';
import { checkJsonShape } from './json-shape.js';
import {
  MAX_FAILURE_DETAILS,
  MAX_FIELD_CHARS,
  MAX_IDENTITY_CHARS,
  MAX_POLICIES,
  MAX_POLICY_LIST_ITEMS,
  MAX_QUOTED_CHARS,
  MAX_REPORT_CONTAINERS,
  MAX_REPORT_DEPTH,
  MAX_REPORT_KEY_NAMES,
  MAX_REPORT_STRING_CHARS,
  MAX_REPORT_VALUES,
  MAX_SESSION_COUNT,
  MAX_WARNING_KINDS,
} from './limits.js';
import type {
  FailureDetail,
  ReportParseResult,
  ReportWarning,
  ReportWarningCode,
  TlsRptPolicy,
  TlsRptReport,
} from './types.js';
import { isKnownPolicyType, isKnownResultType } from './vocabulary.js';

/**
 * Parses an RFC 8460 report from its JSON text.
 *
 * Lenient where real senders deviate (see the corpus README's "quirks"):
 * each deviation it can work around becomes a warning stored with the
 * report. Strict where a guess would misstate the numbers: a document that
 * is not a JSON object, has no `policies` array, a count that is not a
 * non-negative integer, or no readable `date-range` is rejected, with the
 * JSON path of the field at fault.
 */
export function parseTlsRptReport(text: string): ReportParseResult {
  const warnings: ReportWarning[] = [];
  let body = text;
  if (body.charCodeAt(0) === 0xfeff) {
    body = body.slice(1);
    warnings.push({ code: 'byte-order-mark', field: null, message: 'UTF-8 byte order mark removed' });
  }
  const shape = checkJsonShape(body, {
    maxDepth: MAX_REPORT_DEPTH,
    maxContainers: MAX_REPORT_CONTAINERS,
    maxValues: MAX_REPORT_VALUES,
    maxKeyNames: MAX_REPORT_KEY_NAMES,
    maxStringChars: MAX_REPORT_STRING_CHARS,
  });
  if (shape.overLimit !== null) {
    return { ok: false, error: { field: null, message: `${shape.overLimit}: over the limit for one report` } };
  }
  for (const field of shape.duplicateKeys) {
    warnings.push({
      code: 'duplicate-key',
      field,
      message: 'this key appears more than once in its object; the last value is used',
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { field: null, message: `not JSON: ${clip(detail, 200)}` } };
  }
  return normalizeTlsRptReport(document, warnings);
}

/** Normalizes an already decoded JSON value; see {@link parseTlsRptReport}. */
function normalizeTlsRptReport(document: unknown, warnings: ReportWarning[] = []): ReportParseResult {
  const reader = new FieldReader(warnings);
  try {
    const report = readReport(reader, document);
    return { ok: true, report, warnings: collapseWarnings(warnings) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, error: { field: error.field, message: error.message } };
    throw error;
  }
}

const REPORT_FIELDS = new Set(['organization-name', 'date-range', 'contact-info', 'report-id', 'policies']);
const POLICY_ENTRY_FIELDS = new Set(['policy', 'summary', 'failure-details']);
const POLICY_FIELDS = new Set(['policy-type', 'policy-string', 'policy-domain', 'mx-host']);
const SUMMARY_FIELDS = new Set(['total-successful-session-count', 'total-failure-session-count']);
const DETAIL_FIELDS = new Set([
  'result-type',
  'sending-mta-ip',
  'receiving-mx-hostname',
  'receiving-mx-helo',
  'receiving-ip',
  'failed-session-count',
  'additional-information',
  'failure-reason-code',
]);

function readReport(reader: FieldReader, document: unknown): TlsRptReport {
  const root = reader.object(document, null, 'the report');
  reader.flagUnknownFields(root, REPORT_FIELDS, null);

  const contactInfo = reader.optionalString(root, 'contact-info', null);
  let organizationName = reader.identity(root, 'organization-name');
  if (organizationName === null || organizationName.trim() === '') {
    // Without a name the report still counts; fall back on whom to ask.
    organizationName = contactInfo ?? '(unnamed sender)';
    reader.warn('missing-field', 'organization-name', `no organization-name; shown as ${quote(organizationName)}`);
  }
  const reportId = reader.identity(root, 'report-id');
  if (reportId === null) {
    reader.warn('missing-field', 'report-id', 'no report-id; an id derived from the report bytes is used instead');
  }

  const { startTime, endTime } = readDateRange(reader, root);

  const policiesValue = root.policies;
  if (!Array.isArray(policiesValue)) {
    throw new Rejection(
      'policies',
      policiesValue === undefined ? 'missing' : `must be an array, got ${describe(policiesValue)}`,
    );
  }
  if (policiesValue.length > MAX_POLICIES) {
    throw new Rejection(
      'policies',
      `${count(policiesValue.length)} policies, over the limit of ${count(MAX_POLICIES)} for one report`,
    );
  }
  const policies = policiesValue.map((entry, index) => readPolicy(reader, entry, `policies[${index}]`));

  return { organizationName, reportId, startTime, endTime, contactInfo, policies };
}

function readDateRange(reader: FieldReader, root: JsonObject): { startTime: number; endTime: number } {
  const range = root['date-range'];
  if (range === undefined) throw new Rejection('date-range', 'missing');
  const rangeObject = reader.object(range, 'date-range', 'date-range');
  const read = (key: 'start-datetime' | 'end-datetime'): number => {
    const field = `date-range.${key}`;
    const value = rangeObject[key];
    if (typeof value !== 'string') {
      throw new Rejection(
        field,
        value === undefined ? 'missing' : `must be a date-time string, got ${describe(value)}`,
      );
    }
    const parsed = parseReportDateTime(value);
    if (parsed === null) throw new Rejection(field, `not a date-time: ${quote(value)}`);
    if (!parsed.hasZone) {
      // Microsoft sends these (2023, 2024); RFC 8460 §4.4 says UTC.
      reader.warn('datetime-without-zone', field, `${quote(value)} has no time zone; read as UTC`);
    }
    return parsed.epochSeconds;
  };
  const startTime = read('start-datetime');
  const endTime = read('end-datetime');
  if (endTime < startTime) {
    reader.warn('date-range-reversed', 'date-range', 'end-datetime is before start-datetime');
  }
  return { startTime, endTime };
}

function readPolicy(reader: FieldReader, entry: unknown, path: string): TlsRptPolicy {
  const entryObject = reader.object(entry, path, 'a policy entry');
  reader.flagUnknownFields(entryObject, POLICY_ENTRY_FIELDS, path);

  const policyPath = `${path}.policy`;
  const policy = reader.object(entryObject.policy, policyPath, 'the policy');
  reader.flagUnknownFields(policy, POLICY_FIELDS, policyPath);

  const policyType = reader.optionalKeyword(policy, 'policy-type', policyPath);
  if (policyType === null) {
    reader.warn('missing-field', `${policyPath}.policy-type`, 'no policy-type');
  } else if (!isKnownPolicyType(policyType)) {
    reader.warn(
      'unknown-policy-type',
      `${policyPath}.policy-type`,
      `unknown policy-type ${quote(policyType)} kept as is`,
    );
  }
  const policyDomain = normalizeHostname(reader.optionalString(policy, 'policy-domain', policyPath));
  if (policyDomain === null) {
    reader.warn('missing-field', `${policyPath}.policy-domain`, 'no policy-domain');
  }

  const summaryPath = `${path}.summary`;
  const summary = reader.object(entryObject.summary, summaryPath, 'the summary');
  reader.flagUnknownFields(summary, SUMMARY_FIELDS, summaryPath);
  const successfulSessions = reader.count(summary, 'total-successful-session-count', summaryPath);
  const failureDetails = readFailureDetails(reader, entryObject['failure-details'], `${path}.failure-details`);
  const detailSum = failureDetails.reduce((sum, detail) => sum + detail.failedSessions, 0);

  let failedSessions: number;
  if (summary['total-failure-session-count'] === undefined) {
    failedSessions = detailSum;
    reader.warn(
      'missing-field',
      `${summaryPath}.total-failure-session-count`,
      `no total-failure-session-count; taken as ${detailSum}, the sum of the failure details`,
    );
  } else {
    failedSessions = reader.count(summary, 'total-failure-session-count', summaryPath);
    // Details may describe only part of the failures, but never more (Mail.ru does this).
    if (detailSum > failedSessions) {
      reader.warn(
        'count-mismatch',
        `${summaryPath}.total-failure-session-count`,
        `the failure details add up to ${detailSum} sessions, more than the total of ${failedSessions}`,
      );
    }
  }

  return {
    policyType,
    policyDomain,
    policyStrings: readPolicyStrings(reader, policy, policyPath),
    mxHosts: readMxHosts(reader, policy, policyPath),
    successfulSessions,
    failedSessions,
    failureDetails,
  };
}

function readPolicyStrings(reader: FieldReader, policy: JsonObject, policyPath: string): string[] | null {
  const field = `${policyPath}.policy-string`;
  const value = policy['policy-string'];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    // Microsoft's DANE reports send one string instead of an array.
    reader.warn('policy-string-format', field, 'policy-string is a single string, not an array');
    return [value];
  }
  if (!Array.isArray(value)) {
    reader.warn('wrong-type', field, `policy-string must be an array of strings, got ${describe(value)}; ignored`);
    return null;
  }
  checkListLength(value, field);
  return value.map((item, index) => reader.coerceString(item, `${field}[${index}]`));
}

function checkListLength(items: readonly unknown[], field: string): void {
  if (items.length > MAX_POLICY_LIST_ITEMS) {
    throw new Rejection(field, `${count(items.length)} entries, over the limit of ${count(MAX_POLICY_LIST_ITEMS)}`);
  }
}

function readMxHosts(reader: FieldReader, policy: JsonObject, policyPath: string): string[] {
  const field = `${policyPath}.mx-host`;
  const value = policy['mx-host'];
  if (value === undefined || value === null) return [];
  let items: unknown[];
  if (typeof value === 'string') {
    // The RFC 8460 example as printed (erratum 6241) uses a bare string.
    reader.warn('mx-host-format', field, 'mx-host is a single string, not an array');
    items = [value];
  } else if (Array.isArray(value)) {
    checkListLength(value, field);
    items = value;
  } else {
    reader.warn('wrong-type', field, `mx-host must be an array of strings, got ${describe(value)}; ignored`);
    return [];
  }
  return items.map((item, index) => {
    const host = reader.coerceString(item, `${field}[${index}]`).trim();
    // Some reporters copy the policy line, `mx: mx.example.com`, verbatim.
    const prefixed = /^mx:\s*/i.exec(host);
    if (prefixed) {
      reader.warn('mx-host-format', `${field}[${index}]`, `${quote(host)} carries an "mx:" prefix; removed`);
      return host.slice(prefixed[0].length).toLowerCase();
    }
    return host.toLowerCase();
  });
}

function readFailureDetails(reader: FieldReader, value: unknown, path: string): FailureDetail[] {
  if (value === undefined) return [];
  if (value === null) {
    reader.warn('null-field', path, 'failure-details is null; read as empty');
    return [];
  }
  if (!Array.isArray(value)) throw new Rejection(path, `must be an array, got ${describe(value)}`);
  reader.failureDetails += value.length;
  if (reader.failureDetails > MAX_FAILURE_DETAILS) {
    throw new Rejection(path, `more than ${count(MAX_FAILURE_DETAILS)} failure details in one report, over the limit`);
  }
  return value.map((item, index) => readFailureDetail(reader, item, `${path}[${index}]`));
}

function readFailureDetail(reader: FieldReader, item: unknown, path: string): FailureDetail {
  const detail = reader.object(item, path, 'a failure detail');
  reader.flagUnknownFields(detail, DETAIL_FIELDS, path, ['additional-info-uri']);

  const resultType = reader.optionalKeyword(detail, 'result-type', path);
  if (resultType === null) {
    reader.warn('missing-field', `${path}.result-type`, 'no result-type');
  } else if (!isKnownResultType(resultType)) {
    reader.warn('unknown-result-type', `${path}.result-type`, `unknown result-type ${quote(resultType)} kept as is`);
  }

  let additionalInformation = reader.optionalString(detail, 'additional-information', path);
  if (additionalInformation === null && detail['additional-info-uri'] !== undefined) {
    // The key's name in drafts of RFC 8460.
    additionalInformation = reader.optionalString(detail, 'additional-info-uri', path);
    reader.warn(
      'deprecated-field',
      `${path}.additional-info-uri`,
      'draft-era "additional-info-uri" read as additional-information',
    );
  }

  return {
    resultType,
    sendingMtaIp: reader.optionalString(detail, 'sending-mta-ip', path),
    receivingMxHostname: normalizeHostname(reader.optionalString(detail, 'receiving-mx-hostname', path)),
    receivingMxHelo: reader.optionalString(detail, 'receiving-mx-helo', path),
    receivingIp: reader.optionalString(detail, 'receiving-ip', path),
    failedSessions: reader.count(detail, 'failed-session-count', path),
    additionalInformation,
    failureReasonCode: reader.optionalString(detail, 'failure-reason-code', path),
  };
}

/** Host names compare case-insensitively and with or without the root dot. */
function normalizeHostname(name: string | null): string | null {
  if (name === null) return null;
  const trimmed = normalizeDomainName(name);
  return trimmed === '' ? null : trimmed;
}

type JsonObject = Record<string, unknown>;

class Rejection extends Error {
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Reads fields of one report, collecting warnings and throwing {@link Rejection} on fatal faults. */
class FieldReader {
  /** Failure details read so far, over all policies. */
  failureDetails = 0;

  constructor(private readonly warnings: ReportWarning[]) {}

  /** A field that names the report: too long is rejected, not cut. */
  identity(container: JsonObject, key: string): string | null {
    const value = container[key];
    if (typeof value === 'string' && value.length > MAX_IDENTITY_CHARS) {
      throw new Rejection(key, `${count(value.length)} characters, over the limit of ${count(MAX_IDENTITY_CHARS)}`);
    }
    return this.optionalString(container, key, null);
  }

  warn(code: ReportWarningCode, field: string | null, message: string): void {
    this.warnings.push({ code, field, message });
  }

  object(value: unknown, path: string | null, what: string): JsonObject {
    if (value === undefined) throw new Rejection(path, 'missing');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Rejection(path, `${what} must be a JSON object, got ${describe(value)}`);
    }
    return value as JsonObject;
  }

  /** A string field that may be absent; null and non-strings are flagged. */
  optionalString(container: JsonObject, key: string, parent: string | null): string | null {
    const value = container[key];
    if (value === undefined) return null;
    const field = join(parent, key);
    if (value === null) {
      this.warn('null-field', field, `${key} is null`);
      return null;
    }
    return this.coerceString(value, field);
  }

  /**
   * A keyword field (policy-type, result-type): an empty one says no more than a
   * missing one, so both read as null — the breakdowns then count them together.
   */
  optionalKeyword(container: JsonObject, key: string, parent: string | null): string | null {
    const value = this.optionalString(container, key, parent);
    if (value === null) return null;
    if (value.trim() !== '') return value;
    this.warn('null-field', join(parent, key), `${key} is empty`);
    return null;
  }

  coerceString(value: unknown, field: string): string {
    if (typeof value === 'string') return this.bounded(value, field);
    this.warn('wrong-type', field, `expected a string, got ${describe(value)}; converted`);
    if (typeof value !== 'object' || value === null) return String(value);
    // An object where text belongs: keep its JSON, unless it is nested too deep to write out.
    try {
      return this.bounded(JSON.stringify(value), field);
    } catch {
      return Array.isArray(value) ? '[…]' : '{…}';
    }
  }

  private bounded(value: string, field: string): string {
    if (value.length <= MAX_FIELD_CHARS) return value;
    this.warn(
      'field-truncated',
      field,
      `${count(value.length)} characters, cut to ${count(MAX_FIELD_CHARS)} (the raw report keeps it whole)`,
    );
    return value.slice(0, MAX_FIELD_CHARS);
  }

  /** A session count: required, and a non-negative integer, or the report is rejected. */
  count(container: JsonObject, key: string, parent: string): number {
    const value = container[key];
    const field = join(parent, key);
    if (value === undefined) throw new Rejection(field, 'missing');
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new Rejection(field, `must be a non-negative integer, got ${describe(value)}`);
    }
    if (value > MAX_SESSION_COUNT) {
      throw new Rejection(field, `${value} is over the limit of ${count(MAX_SESSION_COUNT)} sessions`);
    }
    return value;
  }

  flagUnknownFields(
    container: JsonObject,
    known: Set<string>,
    parent: string | null,
    handledElsewhere: string[] = [],
  ): void {
    for (const key of Object.keys(container)) {
      if (known.has(key) || handledElsewhere.includes(key)) continue;
      this.warn('unknown-field', join(parent, key), `unknown field "${key}" kept in the raw report`);
    }
  }
}

function join(parent: string | null, key: string): string {
  return parent === null ? key : `${parent}.${key}`;
}

const counter = new Intl.NumberFormat('en-US');

function count(value: number): string {
  return counter.format(value);
}

function clip(value: string, chars: number): string {
  return value.length > chars ? `${value.slice(0, chars)}… (${count(value.length)} characters)` : value;
}

/** A sender's value in a message: quoted, escaped, and cut, so a 20 MiB date-time is not repeated whole. */
function quote(value: string): string {
  return value.length > MAX_QUOTED_CHARS
    ? `${JSON.stringify(value.slice(0, MAX_QUOTED_CHARS))}… (${count(value.length)} characters)`
    : JSON.stringify(value);
}

/**
 * One warning per kind: the same code at the same field of every policy or
 * failure detail (a million policies each missing policy-type) is kept once,
 * with how often it occurred; kinds past {@link MAX_WARNING_KINDS} are counted.
 */
function collapseWarnings(warnings: readonly ReportWarning[]): ReportWarning[] {
  const kinds = new Map<string, ReportWarning>();
  let dropped = 0;
  for (const warning of warnings) {
    const key = `${warning.code} ${warning.field?.replace(/\[\d+\]/g, '[*]') ?? ''}`;
    const kind = kinds.get(key);
    if (kind) kind.count = (kind.count ?? 1) + 1;
    else if (kinds.size < MAX_WARNING_KINDS) kinds.set(key, { ...warning });
    else dropped += 1;
  }
  const collapsed = [...kinds.values()].map((warning) =>
    warning.count === undefined
      ? warning
      : {
          ...warning,
          field: warning.field?.replace(/\[\d+\]/g, '[*]') ?? null,
          message: `${warning.message} (${count(warning.count)} times)`,
        },
  );
  if (dropped > 0) {
    collapsed.push({
      code: 'too-many-warnings',
      field: null,
      message: `${count(dropped)} more warnings of other kinds, not kept (the raw report has every field)`,
      count: dropped,
    });
  }
  return collapsed;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}
