import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { FileOutcome } from '../../shared/import/types.js';
import { openDatabase, type WritableDatabase } from '../../electron/backend/db/database.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import { corpusReports, useTempDir } from '../helpers/files.js';
import { forwarded, reportEmail } from '../helpers/email.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();

/** The importer, and one file at a time through it as `tlsrpt import FILE` imports it. */
function setup(): {
  dir: string;
  db: WritableDatabase;
  importer: ReportImporter & { importFile: (path: string) => Promise<FileOutcome> };
} {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'reports.sqlite'));
  const importer = Object.assign(new ReportImporter(db), {
    importFile: async (path: string): Promise<FileOutcome> => {
      const [outcome] = (await importer.importPaths([path])).files;
      if (!outcome) throw new Error(`no outcome for ${path}`);
      return outcome;
    },
  });
  return { dir, db, importer };
}

function write(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

function storedReportIds(db: WritableDatabase): string[] {
  return (db.prepare('SELECT report_id FROM reports ORDER BY report_id').all() as { report_id: string }[]).map(
    (row) => row.report_id,
  );
}

function counts(db: WritableDatabase): { reports: number; policies: number; details: number } {
  return db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM reports) AS reports, (SELECT COUNT(*) FROM policies) AS policies,
              (SELECT COUNT(*) FROM failure_details) AS details`,
    )
    .get() as { reports: number; policies: number; details: number };
}

const report = (id: string): string =>
  reportJson({
    reportId: id,
    policies: [policyEntry({ failed: 3, details: [failureDetail('certificate-expired', 3)] })],
  });

describe('importing each input format', () => {
  it('imports a plain .json report with its policies and failure details', async () => {
    const { dir, db, importer } = setup();
    const outcome = await importer.importFile(write(dir, 'a.json', report('json-1')));
    expect(outcome.status).toBe('imported');
    expect(outcome.reports).toEqual([
      { status: 'imported', organization: 'Sender Inc.', reportId: 'json-1', warnings: 0, part: null },
    ]);
    expect(counts(db)).toEqual({ reports: 1, policies: 1, details: 1 });
  });

  it('imports .json.gz and a .gz with no .json in its name', async () => {
    const { dir, db, importer } = setup();
    expect((await importer.importFile(write(dir, 'a.json.gz', gzipSync(report('gz-1'))))).status).toBe('imported');
    expect((await importer.importFile(write(dir, 'b.gz', gzipSync(report('gz-2'))))).status).toBe('imported');
    expect(storedReportIds(db)).toEqual(['gz-1', 'gz-2']);
  });

  it('keeps the raw report, gzip-compressed, and the sender’s own gzip bytes when it sent gzip', async () => {
    const { dir, db, importer } = setup();
    const gz = gzipSync(report('raw-1'), { level: 9 });
    await importer.importFile(write(dir, 'a.json.gz', gz));
    await importer.importFile(write(dir, 'b.json', report('raw-2')));
    const rows = db.prepare('SELECT report_id, raw_gzip FROM reports ORDER BY report_id').all() as {
      report_id: string;
      raw_gzip: Buffer;
    }[];
    expect(Buffer.compare(rows[0]?.raw_gzip ?? Buffer.alloc(0), gz)).toBe(0);
    expect(rows[1]?.raw_gzip.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it.each([
    [
      'application/tlsrpt+gzip, base64',
      { contentType: 'application/tlsrpt+gzip', filename: 'r.json.gz', gzip: true, encoding: 'base64' },
    ],
    [
      'application/tlsrpt+json, quoted-printable',
      { contentType: 'application/tlsrpt+json', filename: 'r.json', gzip: false, encoding: 'quoted-printable' },
    ],
    [
      'application/tlsrpt+json, base64',
      { contentType: 'application/tlsrpt+json', filename: 'r.json', gzip: false, encoding: 'base64' },
    ],
    [
      'application/tlsrpt without transfer encoding',
      { contentType: 'application/tlsrpt', filename: 'r.json', gzip: false, encoding: null },
    ],
    [
      'application/gzip named .json.gz',
      { contentType: 'application/gzip', filename: 'r.json.gz', gzip: true, encoding: 'base64' },
    ],
    [
      'application/octet-stream named .json.gz',
      { contentType: 'application/octet-stream', filename: 'r.json.gz', gzip: true, encoding: 'base64' },
    ],
    [
      'application/octet-stream named .json',
      { contentType: 'application/octet-stream', filename: 'r.json', gzip: false, encoding: 'base64' },
    ],
  ] as const)('imports a report e-mail: %s', async (_name, part) => {
    const { dir, db, importer } = setup();
    const body = part.gzip ? gzipSync(report('mail-1')) : report('mail-1');
    const eml = reportEmail([
      { contentType: part.contentType, filename: part.filename, encoding: part.encoding, body },
    ]);
    const outcome = await importer.importFile(write(dir, 'report.eml', eml));
    expect(outcome.status).toBe('imported');
    expect(outcome.reports[0]).toMatchObject({ status: 'imported', reportId: 'mail-1', part: part.filename });
    const row = db.prepare('SELECT source_kind, source_ref, received_at FROM reports').get() as Record<string, unknown>;
    expect(row).toEqual({
      source_kind: 'file',
      source_ref: `${join(dir, 'report.eml')} [${part.filename}]`,
      received_at: Date.UTC(2026, 0, 11, 3, 4, 5) / 1000,
    });
  });

  it('imports every report of an e-mail that carries several', async () => {
    const { dir, db, importer } = setup();
    const eml = reportEmail([
      {
        contentType: 'application/tlsrpt+gzip',
        filename: 'a.json.gz',
        encoding: 'base64',
        body: gzipSync(report('m-1')),
      },
      {
        contentType: 'application/tlsrpt+gzip',
        filename: 'b.json.gz',
        encoding: 'base64',
        body: gzipSync(report('m-2')),
      },
    ]);
    expect((await importer.importFile(write(dir, 'two.eml', eml))).reports.map((r) => r.status)).toEqual([
      'imported',
      'imported',
    ]);
    expect(storedReportIds(db)).toEqual(['m-1', 'm-2']);
  });

  it('finds the report inside a forwarded message (message/rfc822)', async () => {
    const { dir, db, importer } = setup();
    const original = reportEmail([
      {
        contentType: 'application/tlsrpt+gzip',
        filename: 'f.json.gz',
        encoding: 'base64',
        body: gzipSync(report('fwd-1')),
      },
    ]);
    expect((await importer.importFile(write(dir, 'fwd.eml', forwarded(original)))).status).toBe('imported');
    expect(storedReportIds(db)).toEqual(['fwd-1']);
  });

  it('recognises an e-mail without extension by its headers (a Maildir file)', async () => {
    const { dir, db, importer } = setup();
    const eml = reportEmail([
      {
        contentType: 'application/tlsrpt+gzip',
        filename: 'r.json.gz',
        encoding: 'base64',
        body: gzipSync(report('md-1')),
      },
    ]);
    await importer.importFile(write(dir, 'cur/1700000000.M1P2.host:2,S', eml));
    expect(storedReportIds(db)).toEqual(['md-1']);
  });

  it('skips a DMARC report e-mail and an e-mail without attachments with "no TLS-RPT report in message"', async () => {
    const { dir, db, importer } = setup();
    const dmarc = reportEmail([
      {
        contentType: 'application/gzip',
        filename: 'google.com!example.com!1700000000!1700086399.xml.gz',
        encoding: 'base64',
        body: gzipSync('<feedback></feedback>'),
      },
    ]);
    const dmarcOutcome = await importer.importFile(write(dir, 'dmarc.eml', dmarc));
    expect(dmarcOutcome).toMatchObject({
      status: 'skipped',
      message: 'no TLS-RPT report in message (it carries a DMARC report)',
    });
    const plain = await importer.importFile(write(dir, 'hello.eml', reportEmail([])));
    expect(plain).toMatchObject({ status: 'skipped', message: 'no TLS-RPT report in message' });
    expect(counts(db).reports).toBe(0);
  });

  it('skips files that are not reports, saying what they are', async () => {
    const { dir, importer } = setup();
    const notes = await importer.importFile(write(dir, 'notes.txt', 'remember to renew the certificate'));
    expect(notes).toMatchObject({
      status: 'skipped',
      message: 'not a TLS-RPT report (.json, .json.gz) or a report e-mail (.eml)',
    });
    const dmarc = await importer.importFile(write(dir, 'x.xml.gz', gzipSync('<feedback/>')));
    expect(dmarc).toMatchObject({ status: 'skipped', message: 'a DMARC report (XML), not a TLS-RPT report' });
    const zip = await importer.importFile(write(dir, 'x.zip', Buffer.from('PK\x03\x04rest', 'latin1')));
    expect(zip.status).toBe('skipped');
    expect(zip.message).toMatch(/^a ZIP archive/);
  });

  it('imports folders recursively in name order', async () => {
    const { dir, importer } = setup();
    write(dir, 'in/b.json', report('f-b'));
    write(dir, 'in/a/deep/c.json.gz', gzipSync(report('f-c')));
    write(dir, 'in/a.json', report('f-a'));
    const result = await importer.importPaths([join(dir, 'in')]);
    expect(result.files.map((file) => file.file.slice(join(dir, 'in').length))).toEqual([
      '/a/deep/c.json.gz',
      '/a.json',
      '/b.json',
    ]);
    expect(result.totals).toEqual({ files: 3, imported: 3, duplicates: 0, rejected: 0, skipped: 0 });
  });

  it('recognises a report already stored in another wrapping as a duplicate', async () => {
    const { dir, db, importer } = setup();
    const pretty = JSON.stringify(JSON.parse(report('dup-1')), null, 2);
    await importer.importFile(write(dir, 'a.json', report('dup-1')));
    const again = await importer.importFile(write(dir, 'b.json.gz', gzipSync(pretty)));
    expect(again.status).toBe('duplicate');
    expect(again.reports[0]).toMatchObject({ status: 'duplicate', sameContent: true });
    expect(counts(db)).toEqual({ reports: 1, policies: 1, details: 1 });
  });

  it('says so when a stored report id comes back with other numbers, and keeps the stored one', async () => {
    const { dir, db, importer } = setup();
    await importer.importFile(write(dir, 'a.json', report('dup-2')));
    const changed = reportJson({ reportId: 'dup-2', policies: [policyEntry({ successful: 999 })] });
    const outcome = await importer.importFile(write(dir, 'b.json', changed));
    expect(outcome.reports[0]).toMatchObject({ status: 'duplicate', sameContent: false });
    expect(outcome.message).toMatch(/different content; the stored one is kept/);
    expect(db.prepare('SELECT successful_sessions FROM reports').get()).toEqual({ successful_sessions: 10 });
  });

  it('derives a stable report id from the content when report-id is missing', async () => {
    const { dir, db, importer } = setup();
    const document = JSON.parse(report('x')) as Record<string, unknown>;
    delete document['report-id'];
    await importer.importFile(write(dir, 'a.json', JSON.stringify(document)));
    const second = await importer.importFile(write(dir, 'b.json', JSON.stringify(document, null, 4)));
    expect(second.status).toBe('duplicate');
    expect(storedReportIds(db)[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('broken input', () => {
  function rejectedMessage(outcome: FileOutcome): string {
    expect(outcome.status).toBe('rejected');
    const first = outcome.reports[0];
    if (first?.status !== 'rejected') throw new Error('no rejected report');
    return first.field === null ? first.error : `${first.field}: ${first.error}`;
  }

  it.each([
    ['broken.json', '{"organization-name": "x", ', /^not JSON: /],
    ['array.json', '[]', /^the report must be a JSON object, got an array$/],
    [
      'counts.json',
      reportJson({ policies: [policyEntry({ successful: -5 })] }),
      /^policies\[0\]\.summary\.total-successful-session-count: must be a non-negative integer, got -5$/,
    ],
    ['dates.json', reportJson({ start: 'soon' }), /^date-range\.start-datetime: not a date-time: "soon"$/],
    ['fake.json.gz', 'not gzip at all', /^the name ends in \.gz but the content is not gzip data$/],
    ['latin1.json', Buffer.from('{"organization-name": "Soci\xe9t\xe9"}', 'latin1'), /^not UTF-8 text/],
  ] as const)('rejects %s with a specific error', async (name, content, message) => {
    const { dir, importer } = setup();
    expect(rejectedMessage(await importer.importFile(write(dir, name, content)))).toMatch(message);
  });

  it('skips an .eml of random bytes without a crash', async () => {
    const { dir, importer } = setup();
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const outcome = await importer.importFile(write(dir, 'noise.eml', noise));
    expect(outcome).toMatchObject({ status: 'skipped', message: 'no TLS-RPT report in message' });
  });

  it('rejects truncated gzip data', async () => {
    const { dir, importer } = setup();
    const gz = gzipSync(report('t'));
    const outcome = await importer.importFile(write(dir, 'cut.json.gz', gz.subarray(0, gz.length - 12)));
    expect(rejectedMessage(outcome)).toMatch(/^damaged gzip data: /);
  });

  it('rejects a gzip bomb inside an e-mail with the size limit in the message', async () => {
    const { dir, importer } = setup();
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20));
    const eml = reportEmail([
      { contentType: 'application/tlsrpt+gzip', filename: 'r.json.gz', encoding: 'base64', body: bomb },
    ]);
    const outcome = await importer.importFile(write(dir, 'bomb.eml', eml));
    expect(rejectedMessage(outcome)).toMatch(/^decompresses to more than the 64 MiB limit for a report/);
  });

  it('rejects a report over the size limit', async () => {
    const { dir, importer } = setup();
    const huge = Buffer.alloc(64 * 1024 * 1024 + 1, 0x20);
    huge[0] = 0x7b;
    expect(rejectedMessage(await importer.importFile(write(dir, 'huge.json', huge)))).toBe(
      'the report is 64.0 MiB, over the 64 MiB limit',
    );
  });

  it('names a path that does not exist and imports the rest', async () => {
    const { dir, importer } = setup();
    const good = write(dir, 'good.json', report('ok-1'));
    const result = await importer.importPaths([join(dir, 'missing.json'), good]);
    // In name order (compareIntakeNames), not in the order given.
    expect(result.files.map((file) => [file.status, file.message])).toEqual([
      ['imported', 'report ok-1 from Sender Inc.'],
      ['rejected', 'no such file or folder'],
    ]);
  });

  it('imports every good file of a folder that also holds broken ones', async () => {
    const { dir, db, importer } = setup();
    const folder = join(dir, 'mixed');
    write(folder, '1.json', report('good-1'));
    write(folder, '2.json', '{ nope');
    write(folder, '3.json.gz', gzipSync(report('good-3')).subarray(0, 20));
    write(folder, '4.json.gz', gzipSync(report('good-4')));
    write(folder, '5.txt', 'hello');
    write(
      folder,
      '6.json',
      reportJson({ reportId: 'bad-6', policies: [policyEntry({ failed: 'many' as unknown as number })] }),
    );
    write(folder, '7.json', report('good-7'));
    const result = await importer.importPaths([folder]);
    expect(result.files.map((file) => file.status)).toEqual([
      'imported',
      'rejected',
      'rejected',
      'imported',
      'skipped',
      'rejected',
      'imported',
    ]);
    expect(result.totals).toEqual({ files: 7, imported: 3, duplicates: 0, rejected: 3, skipped: 1 });
    expect(storedReportIds(db)).toEqual(['good-1', 'good-4', 'good-7']);
  });

  it('leaves nothing of a report whose storing fails half-way, and goes on with the next', async () => {
    const { dir, db, importer } = setup();
    // A trigger makes the third failure-detail insert fail, after the report and policy rows were written.
    db.exec(`CREATE TRIGGER fail_midway BEFORE INSERT ON failure_details
             WHEN NEW.result_type = 'validation-failure' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    const half = reportJson({
      reportId: 'half',
      policies: [
        policyEntry({
          failed: 2,
          details: [failureDetail('certificate-expired', 1), failureDetail('starttls-not-supported', 1)],
        }),
        policyEntry({ failed: 1, details: [failureDetail('validation-failure', 1)] }),
      ],
    });
    const result = await importer.importPaths([write(dir, 'a.json', half), write(dir, 'b.json', report('after'))]);
    expect(result.files[0]?.message).toBe('could not be stored: disk on fire');
    expect(result.files[1]?.status).toBe('imported');
    expect(storedReportIds(db)).toEqual(['after']);
    expect(counts(db)).toEqual({ reports: 1, policies: 1, details: 1 });
  });
});

describe('the corpus e-mails', () => {
  it('reads every corpus .eml and finds the same report as its extracted attachment', async () => {
    const { dir, db, importer } = setup();
    const emails = [
      'mox__example.eml',
      'mox__microsoft.eml',
      'parsedmarc__google.com_smtp_tls_report.eml',
      'mail-auth__rpt01.eml',
      'mail-auth__rpt02.eml',
      'tlsrpt-digest__tlsrpt_success_microsoft.eml',
    ];
    for (const name of emails) copyFileSync(join(corpusReports, name), join(dir, name));
    const result = await importer.importPaths(emails.map((name) => join(dir, name)));
    expect(result.totals).toMatchObject({ imported: emails.length, rejected: 0, skipped: 0 });
    const extracted = await new ReportImporter(db).importPaths([join(corpusReports, 'extracted')]);
    const byEmail = extracted.files.filter((file) =>
      emails.some((name) => file.file.includes(name.replace('.eml', '__'))),
    );
    expect(byEmail.map((file) => file.status)).toEqual(emails.map(() => 'duplicate'));
  });
});
