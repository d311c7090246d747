import { normalizeDomainName } from '../../../shared/report/host-names.js';
import { existsSync } from 'node:fs';
import type { DomainHealth } from '../../../shared/health/assess-domain.js';
import { isUtcDate } from '../../../shared/report/datetime.js';
import { openDatabaseToRead } from '../../backend/db/database.js';
import { describeSqliteFailure } from '../../backend/db/database-problems.js';
import {
  DomainHealthService,
  dayOfDate,
  todayUtcDay,
  type FindingsResult,
} from '../../backend/health/domain-health.js';
import { asOfProblem } from '../../../shared/health/as-of.js';
import { resolveDatabasePath } from '../../backend/paths.js';
import { printable } from '../text.js';
import { UsageError, parseCommandArgs, stringOption } from '../usage.js';
import { checkUsage } from '../command-usage.js';

/**
 * Exit statuses as monitoring plugins have them (Nagios, Icinga, Zabbix's
 * external checks): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. A usage error is
 * UNKNOWN here, not 2 as in the other commands, so that a typo in a cron job
 * or a check definition never reads as "mail is failing".
 */
const EXIT = { ok: 0, warning: 1, error: 2, unknown: 3 } as const;

/** Prints the findings as of today (UTC) or `--as-of`, worst first; the exit status is the worst severity. */
export function runCheck(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  let values;
  try {
    ({ values } = parseArguments(args));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`tlsrpt check: ${error.message}\n\nUsage: ${checkUsage}\n`);
    return EXIT.unknown;
  }
  const path = resolveDatabasePath(values.db);
  if (!existsSync(path)) {
    err.write(`tlsrpt check: no database at ${path}; import reports first with "tlsrpt import"\n`);
    return EXIT.unknown;
  }
  let db;
  try {
    db = openDatabaseToRead(path);
  } catch (error) {
    // A database from a newer release, a damaged file: the check cannot say anything about mail.
    err.write(`tlsrpt check: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.unknown;
  }
  try {
    const asOfDay = values.asOf === undefined ? todayUtcDay() : dayOfDate(values.asOf);
    const health = new DomainHealthService(db);
    const result = health.findings(asOfDay, values.domain);
    const domains = health
      .view(asOfDay)
      .domains.filter((entry) => values.domain === undefined || entry.domain === values.domain);
    if (values.domain !== undefined && domains.length === 0) {
      err.write(`tlsrpt check: no report names the policy domain ${printable(values.domain)}\n`);
      return EXIT.unknown;
    }
    if (values.json) {
      out.write(
        `${JSON.stringify({ status: result.status, asOf: result.asOf, judgedAsOf: result.judgedAsOf, findings: result.findings, domains: domains.map(domainFigures) })}\n`,
      );
    } else {
      out.write(formatFindings(result));
    }
    return EXIT[result.status];
  } catch (error) {
    // A page damaged past the open's check, a file locked by another process: SQLite fails in the middle of the
    // queries. A monitoring system must read that as UNKNOWN, never as a state of mail (main's 4 is neither).
    const problem = describeSqliteFailure(error, path);
    if (problem === null) throw error;
    err.write(`tlsrpt check: ${problem.message}\n`);
    return EXIT.unknown;
  } finally {
    db.close();
  }
}

/**
 * Each domain's verdict and recent sessions, for a monitoring system's
 * performance data; sessions counted once where a sender lists them under
 * two policies (shared/summary/session-counting.ts).
 */
function domainFigures(health: DomainHealth): {
  domain: string;
  verdict: DomainHealth['verdict'];
  reason: string;
  recentFrom: string;
  recentTo: string;
  successfulSessions: number;
  failedSessions: number;
} {
  return {
    domain: health.domain,
    verdict: health.verdict,
    reason: health.reason,
    recentFrom: health.recentFrom,
    recentTo: health.recentTo,
    successfulSessions: health.recentSuccessful,
    failedSessions: health.recentFailed,
  };
}

function parseArguments(args: string[]): {
  values: { db: string | undefined; domain: string | undefined; asOf: string | undefined; json: boolean };
} {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    domain: { type: 'string' },
    'as-of': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const asOf = stringOption(values, 'as-of');
  if (asOf !== undefined && !isUtcDate(asOf)) {
    throw new UsageError(`--as-of takes a UTC date like 2026-01-31, got "${asOf}"`);
  }
  const problem = asOf === undefined ? null : asOfProblem(asOf);
  if (problem !== null) throw new UsageError(`--as-of: ${problem}`);
  const domain = stringOption(values, 'domain');
  return {
    values: {
      db: stringOption(values, 'db'),
      domain: domain === undefined ? undefined : normalizeDomainName(domain),
      asOf,
      json: values.json === true,
    },
  };
}

function formatFindings({ asOf, judgedAsOf, status, findings }: FindingsResult): string {
  const lines = [
    `${status.toUpperCase()}: ${findings.length === 0 ? 'no findings' : `${findings.length} finding${findings.length === 1 ? '' : 's'}`} as of ${asOf}` +
      (judgedAsOf === asOf ? '' : ` (the domains as of ${judgedAsOf}, the last report)`),
  ];
  for (const finding of findings) {
    const where = [finding.domain ?? 'every domain', finding.mx, finding.organization, finding.resultType].filter(
      (part): part is string => part !== null,
    );
    const when =
      finding.firstSeen === null
        ? ''
        : finding.firstSeen === finding.lastSeen
          ? ` (${finding.firstSeen})`
          : ` (${finding.firstSeen} to ${finding.lastSeen})`;
    lines.push(
      '',
      printable(`${finding.severity.toUpperCase()} ${finding.code}: ${where.join(' · ')}${when}`),
      printable(`  ${finding.message}`),
      printable(`  Fix: ${finding.fix}`),
      ...(finding.policyLint?.lint ?? []).map((lint) =>
        printable(`  Policy lint: ${lint.severity} ${lint.code}: ${lint.message} (${lint.rfc})`),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
