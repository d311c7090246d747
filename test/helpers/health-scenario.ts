import type { WritableDatabase } from '../../electron/backend/db/database.js';
import { failureDetail, policyEntry, reportJson } from './reports.js';
import { storeReportDocuments } from './store.js';

/*
 * A database with known events, each domain reported daily by Google and
 * Microsoft for the 60 days before 2026-06-30 (the day the checks run "as
 * of"; reports for a day arrive the next day, so the newest is 06-29):
 *
 *   healthy.example   enforce; 1,000 sessions a day, 1 failure on one day
 *   brokenmx.example  enforce; from 06-26 mx2 fails certificate-expired, 60 sessions a day
 *   sendergone.example  testing; Microsoft's last report is on 06-20 (clean otherwise)
 *   silent.example    enforce; no report after 06-24
 *   testing.example   testing; no failure at all: enforce can be switched on
 */
export const AS_OF = '2026-06-30';

const date = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
export const SENDERS = ['Google Inc.', 'Microsoft Corporation'];

interface DaySpec {
  successful: number;
  failed: number;
  details: Record<string, unknown>[];
}

function reportsFor(
  asOfDay: number,
  domain: string,
  mode: 'enforce' | 'testing',
  day: (offset: number, sender: string) => DaySpec | null,
): string[] {
  const documents: string[] = [];
  for (let offset = 60; offset >= 1; offset--) {
    for (const sender of SENDERS) {
      const spec = day(offset, sender);
      if (!spec) continue;
      const start = date(asOfDay - offset);
      const policy = policyEntry({ domain, successful: spec.successful, failed: spec.failed, details: spec.details });
      (policy['policy'] as Record<string, unknown>)['policy-string'] = [
        'version: STSv1',
        `mode: ${mode}`,
        `mx: *.${domain}`,
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

const clean: DaySpec = { successful: 500, failed: 0, details: [] };

/** The scenario's report documents, for the 60 days before `asOfDay` (a UTC day number). */
export function healthScenarioDocuments(asOfDay: number): string[] {
  return [
    ...reportsFor(asOfDay, 'healthy.example', 'enforce', (offset, sender) =>
      offset === 30 && sender === 'Google Inc.'
        ? {
            successful: 499,
            failed: 1,
            details: [failureDetail('validation-failure', 1, { 'receiving-mx-hostname': 'mx1.healthy.example' })],
          }
        : clean,
    ),
    ...reportsFor(asOfDay, 'brokenmx.example', 'enforce', (offset) =>
      offset <= 4
        ? {
            successful: 470,
            failed: 30,
            details: [failureDetail('certificate-expired', 30, { 'receiving-mx-hostname': 'mx2.brokenmx.example' })],
          }
        : clean,
    ),
    ...reportsFor(asOfDay, 'sendergone.example', 'testing', (offset, sender) =>
      sender === 'Microsoft Corporation' && offset < 10 ? null : clean,
    ),
    ...reportsFor(asOfDay, 'silent.example', 'enforce', (offset) => (offset < 6 ? null : clean)),
    ...reportsFor(asOfDay, 'testing.example', 'testing', () => clean),
  ];
}

/** Stores the reports of the scenario above, as of AS_OF. */
export function storeHealthScenario(db: WritableDatabase): void {
  storeReportDocuments(db, healthScenarioDocuments(Date.parse(`${AS_OF}T00:00:00Z`) / 86_400_000));
}
