import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../shared/summary/types.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { parseJsonOutput, runCli } from '../helpers/cli.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();

function folderWith(files: Record<string, string | Uint8Array>): string {
  const dir = join(tempDir(), 'in');
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe('tlsrpt import', () => {
  it('prints the files that need a look and a total, and exits 1 when something was rejected', () => {
    const dir = folderWith({
      'a.json': reportJson({ reportId: 'a' }),
      'b.json.gz': gzipSync(reportJson({ reportId: 'b' })),
      'c.json': '{ broken',
      'd.txt': 'not a report',
      // Imported with a warning: its period ends before it starts.
      'e.json': reportJson({ reportId: 'e', start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }),
    });
    const db = join(tempDir(), 'x.sqlite');
    const result = runCli(['import', '--db', db, dir]);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^rejected   ${join(dir, 'c.json')}: not JSON: `)),
      expect.stringMatching(
        new RegExp(`^imported   ${join(dir, 'e.json')}: report e from Sender Inc. \\(1 warning\\)$`),
      ),
      '5 files: 3 imported, 0 duplicates, 1 rejected, 1 skipped',
      '',
    ]);
    // Again: every report is a duplicate of the same content, nothing to look at but the broken file.
    const again = runCli(['import', '--db', db, dir]);
    expect(again.stdout.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^rejected   ${join(dir, 'c.json')}: not JSON: `)),
      '5 files: 0 imported, 3 duplicates, 1 rejected, 1 skipped',
      '',
    ]);
  });

  it('prints one line per file with --verbose', () => {
    const dir = folderWith({
      'a.json': reportJson({ reportId: 'a' }),
      'b.json.gz': gzipSync(reportJson({ reportId: 'b' })),
      'c.json': '{ broken',
      'd.txt': 'not a report',
    });
    const db = join(tempDir(), 'x.sqlite');
    const result = runCli(['import', '--verbose', '--db', db, dir]);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      `imported   ${join(dir, 'a.json')}: report a from Sender Inc.`,
      `imported   ${join(dir, 'b.json.gz')}: report b from Sender Inc.`,
      expect.stringMatching(new RegExp(`^rejected   ${join(dir, 'c.json')}: not JSON: `)),
      `skipped    ${join(dir, 'd.txt')}: not a TLS-RPT report (.json, .json.gz) or a report e-mail (.eml)`,
      '4 files: 2 imported, 0 duplicates, 1 rejected, 1 skipped',
      '',
    ]);
  });

  it('prints one JSON object with --json, and exits 0 when nothing was rejected', () => {
    const dir = folderWith({ 'a.json': reportJson({ reportId: 'a' }) });
    const db = join(tempDir(), 'x.sqlite');
    const first = runCli(['import', '--db', db, '--json', dir]);
    expect(first.status).toBe(0);
    expect(parseJsonOutput(first)).toEqual({
      imported: 1,
      duplicates: 0,
      rejected: 0,
      skipped: 0,
      files: [
        {
          file: join(dir, 'a.json'),
          status: 'imported',
          message: 'report a from Sender Inc.',
          reports: [{ status: 'imported', organization: 'Sender Inc.', reportId: 'a', warnings: 0, part: null }],
        },
      ],
    });
    const second = runCli(['import', '--db', db, '--json', dir]);
    expect(second.status).toBe(0);
    expect(parseJsonOutput(second)).toMatchObject({ imported: 0, duplicates: 1 });
  });

  it('uses $TLSRPT_DB, and otherwise the app’s folder under $XDG_CONFIG_HOME', () => {
    const dir = folderWith({ 'a.json': reportJson() });
    const viaEnv = join(tempDir(), 'env.sqlite');
    expect(runCli(['import', dir], { TLSRPT_DB: viaEnv }).status).toBe(0);
    expect(existsSync(viaEnv)).toBe(true);

    const config = tempDir();
    expect(runCli(['import', dir], { XDG_CONFIG_HOME: config }).status).toBe(0);
    expect(existsSync(join(config, 'tlsrpt-viewer', 'reports.sqlite'))).toBe(true);
  });

  it.each([
    [['import', '--db', 'x.sqlite'], /name at least one file or folder/],
    [['import', '--frobnicate', 'x'], /Unknown option '--frobnicate'/],
    [['summary', '--from', 'last tuesday', '--db', 'x.sqlite'], /--from takes a date like 2026-01-31/],
    [['explode'], /unknown command "explode"/],
    [[], /Usage:/],
  ])('exits 2 with a usage message for %j', (args, message) => {
    const result = runCli(args, { TLSRPT_DB: join(tempDir(), 'unused.sqlite') });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('tlsrpt summary', () => {
  function importedDb(): string {
    const dir = folderWith({
      'a.json': reportJson({
        organization: 'Google Inc.',
        reportId: 'a',
        start: '2026-01-10T00:00:00Z',
        policies: [
          policyEntry({
            domain: 'example.com',
            successful: 90,
            failed: 10,
            details: [failureDetail('certificate-expired', 10, { 'receiving-mx-hostname': 'mx1.example.com' })],
          }),
        ],
      }),
      'b.json': reportJson({
        organization: 'Microsoft Corporation',
        reportId: 'b',
        start: '2026-02-01T00:00:00Z',
        end: '2026-02-01T23:59:59Z',
        policies: [policyEntry({ domain: 'example.org', successful: 5, failed: 0 })],
      }),
    });
    const db = join(tempDir(), 's.sqlite');
    expect(runCli(['import', '--db', db, dir]).status).toBe(0);
    return db;
  }

  it('prints the breakdowns as JSON with the documented keys', () => {
    const summary = parseJsonOutput<Summary>(runCli(['summary', '--db', importedDb(), '--json']));
    expect(summary).toMatchObject({
      reports: 2,
      successfulSessions: 95,
      failedSessions: 10,
      bySender: [
        { organization: 'Google Inc.', reports: 1, successfulSessions: 90, failedSessions: 10 },
        { organization: 'Microsoft Corporation', reports: 1, successfulSessions: 5, failedSessions: 0 },
      ],
      byMx: [{ mx: 'mx1.example.com', failedSessions: 10, byResultType: { 'certificate-expired': 10 } }],
      byResultType: { 'certificate-expired': 10 },
      byDomain: [
        { domain: 'example.com', successfulSessions: 90, failedSessions: 10 },
        { domain: 'example.org', successfulSessions: 5, failedSessions: 0 },
      ],
    });
  });

  it('filters by --from/--to (whole UTC days) and --domain', () => {
    const db = importedDb();
    const january = parseJsonOutput<Summary>(
      runCli(['summary', '--db', db, '--json', '--from', '2026-01-01', '--to', '2026-01-31']),
    );
    expect(january).toMatchObject({ reports: 1, successfulSessions: 90 });
    const lastDay = parseJsonOutput<Summary>(runCli(['summary', '--db', db, '--json', '--to', '2026-02-01']));
    expect(lastDay.reports).toBe(2);
    const org = parseJsonOutput<Summary>(runCli(['summary', '--db', db, '--json', '--domain', 'EXAMPLE.ORG']));
    expect(org).toMatchObject({ reports: 1, successfulSessions: 5, failedSessions: 0 });
  });

  it('prints readable tables', () => {
    const result = runCli(['summary', '--db', importedDb()]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      '2 reports from 2 senders: 95 successful and 10 failed sessions (failure rate 9.5%)',
    );
    expect(result.stdout).toMatch(/Google Inc\.\s+1\s+90\s+10\s+10\.0%\s+2026-01-10/);
    expect(result.stdout).toMatch(/mx1\.example\.com\s+10\s+certificate-expired 10/);
  });

  it('prints a hostile organization-name without its control characters', () => {
    const dir = folderWith({ 'evil.json': reportJson({ organization: 'Evil\u001b[2J\u001b[31mCorp', reportId: 'e' }) });
    const db = join(tempDir(), 'e.sqlite');
    runCli(['import', '--db', db, dir]);
    const result = runCli(['summary', '--db', db]);
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout).toContain('Evil\\u001b[2J\\u001b[31mCorp');
  });

  it('says where it looked when there is no database yet', () => {
    const missing = join(tempDir(), 'none.sqlite');
    const result = runCli(['summary', '--db', missing]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`no database at ${missing}; import reports first with "tlsrpt import"`);
  });

  it('works on the corpus with the text output', () => {
    const db = join(tempDir(), 'c.sqlite');
    runCli(['import', '--db', db, corpusReports]);
    const result = runCli(['summary', '--db', db]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Failures by MX host$/m);
  });
});

describe('tlsrpt sync usage', () => {
  it.each([
    [['sync', '--user', 'u'], /--host is required/],
    [['sync', '--host', 'h'], /--user is required/],
    [
      ['sync', '--host', 'h', '--user', 'u'],
      /give the password or token with --password-env NAME or --password-file FILE/,
    ],
    [
      ['sync', '--host', 'h', '--user', 'u', '--password-env', 'NOT_SET_ANYWHERE'],
      /the environment variable NOT_SET_ANYWHERE is not set/,
    ],
    [['sync', '--host', 'h', '--user', 'u', '--security', 'ssl'], /--security takes tls, starttls or plain/],
    [['sync', '--host', 'h', '--user', 'u', '--after', 'delete'], /--after takes none, seen or move:FOLDER/],
    [['sync', '--host', 'h', '--user', 'u', '--password', 'x'], /Unknown option '--password'/],
  ])('exits 2 for %j', (args, message) => {
    const result = runCli([...args, '--db', join(tempDir(), 'x.sqlite')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
