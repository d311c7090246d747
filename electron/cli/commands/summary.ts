import { normalizeDomainName } from '../../../shared/report/host-names.js';
import { existsSync } from 'node:fs';
import { formatUtcDate, parseReportDateTime } from '../../../shared/report/datetime.js';
import type { ReportFilter, Summary } from '../../../shared/summary/types.js';
import { NO_FAILURE_DETAILS } from '../../../shared/summary/types.js';
import { openDatabaseToRead } from '../../backend/db/database.js';
import { summarize } from '../../backend/db/summary-queries.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { formatCount, formatRate, formatTable } from '../text.js';
import { EXIT_OK, UsageError, parseCommandArgs, stringOption, type OptionValues } from '../usage.js';

const DAY = 86_400;

/**
 * `--from` and `--to` take a UTC date (both days included) or a full
 * date-time; reports are placed by the start of their period.
 */
export function parseFilterArgs(values: OptionValues): ReportFilter {
  const time = (name: 'from' | 'to'): number | null => {
    const text = stringOption(values, name);
    if (text === undefined) return null;
    const parsed = parseReportDateTime(text);
    if (parsed === null) throw new UsageError(`--${name} takes a date like 2026-01-31, got "${text}"`);
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text.trim());
    return name === 'to' && dateOnly ? parsed.epochSeconds + DAY : parsed.epochSeconds;
  };
  const fromTime = time('from');
  const toTime = time('to');
  if (fromTime !== null && toTime !== null && toTime <= fromTime) throw new UsageError('--to is before --from');
  const domain = stringOption(values, 'domain');
  return {
    fromTime,
    toTime,
    policyDomain: domain === undefined ? null : normalizeDomainName(domain),
  };
}

export function runSummary(args: string[], out: NodeJS.WritableStream): number {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    domain: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const filter = parseFilterArgs(values);
  const path = resolveDatabasePath(stringOption(values, 'db'));
  if (!existsSync(path)) throw new UsageError(`no database at ${path}; import reports first with "tlsrpt import"`);

  const db = openDatabaseToRead(path);
  try {
    const summary = summarize(db, filter);
    out.write(values.json === true ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    return EXIT_OK;
  } finally {
    db.close();
  }
}

function formatSummary(summary: Summary): string {
  const sections: string[] = [
    `${formatCount(summary.reports)} reports from ${formatCount(summary.senders)} senders: ` +
      `${formatCount(summary.successfulSessions)} successful and ${formatCount(summary.failedSessions)} failed sessions ` +
      `(failure rate ${formatRate(summary.failureRate)})`,
  ];
  if (summary.reports === 0) return `${sections[0]}\n`;

  sections.push(
    'By sender\n' +
      formatTable(
        [
          { header: 'Organization' },
          { header: 'Reports', align: 'right' },
          { header: 'Successful', align: 'right' },
          { header: 'Failed', align: 'right' },
          { header: 'Failure rate', align: 'right' },
          { header: 'Last report' },
        ],
        summary.bySender.map((row) => [
          row.organization,
          formatCount(row.reports),
          formatCount(row.successfulSessions),
          formatCount(row.failedSessions),
          formatRate(row.failureRate),
          formatUtcDate(row.lastReportTime),
        ]),
      ),
  );
  if (summary.failedSessions > 0 || summary.byMx.length > 0) {
    // The rows that no failure detail explains, so that each breakdown adds up to the failed sessions.
    const withoutDetails =
      summary.failedWithoutDetails > 0 ? [[NO_FAILURE_DETAILS, formatCount(summary.failedWithoutDetails), '']] : [];
    const beyond =
      summary.detailsBeyondTotal > 0
        ? `\n  Failure details name ${formatCount(summary.detailsBeyondTotal)} failed sessions more than the senders' totals.`
        : '';
    sections.push(
      'Failures by MX host\n' +
        formatTable(
          [{ header: 'MX host' }, { header: 'Failed', align: 'right' }, { header: 'Result types' }],
          [
            ...summary.byMx.map((row) => [
              row.mx ?? '(not named)',
              formatCount(row.failedSessions),
              Object.entries(row.byResultType)
                .sort((a, b) => b[1] - a[1])
                .map(([type, count]) => `${type} ${formatCount(count)}`)
                .join(', '),
            ]),
            ...withoutDetails,
          ],
        ) +
        beyond,
    );
    sections.push(
      'Failures by result type\n' +
        formatTable(
          [{ header: 'Result type' }, { header: 'Failed', align: 'right' }],
          [
            ...Object.entries(summary.byResultType).map(([type, count]) => [type, formatCount(count)]),
            ...withoutDetails.map((row) => row.slice(0, 2)),
          ],
        ) +
        beyond,
    );
  }
  sections.push(
    'By policy domain\n' +
      formatTable(
        [
          { header: 'Policy domain' },
          { header: 'Successful', align: 'right' },
          { header: 'Failed', align: 'right' },
          { header: 'Failure rate', align: 'right' },
        ],
        summary.byDomain.map((row) => [
          row.domain ?? '(not named)',
          formatCount(row.successfulSessions),
          formatCount(row.failedSessions),
          formatRate(row.failureRate),
        ]),
      ),
  );
  return `${sections.join('\n\n')}\n`;
}
