// Prometheus metrics: `serve --metrics` and `sync --poll --metrics-port`
// scraped over HTTP from real processes, parsed with a Prometheus text-format
// parser, and checked against SQL over the report rows themselves (the
// metrics read the rollups); label sets bounded with 10,000 domains.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/backend/db/database.js';
import { DomainHealthService, todayUtcDay } from '../../electron/backend/health/domain-health.js';
import { OTHER, TlsRptMetrics } from '../../electron/backend/metrics/tlsrpt-metrics.js';
import { cliPath } from '../helpers/cli.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { httpRequest, startServe, stopServe } from '../helpers/http-client.js';
import { freePort } from '../helpers/net.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { healthScenarioDocuments } from '../helpers/health-scenario.js';
import { storeReportDocuments } from '../helpers/store.js';

const tempDir = useTempDir();

type Families = ReturnType<typeof parsePrometheusTextFormat>;

/** The samples of one metric as [labels, value] pairs. */
function samples(families: Families, name: string): [Record<string, string>, number][] {
  const family = families.find((entry) => entry.name === name);
  return (family?.metrics ?? []).map((sample) => [sample.labels ?? {}, Number(sample.value)]);
}

function valueOf(families: Families, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(families, name).find(([have]) =>
    Object.entries(labels).every(([key, value]) => have[key] === value),
  )?.[1];
}

function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

