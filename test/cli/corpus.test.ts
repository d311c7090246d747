import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../shared/summary/types.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { parseJsonOutput, runCli } from '../helpers/cli.js';

const tempDir = useTempDir();

interface ImportJson {
  imported: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  files: { file: string; status: string; message: string }[];
}

interface Totals {
  organization: string;
  successful: number;
  failed: number;
}

/**
 * Sums the corpus without any of the app's code: plain JSON.parse over the
 * .json and .json.gz files (the corpus's extracted/ folder holds every
 * e-mail's attachment), one entry per (organization-name, report-id).
 */
function independentTotals(): { byKey: Map<string, Totals>; conflicts: string[] } {
  const byKey = new Map<string, Totals>();
  const conflicts: string[] = [];
  const visit = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        visit(path);
        continue;
      }
      if (!/\.json(\.gz)?$/.test(entry.name)) continue;
      const bytes = readFileSync(path);
      const document = JSON.parse((entry.name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as {
        'organization-name': string;
        'report-id': string;
        policies: {
          policy: { 'policy-domain'?: string };
          summary: { 'total-successful-session-count': number; 'total-failure-session-count'?: number };
          'failure-details'?: { 'failed-session-count': number }[];
        }[];
      };
      const totals: Totals = { organization: document['organization-name'], successful: 0, failed: 0 };
      // Within a report, the policies for one domain describe the same sessions (Microsoft lists
      // tlsa and sts alike): the domain counts those of the policy that saw the most, once.
      const byDomain = new Map<string, { successful: number; failed: number }>();
      document.policies.forEach((policy, index) => {
        const successful = policy.summary['total-successful-session-count'];
        const failed =
          policy.summary['total-failure-session-count'] ??
          (policy['failure-details'] ?? []).reduce((sum, detail) => sum + detail['failed-session-count'], 0);
        const domain = policy.policy['policy-domain']?.toLowerCase() ?? `no domain ${index}`;
        const best = byDomain.get(domain);
        const total = successful + failed;
        if (
          !best ||
          total > best.successful + best.failed ||
          (total === best.successful + best.failed && failed > best.failed)
        ) {
          byDomain.set(domain, { successful, failed });
        }
      });
      for (const counted of byDomain.values()) {
        totals.successful += counted.successful;
        totals.failed += counted.failed;
      }
      const key = `${document['organization-name']}\u0000${document['report-id']}`;
      const seen = byKey.get(key);
      // The importer keeps the first copy it meets, walking folders in name order; so does this sum.
      if (!seen) byKey.set(key, totals);
      else if (seen.successful !== totals.successful || seen.failed !== totals.failed) conflicts.push(path);
    }
  };
  visit(corpusReports);
  return { byKey, conflicts };
}

it('the corpus holds one report id with two different contents, and the sum keeps the first', () => {
  // Neztore's hand-edited .json and the real .json.gz share a report-id; the .json sorts first.
  expect(independentTotals().conflicts).toEqual([
    join(corpusReports, 'neztore-tls-rpt-monitor__microsoft-report.json.gz'),
  ]);
});

