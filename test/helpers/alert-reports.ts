// Report files for the alert tests: one report a day from one sender for a
// domain under an enforced MTA-STS policy, dated before a chosen day.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failureDetail, policyEntry, reportJson } from './reports.js';

const date = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

/**
 * Writes `days` daily reports before `asOfDay` into `dir`; on the days
 * `failing(offset)` names, `failed` of 500 sessions fail with its result type
 * at its MX host. Returns the paths.
 */
export function writeDailyReports(
  dir: string,
  options: {
    asOfDay: number;
    domain: string;
    sender: string;
    days?: number;
    failing?: (offset: number) => { resultType: string; mx: string; failed: number } | null;
  },
): string[] {
  const paths: string[] = [];
  for (let offset = options.days ?? 14; offset >= 1; offset--) {
    const start = date(options.asOfDay - offset);
    const failure = options.failing?.(offset) ?? null;
    const policy = policyEntry({
      domain: options.domain,
      successful: 500 - (failure?.failed ?? 0),
      failed: failure?.failed ?? 0,
      details: failure
        ? [failureDetail(failure.resultType, failure.failed, { 'receiving-mx-hostname': failure.mx })]
        : [],
    });
    (policy['policy'] as Record<string, unknown>)['policy-string'] = [
      'version: STSv1',
      'mode: enforce',
      `mx: *.${options.domain}`,
      'max_age: 604800',
    ];
    const reportId = `${options.domain}-${options.sender}-${start}`;
    const path = join(dir, `${reportId.replace(/[^a-z0-9.-]/gi, '_')}.json`);
    writeFileSync(
      path,
      reportJson({
        organization: options.sender,
        reportId,
        start: `${start}T00:00:00Z`,
        end: `${start}T23:59:59Z`,
        policies: [policy],
      }),
    );
    paths.push(path);
  }
  return paths;
}