describe('serve --metrics', () => {
  it('answers the stored numbers as SQL over the report rows counts them, and times HTTPS imports', async () => {
    const dir = tempDir();
    const file = join(dir, 'm.sqlite');
    const db = openDatabase(file);
    const today = todayUtcDay();
    const day = (ago: number): { start: string; end: string } => ({
      start: `${isoDay(today - ago)}T00:00:00Z`,
      end: `${isoDay(today - ago)}T23:59:59Z`,
    });
    storeReportDocuments(db, [
      reportJson({
        organization: 'Google Inc.',
        reportId: 'g1',
        ...day(1),
        policies: [
          policyEntry({
            domain: 'shop.example',
            successful: 100,
            failed: 5,
            details: [failureDetail('starttls-not-supported', 3), failureDetail('certificate-expired', 2)],
          }),
          policyEntry({ domain: 'blog.example', successful: 7, failed: 0 }),
        ],
      }),
      reportJson({
        organization: 'Microsoft Corporation',
        reportId: 'm1',
        ...day(2),
        policies: [
          policyEntry({ domain: 'shop.example', successful: 50, failed: 0 }),
          // Failed without details: counted as "(no details)".
          policyEntry({ domain: 'mail.example', successful: 10, failed: 4 }),
        ],
      }),
      reportJson({
        organization: 'Google Inc.',
        reportId: 'g2',
        ...day(9),
        policies: [
          policyEntry({
            domain: 'mail.example',
            successful: 3,
            failed: 2,
            details: [failureDetail('validation-failure', 2)],
          }),
        ],
      }),
    ]);
    // Domains reported daily up to today, with known problems (a failing MX host, a silent domain, …).
    storeReportDocuments(db, healthScenarioDocuments(today));
    const findings = new DomainHealthService(db).findings(today).findings;
    const sql = {
      reports: db.prepare('SELECT count(*) FROM reports').pluck().get() as number,
      sessions: db
        .prepare(
          `SELECT policy_domain AS domain, sum(successful_sessions) AS successful, sum(failed_sessions) AS failed,
                  max(start_time) AS last
             FROM policies WHERE counted = 1 GROUP BY policy_domain`,
        )
        .all() as { domain: string; successful: number; failed: number; last: number }[],
      details: db
        .prepare(
          `SELECT policy_domain AS domain, result_type AS resultType, sum(failed_sessions) AS failed
             FROM failure_details GROUP BY policy_domain, result_type`,
        )
        .all() as { domain: string; resultType: string; failed: number }[],
    };
    db.close();

    const serve = await startServe(['--db', file, '--metrics', '--receive', '/tlsrpt']);
    try {
      const scrape = async (): Promise<Families> => {
        const answer = await httpRequest(`${serve.url}metrics`);
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toContain('text/plain; version=0.0.4');
        return parsePrometheusTextFormat(answer.text);
      };
      const families = await scrape();
      expect(valueOf(families, 'tlsrpt_reports_stored')).toBe(sql.reports);
      expect(valueOf(families, 'tlsrpt_policy_domains')).toBe(sql.sessions.length);
      for (const row of sql.sessions) {
        const labels = { policy_domain: row.domain };
        expect(valueOf(families, 'tlsrpt_sessions', { ...labels, outcome: 'successful' })).toBe(row.successful);
        expect(valueOf(families, 'tlsrpt_sessions', { ...labels, outcome: 'failed' })).toBe(row.failed);
        expect(valueOf(families, 'tlsrpt_last_report_timestamp_seconds', labels)).toBe(row.last);
      }
      for (const row of sql.details) {
        expect(
          valueOf(families, 'tlsrpt_failed_sessions', { policy_domain: row.domain, result_type: row.resultType }),
        ).toBe(row.failed);
      }
      expect(
        valueOf(families, 'tlsrpt_failed_sessions', { policy_domain: 'mail.example', result_type: '(no details)' }),
      ).toBe(4);
      expect(valueOf(families, 'tlsrpt_newest_report_timestamp_seconds')).toBe(
        Math.max(...sql.sessions.map((row) => row.last)),
      );
      // The findings as `tlsrpt check` judges them, counted by severity and code.
      expect(findings.some((finding) => finding.severity === 'error' && finding.code === 'mx-failing')).toBe(true);
      for (const finding of findings) {
        const count = findings.filter(
          (other) => other.severity === finding.severity && other.code === finding.code,
        ).length;
        expect(valueOf(families, 'tlsrpt_findings', { severity: finding.severity, code: finding.code })).toBe(count);
      }
      const totalFindings = samples(families, 'tlsrpt_findings').reduce((sum, [, value]) => sum + value, 0);
      expect(totalFindings).toBe(findings.length);

      // A report received over HTTPS is in the next scrape, and its import time in the histogram.
      const posted = await httpRequest(`${serve.url}tlsrpt`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/tlsrpt+gzip' },
        body: readFileSync(join(corpusReports, 'mail-tls-rpt__report.json.gz')),
      });
      expect(posted.status).toBe(201);
      const text = (await httpRequest(`${serve.url}metrics`)).text;
      expect(valueOf(parsePrometheusTextFormat(text), 'tlsrpt_reports_stored')).toBe(sql.reports + 1);
      // parse-prometheus-text-format 1.1 folds a histogram's labelled series into one and drops their
      // labels, count and sum: the histogram's lines are read as the exposition format writes them.
      expect(text).toContain('# TYPE tlsrpt_import_duration_seconds histogram');
      expect(text).toMatch(/^tlsrpt_import_duration_seconds_count\{source="https"\} 1$/m);
      expect(text).toMatch(/^tlsrpt_import_duration_seconds_bucket\{le="\+Inf",source="https"\} 1$/m);
      expect(Number(/^tlsrpt_import_duration_seconds_sum\{source="https"\} (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(
        0,
      );
    } finally {
      expect(await stopServe(serve.child)).toBe(0);
    }
  });

  it('bounds every label set at 10,000 domains: the busiest 50 by name, the rest as one', () => {
    const db = openDatabase(join(tempDir(), 'big.sqlite'));
    const DOMAINS = 10_000;
    // 30 result types, more than are named: the rarest are summed too.
    const types = Array.from({ length: 30 }, (_, index) => `type-${String(index).padStart(2, '0')}`);
    const documents: string[] = [];
    for (let index = 0; index < DOMAINS; index += 1) {
      const failed = index % 7;
      documents.push(
        reportJson({
          reportId: `r${index}`,
          policies: [
            policyEntry({
              domain: `d${index}.example`,
              successful: index,
              failed,
              details: failed === 0 ? [] : [failureDetail(types[index % types.length] ?? 'x', failed)],
            }),
          ],
        }),
      );
    }
    for (let at = 0; at < documents.length; at += 2000) storeReportDocuments(db, documents.slice(at, at + 2000));
    const metrics = new TlsRptMetrics({ db, health: new DomainHealthService(db) });
    return metrics.render().then(({ body }) => {
      const families = parsePrometheusTextFormat(body);
      const sessions = samples(families, 'tlsrpt_sessions');
      const domains = new Set(sessions.map(([labels]) => labels['policy_domain']));
      expect(domains.size).toBe(51);
      expect(domains.has(OTHER)).toBe(true);
      // The named ones are the busiest by sessions (d9999 down to d9950).
      const busiest = db
        .prepare(
          'SELECT policy_domain FROM policies GROUP BY policy_domain ORDER BY sum(successful_sessions + failed_sessions) DESC, policy_domain LIMIT 50',
        )
        .pluck()
        .all() as string[];
      expect([...domains].filter((domain) => domain !== OTHER).sort()).toEqual([...busiest].sort());
      // Nothing is lost: the named and "(other)" add up to every session.
      const total = db
        .prepare('SELECT sum(successful_sessions) AS successful, sum(failed_sessions) AS failed FROM policies')
        .get() as { successful: number; failed: number };
      const sum = (outcome: string): number =>
        sessions.filter(([labels]) => labels['outcome'] === outcome).reduce((acc, [, value]) => acc + value, 0);
      expect(sum('successful')).toBe(total.successful);
      expect(sum('failed')).toBe(total.failed);
      expect(valueOf(families, 'tlsrpt_policy_domains')).toBe(DOMAINS);
      const failed = samples(families, 'tlsrpt_failed_sessions');
      expect(new Set(failed.map(([labels]) => labels['policy_domain'])).size).toBeLessThanOrEqual(51);
      expect(new Set(failed.map(([labels]) => labels['result_type'])).size).toBe(21);
      const detailTotal = db.prepare('SELECT sum(failed_sessions) FROM failure_details').pluck().get() as number;
      expect(failed.reduce((acc, [, value]) => acc + value, 0)).toBe(detailTotal);
      expect(samples(families, 'tlsrpt_last_report_timestamp_seconds').length).toBe(51);
      expect(samples(families, 'tlsrpt_domain_findings').length).toBeLessThanOrEqual(51 * 3);
      // Every series of the app's metrics together: bounded whatever the number of domains.
      const series = families
        .filter((family) => family.name.startsWith('tlsrpt_'))
        .reduce((acc, family) => acc + family.metrics.length, 0);
      expect(series).toBeLessThan(51 * 2 + 51 * 21 + 51 + 51 * 3 + 100);
      db.close();
    });
  });
});

describe('sync --poll --metrics-port', () => {
  it('counts sync runs and errors per mailbox, scraped from its own listener', async () => {
    const dir = tempDir();
    // Nothing listens on this port: every connection is refused, and each try is a failed run.
    const imapPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'sync',
        '--db',
        join(dir, 's.sqlite'),
        '--host',
        '127.0.0.1',
        '--port',
        String(imapPort),
        '--security',
        'plain',
        '--user',
        'reports',
        '--password-env',
        'TEST_IMAP_PASSWORD',
        '--metrics-port',
        '0',
      ],
      { env: { ...process.env, TLSRPT_DB: '', TEST_IMAP_PASSWORD: 'pw' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const found = /metrics at (http:\/\/\S+)/.exec(stdout)?.[1];
          if (found) resolve(found);
        });
        child.on('exit', (code) => reject(new Error(`sync exited with ${code}`)));
      });
      const mailbox = `reports@127.0.0.1:${imapPort}/INBOX`;
      // The first try fails at once; the scrape waits for it, a bounded number of times.
      let errors: number | undefined;
      for (let attempt = 0; attempt < 100 && !(errors !== undefined && errors >= 1); attempt += 1) {
        const answer = await httpRequest(url);
        expect(answer.status).toBe(200);
        errors = valueOf(parsePrometheusTextFormat(answer.text), 'tlsrpt_sync_errors_total', { mailbox });
        if (errors === undefined || errors < 1) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(errors).toBeGreaterThanOrEqual(1);
      const other = await httpRequest(url.replace('/metrics', '/'));
      expect(other.status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
