import type { WritableDatabase } from '../../electron/backend/db/database.js';
import { failureDetail, policyEntry, reportJson } from './reports.js';
import { storeReportDocuments } from './store.js';

/*
 * A database with known events, each domain reported daily by Google and
 * Microsoft for the 60 days before 2026-06-30 (the day the checks run "as
 * of"; reports for a day arrive the next day, so the newest is 06-29), its
 * MTA-STS policy `mx: *.<domain>` unless said otherwise:
 *
 *   healthy.example     enforce; 1,000 sessions a day, 1 failure on one day
 *   brokenmx.example    enforce; from 06-26 mx2 fails certificate-expired, 60 sessions a day
 *   sendergone.example  testing; Microsoft's last report is on 06-20 (clean otherwise)
 *   silent.example      enforce; no report after 06-24
 *   testing.example     testing; no failure at all: enforce can be switched on
 *   mismatch.example    testing, policy `mx: mx1.mismatch.example`; from 06-25 mx2 fails
 *                       certificate-host-mismatch, 10 sessions a day: the policy does not cover it
 *   newtype.example     enforce; mx1 failed certificate-expired once on 05-31 and on 06-10, then on
 *                       06-28 starttls-not-supported twice: a new type at a host that failed before
 *   burst.example       testing; on 06-28 Google alone has 400 sessions fail starttls-not-supported at mx1
 *   retired.example     enforce; reported from 05-01 to 05-21 only, longer ago than the 35 days looked at
 */
export const AS_OF = '2026-06-30';

const date = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
export const SENDERS = ['Google Inc.', 'Microsoft Corporation'];

export interface DaySpec {
  successful: number;
  failed: number;
  details: Record<string, unknown>[];
}

/**
 * One report a day from each sender for the `days` days before `asOfDay`,
 * each quoting an MTA-STS policy in `mode` with `mx` patterns; `day` gives a
 * day's counts by its offset before `asOfDay` (null: no report that day).
 */
export function dailyReports(
  asOfDay: number,
  domain: string,
  mode: 'enforce' | 'testing',
  day: (offset: number, sender: string) => DaySpec | null,
  options: { days?: number; mx?: readonly string[] } = {},
): string[] {
  const documents: string[] = [];
  for (let offset = options.days ?? 60; offset >= 1; offset--) {
    for (const sender of SENDERS) {
      const spec = day(offset, sender);
      if (!spec) continue;
      const start = date(asOfDay - offset);
      const policy = policyEntry({ domain, successful: spec.successful, failed: spec.failed, details: spec.details });
      (policy['policy'] as Record<string, unknown>)['policy-string'] = [
        'version: STSv1',
        `mode: ${mode}`,
        ...(options.mx ?? [`*.${domain}`]).map((pattern) => `mx: ${pattern}`),
        'max_age: 604800',
      ];
      documents.push(
        reportJson({
          organization: sender,
          reportId: `${domain}-${sender}-${start}`,
          start: `${start}T00:00:00Z`,
          end: `${start}T23:59:59Z`,
          policies: [policy],
        }),
      );
    }
  }
  return documents;
}

export const clean: DaySpec = { successful: 500, failed: 0, details: [] };

/** A day on which `failed` of a report's 500 sessions failed with `resultType` at `mx`. */
export function failingDay(resultType: string, failed: number, mx: string): DaySpec {
  return {
    successful: 500 - failed,
    failed,
    details: [failureDetail(resultType, failed, { 'receiving-mx-hostname': mx })],
  };
}

/** The scenario's report documents, for the 60 days before `asOfDay` (a UTC day number). */
export function healthScenarioDocuments(asOfDay: number): string[] {
  return [
    ...dailyReports(asOfDay, 'healthy.example', 'enforce', (offset, sender) =>
      offset === 30 && sender === 'Google Inc.' ? failingDay('validation-failure', 1, 'mx1.healthy.example') : clean,
    ),
    ...dailyReports(asOfDay, 'brokenmx.example', 'enforce', (offset) =>
      offset <= 4 ? failingDay('certificate-expired', 30, 'mx2.brokenmx.example') : clean,
    ),
    ...dailyReports(asOfDay, 'sendergone.example', 'testing', (offset, sender) =>
      sender === 'Microsoft Corporation' && offset < 10 ? null : clean,
    ),
    ...dailyReports(asOfDay, 'silent.example', 'enforce', (offset) => (offset < 6 ? null : clean)),
    ...dailyReports(asOfDay, 'testing.example', 'testing', () => clean),
    ...dailyReports(
      asOfDay,
      'mismatch.example',
      'testing',
      (offset) => (offset <= 5 ? failingDay('certificate-host-mismatch', 5, 'mx2.mismatch.example') : clean),
      { mx: ['mx1.mismatch.example'] },
    ),
    ...dailyReports(asOfDay, 'newtype.example', 'enforce', (offset, sender) =>
      sender !== 'Google Inc.'
        ? clean
        : offset === 30 || offset === 20
          ? failingDay('certificate-expired', 1, 'mx1.newtype.example')
          : offset === 2
            ? failingDay('starttls-not-supported', 2, 'mx1.newtype.example')
            : clean,
    ),
    ...dailyReports(asOfDay, 'burst.example', 'testing', (offset, sender) =>
      offset === 2 && sender === 'Google Inc.' ? failingDay('starttls-not-supported', 400, 'mx1.burst.example') : clean,
    ),
    ...dailyReports(asOfDay, 'retired.example', 'enforce', (offset) => (offset >= 40 ? clean : null)),
  ];
}

/** Stores the reports of the scenario above, as of AS_OF. */
export function storeHealthScenario(db: WritableDatabase): void {
  storeReportDocuments(db, healthScenarioDocuments(Date.parse(`${AS_OF}T00:00:00Z`) / 86_400_000));
}
