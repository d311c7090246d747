import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseTlsRptReport } from '../../shared/report/parse.js';
import { MAX_FIELD_CHARS } from '../../shared/report/limits.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportDocument, reportJson } from '../helpers/reports.js';
import { importWithPeakRss, writeGzipRepeated } from '../helpers/hostile-files.js';

const tempDir = useTempDir();

describe('what one report may cost', () => {
  it('rejects a nesting bomb and a million policies early, with the limit named, and imports the files beside them', async () => {
    const dir = join(tempDir(), 'in');
    mkdirSync(dir);
    const prefix = reportJson({ reportId: 'deep' }).slice(0, -1);
    // 31 million levels under a vendor key, as found by the attack pass: about 60 KB of gzip.
    await writeGzipRepeated(join(dir, 'deep.json.gz'), `${prefix},"x-vendor":`, '[', 31_000_000, '');
    // …closed, so that it is JSON (not needed to reject it, but a real sender's file would be).
    await writeGzipRepeated(
      join(dir, 'policies.json.gz'),
      reportJson({ reportId: 'many' }).replace(/"policies":\[.*\]\}$/, '"policies":['),
      '{"policy":{},"summary":{"total-successful-session-count":1}}',
      1_000_000,
      ']}',
      ',',
    );
    expect(statSync(join(dir, 'deep.json.gz')).size).toBeLessThan(200 * 1024);
    expect(statSync(join(dir, 'policies.json.gz')).size).toBeLessThan(1024 * 1024);
    writeFileSync(join(dir, 'good.json'), reportJson({ reportId: 'good' }));
    const db = join(tempDir(), 'limits.sqlite');

    const run = importWithPeakRss(db, dir);
    expect(run.stdout).toContain(
      `rejected   ${join(dir, 'deep.json.gz')}: JSON nested deeper than 32 levels: over the limit for one report`,
    );
    expect(run.stdout).toContain(
      `rejected   ${join(dir, 'policies.json.gz')}: more than 250,000 JSON arrays and objects: over the limit for one report`,
    );
    expect(run.stdout).toMatch(/ files: 1 imported, 0 duplicates, \d+ rejected, 0 skipped\n$/);
    expect(run.status).toBe(1);
    // Before: 3.16 GB and 15.7 s for the first, 2.5 GB for the second. Now each costs its 60 MB of text
    // (as bytes and as a string) and the process's own ~100 MB: about 300 MB at the peak, depending on GC.
    expect(run.peak).toBeGreaterThan(0);
    expect(run.peak).toBeLessThan(450 * 1000 * 1000);
    expect(run.ms).toBeLessThan(30_000);

    const stored = new Database(db, { readonly: true });
    try {
      expect(stored.prepare('SELECT report_id FROM reports').pluck().all()).toEqual(['good']);
    } finally {
      stored.close();
    }
  }, 120_000);

  it('names the policy and failure-detail limits when the document itself is small enough', () => {
    const policies = Array.from({ length: 10_001 }, () => ({ policy: {}, summary: {} }));
    const tooMany = parseTlsRptReport(JSON.stringify(reportDocument({ policies })));
    expect(tooMany).toEqual({
      ok: false,
      error: { field: 'policies', message: '10,001 policies, over the limit of 10,000 for one report' },
    });
    const details = Array.from({ length: 50_001 }, () => ({ 'failed-session-count': 1 }));
    const twoHalves = parseTlsRptReport(
      JSON.stringify(reportDocument({ policies: [policyEntry({ details }), policyEntry({ details })] })),
    );
    expect(twoHalves).toEqual({
      ok: false,
      error: {
        field: 'policies[1].failure-details',
        message: 'more than 100,000 failure details in one report, over the limit',
      },
    });
  });

  it('quotes at most 60 characters of a 1,000,000-character date-time in its rejection', () => {
    // Longer strings are refused before parsing (see report-cost.test.ts).
    const date = `2026-01-10T${'9'.repeat(1_000_000)}`;
    const result = parseTlsRptReport(reportJson({ start: date }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.field).toBe('date-range.start-datetime');
    expect(result.error.message).toBe(`not a date-time: "${date.slice(0, 60)}"… (1,000,011 characters)`);
  });

  it('keeps a repeated warning once, with its count, and at most 100 kinds', () => {
    const policies = Array.from({ length: 5000 }, (_, index) => ({
      policy: { [`x-vendor-${index}`]: 1 },
      summary: { 'total-successful-session-count': 1 },
    }));
    const result = parseTlsRptReport(JSON.stringify(reportDocument({ policies })));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // Each policy lacks policy-type, policy-domain and the failure total, and has its own vendor key.
    const byCode = new Map(result.warnings.map((warning) => [`${warning.code} ${warning.field}`, warning]));
    expect(byCode.get('missing-field policies[*].policy.policy-type')?.count).toBe(5000);
    expect(byCode.get('missing-field policies[*].policy.policy-domain')?.message).toBe(
      'no policy-domain (5,000 times)',
    );
    expect(result.warnings.length).toBe(101);
    const last = result.warnings.at(-1);
    expect(last?.code).toBe('too-many-warnings');
    // 5,000 vendor keys, of which 97 kept as their own kind (3 kinds are the missing fields).
    expect(last?.count).toBe(5000 - 97);
  });

  it('cuts long text fields with a warning, and rejects identity fields and counts it cannot hold exactly', () => {
    const long = 'x'.repeat(100_000);
    const document = reportDocument({
      policies: [
        policyEntry({
          failed: 1,
          details: [failureDetail('certificate-expired', 1, { 'additional-information': long })],
        }),
      ],
    });
    const cut = parseTlsRptReport(JSON.stringify(document));
    expect(cut.ok).toBe(true);
    if (!cut.ok) return;
    const detail = cut.report.policies[0]?.failureDetails[0];
    expect(detail?.additionalInformation).toHaveLength(MAX_FIELD_CHARS);
    expect(cut.warnings).toEqual([
      {
        code: 'field-truncated',
        field: 'policies[0].failure-details[0].additional-information',
        message: '100,000 characters, cut to 4,096 (the raw report keeps it whole)',
      },
    ]);

    expect(parseTlsRptReport(reportJson({ reportId: 'r'.repeat(2000) }))).toEqual({
      ok: false,
      error: { field: 'report-id', message: '2,000 characters, over the limit of 1,024' },
    });
    const huge = parseTlsRptReport(
      JSON.stringify(reportDocument({ policies: [policyEntry({ successful: 2 ** 40 })] })),
    );
    expect(huge).toEqual({
      ok: false,
      error: {
        field: 'policies[0].summary.total-successful-session-count',
        message: '1099511627776 is over the limit of 4,294,967,295 sessions',
      },
    });
  });

  it('warns about duplicate keys, which JSON.parse would drop silently', () => {
    const text = reportJson().replace(
      '"total-failure-session-count":0',
      '"total-failure-session-count":5,"total-failure-session-count":0',
    );
    const result = parseTlsRptReport(
      text.replace('"report-id":"report-1"', '"report-id":"a","report\\u002did":"report-1"'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.report.reportId).toBe('report-1');
    expect(result.report.policies[0]?.failedSessions).toBe(0);
    expect(result.warnings.map((warning) => [warning.code, warning.field])).toEqual([
      ['duplicate-key', 'report-id'],
      ['duplicate-key', 'policies[0].summary.total-failure-session-count'],
    ]);
  });
});