describe('the whole corpus through the command line', () => {
  it('imports every file without a crash, then a re-import changes nothing', () => {
    const db = join(tempDir(), 'corpus.sqlite');
    const first = runCli(['import', '--db', db, '--json', corpusReports]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const result = parseJsonOutput<ImportJson>(first);
    const expected = independentTotals().byKey;
    expect(result.rejected).toBe(0);
    expect(result.imported).toBe(expected.size);
    // The only file that is not a report: the corpus keeps one gzip as base64 text.
    expect(result.files.filter((file) => file.status === 'skipped').map((file) => file.file)).toEqual([
      join(corpusReports, 'mail-tls-rpt__report.json.gz.b64'),
    ]);
    // Every .eml holds a report that also exists as a file: recognised across formats.
    const emails = result.files.filter((file) => file.file.endsWith('.eml'));
    expect(emails).toHaveLength(11);
    expect(emails.filter((file) => file.status !== 'imported' && file.status !== 'duplicate')).toEqual([]);
    expect(result.imported + result.duplicates).toBe(result.files.length - result.skipped);

    const again = parseJsonOutput<ImportJson>(runCli(['import', '--db', db, '--json', corpusReports]));
    expect(again).toMatchObject({ imported: 0, rejected: 0, duplicates: result.imported + result.duplicates });
  });

  it('summary --json totals equal an independent sum over the distinct reports', () => {
    const db = join(tempDir(), 'corpus.sqlite');
    expect(runCli(['import', '--db', db, corpusReports]).status).toBe(0);
    const summary = parseJsonOutput<Summary>(runCli(['summary', '--db', db, '--json']));
    const expected = [...independentTotals().byKey.values()];

    expect(summary.reports).toBe(expected.length);
    expect(summary.successfulSessions).toBe(expected.reduce((sum, totals) => sum + totals.successful, 0));
    expect(summary.failedSessions).toBe(expected.reduce((sum, totals) => sum + totals.failed, 0));

    const bySender = new Map<string, { reports: number; successfulSessions: number; failedSessions: number }>();
    for (const totals of expected) {
      const row = bySender.get(totals.organization) ?? { reports: 0, successfulSessions: 0, failedSessions: 0 };
      row.reports += 1;
      row.successfulSessions += totals.successful;
      row.failedSessions += totals.failed;
      bySender.set(totals.organization, row);
    }
    expect(
      Object.fromEntries(
        summary.bySender.map(({ organization, reports, successfulSessions, failedSessions }) => [
          organization,
          { reports, successfulSessions, failedSessions },
        ]),
      ),
    ).toEqual(Object.fromEntries(bySender));
    // The senders the corpus was collected for are all there.
    expect([...bySender.keys()]).toEqual(
      expect.arrayContaining(['Google Inc.', 'Microsoft Corporation', 'Mail.ru', 'Company-X']),
    );
  });
});

describe('counts that reconcile on the corpus', () => {
  it('every breakdown plus the failed sessions without details, less the details beyond, is the failed sessions', () => {
    const db = join(tempDir(), 'corpus.sqlite');
    expect(runCli(['import', '--db', db, corpusReports]).status).toBe(0);
    const summary = parseJsonOutput<Summary>(runCli(['summary', '--db', db, '--json']));
    const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
    // Mail.ru names 2 failed sessions in details for a total of 1; several senders give totals without details.
    expect(summary).toMatchObject({ failedSessions: 720, failedWithoutDetails: 102, detailsBeyondTotal: 2 });
    const adjust = summary.failedWithoutDetails - summary.detailsBeyondTotal;
    expect(sum(Object.values(summary.byResultType)) + adjust).toBe(summary.failedSessions);
    expect(sum(summary.byMx.map((host) => host.failedSessions)) + adjust).toBe(summary.failedSessions);
    expect(sum(summary.bySender.map((sender) => sender.failedSessions))).toBe(summary.failedSessions);
    // In words too, with the rows that make the sums meet.
    const text = runCli(['summary', '--db', db]).stdout;
    expect(text).toMatch(/\(no failure details\) +102/);
    expect(text).toContain("Failure details name 2 failed sessions more than the senders' totals.");
  });

  it('counts once the sessions Microsoft lists under both its tlsa and its sts policy', () => {
    const db = join(tempDir(), 'microsoft.sqlite');
    const file = join(corpusReports, 'dmarc-report-viewer__microsoft.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as {
      policies: { policy: { 'policy-type': string; 'policy-domain': string }; summary: Record<string, number> }[];
    };
    // The report as sent: two policies for random.net with the same two sessions.
    expect(raw.policies.map((policy) => [policy.policy['policy-type'], policy.policy['policy-domain']])).toEqual([
      ['sts', 'random.net'],
      ['tlsa', 'random.net'],
    ]);
    expect(runCli(['import', '--db', db, file]).status).toBe(0);
    const summary = parseJsonOutput<Summary>(runCli(['summary', '--db', db, '--json']));
    expect(summary).toMatchObject({ successfulSessions: 2, failedSessions: 0 });
    expect(summary.byDomain).toEqual([
      { domain: 'random.net', successfulSessions: 2, failedSessions: 0, failureRate: 0 },
    ]);
  });
});
