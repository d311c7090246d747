// Issue 23, point 10: a CSV export of 100,000 rows was one JSON answer (serve's
// RSS 83 → 478 MB; four at once 600 MB). It is now streamed: serve's
// `GET /api/failures.csv` asks the export for a chunk when the client has
// taken the last, and the desktop's backend writes the file itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAILURES_CSV_ROUTE, type FailuresCsvRequest } from '../../shared/api/contract.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { openDatabase } from '../../electron/backend/db/database.js';
import { ReportImporter } from '../../electron/backend/import/importer.js';
import { writeFailuresCsv } from '../../electron/backend/export/failures-csv.js';
import { createHttpServer } from '../../electron/backend/serve/http-server.js';
import { cliPath, runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/files.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HEADER =
  'report_start,organization,policy_domain,policy_type,result_type,sending_mta_ip,receiving_mx_hostname,' +
  'receiving_mx_helo,receiving_ip,failed_sessions,failure_reason_code,additional_information\r\n';
const PLAIN =
  "2026-02-01T00:00:00.000Z,Plain Sender,b.example,tlsa,validation-failure,192.0.2.1,mx1.mail.example.com,,198.51.100.7,1,'-1,\r\n";
const STARTTLS =
  '2026-01-10T00:00:00.000Z,"\'=HYPERLINK(""http://evil.example"",""x"")",example.com,sts,starttls-not-supported,' +
  '192.0.2.1,mx1.mail.example.com,\'+mx,198.51.100.7,3,,"a, ""quoted""\nline"\r\n';
const EXPIRED =
  '2026-01-10T00:00:00.000Z,"\'=HYPERLINK(""http://evil.example"",""x"")",example.com,sts,certificate-expired,' +
  "192.0.2.1,mx1.mail.example.com,,198.51.100.7,2,,'@SUM(1+1)\r\n";
/** What the old single JSON answer (main 9a8737a's failuresCsv) held for the small database, byte for byte. */
const OLD_ANSWER = HEADER + PLAIN + STARTTLS + EXPIRED;
const OLD_ANSWER_BY_FAILED = HEADER + STARTTLS + EXPIRED + PLAIN;
const BY_FAILED: FailuresCsvRequest = { query: { filter: {} }, sort: { column: 'failedSessions', direction: 'desc' } };

/** Three failure details whose fields start like spreadsheet formulas, with quotes, commas and a newline. */
async function smallDatabase(): Promise<string> {
  const dir = tempDir();
  const input = join(dir, 'in');
  mkdirSync(input);
  writeFileSync(
    join(input, 'a.json'),
    reportJson({
      organization: '=HYPERLINK("http://evil.example","x")',
      reportId: 'a',
      policies: [
        policyEntry({
          failed: 5,
          details: [
            failureDetail('certificate-expired', 2, { 'additional-information': '@SUM(1+1)' }),
            failureDetail('starttls-not-supported', 3, {
              'additional-information': 'a, "quoted"\nline',
              'receiving-mx-helo': '+mx',
            }),
          ],
        }),
      ],
    }),
  );
  writeFileSync(
    join(input, 'b.json'),
    reportJson({
      organization: 'Plain Sender',
      reportId: 'b',
      start: '2026-02-01T00:00:00Z',
      end: '2026-02-01T23:59:59Z',
      policies: [
        policyEntry({
          type: 'tlsa',
          domain: 'b.example',
          failed: 1,
          details: [failureDetail('validation-failure', 1, { 'failure-reason-code': '-1' })],
        }),
      ],
    }),
  );
  const file = join(dir, 'small.sqlite');
  const db = openDatabase(file);
  await new ReportImporter(db).importPaths([input]);
  db.close();
  return file;
}

/** `tlsrpt serve` in its own process (the built CLI, its export worker thread), on a free loopback port. */
async function startServe(db: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--db', db], {
    env: { ...process.env, TLSRPT_DB: '' },
  });
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const url = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line.toString())?.[1];
  if (!url) throw new Error(`serve said: ${line.toString()}`);
  return { url, child };
}

/** The download's URL, as the Failures view builds it. */
function csvUrl(base: string, request: unknown): string {
  return `${base}api/${FAILURES_CSV_ROUTE}?request=${encodeURIComponent(JSON.stringify(request))}`;
}

/** Reads an answer's body to its end, keeping only its size and its number of CRLF line ends. */
async function countLines(response: Response): Promise<{ bytes: number; lines: number }> {
  if (!response.body) throw new Error('no body');
  let bytes = 0;
  let lines = 0;
  let afterCr = false;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const byte of chunk) {
      if (afterCr && byte === 0x0a) lines += 1;
      afterCr = byte === 0x0d;
    }
  }
  return { bytes, lines };
}

/** Peak resident memory of a process, in MiB, since it started or since {@link resetPeak}. */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Sets a process's peak resident memory to what it holds now (Linux: clear_refs 5). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

describe('CSV exports are streamed', () => {
  it('downloads from serve exactly what the old single answer held, and the desktop writes the same file', async () => {
    const db = await smallDatabase();
    const { url } = await startServe(db);
    const download = await fetch(csvUrl(url, { query: { filter: {} } }));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="tlsrpt-failures-\d{4}-\d\d-\d\d\.csv"$/,
    );
    expect(await download.text()).toBe(OLD_ANSWER);
    expect(await (await fetch(csvUrl(url, BY_FAILED))).text()).toBe(OLD_ANSWER_BY_FAILED);
    const none = await fetch(csvUrl(url, { query: { filter: {}, organization: 'Nobody' } }));
    expect(await none.text()).toBe(HEADER);

    // The desktop's backend writes the file the save dialog chose: the same bytes, and no temporary file beside it.
    const reader = openDatabase(db, { readonly: true });
    const folder = tempDir();
    const file = join(folder, 'export.csv');
    writeFileSync(file, 'the file the export replaces');
    expect(await writeFailuresCsv(reader, BY_FAILED.query, BY_FAILED.sort, file)).toEqual({ rows: 3 });
    reader.close();
    expect(readFileSync(file, 'utf8')).toBe(OLD_ANSWER_BY_FAILED);
    expect(readdirSync(folder)).toEqual(['export.csv']);
  }, 60_000);

  it('streams the same text from the request thread when no export worker runs', async () => {
    const dbFile = await smallDatabase();
    const db = openDatabase(dbFile);
    const { handlers, failuresCsv, close } = createApiHandlers({
      db,
      databasePath: dbFile,
      transport: 'http',
      allowPaths: false,
    });
    const server: Server = createHttpServer({ handlers, rendererDir: null, failuresCsv });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      server.closeAllConnections();
      server.close();
      await close();
      db.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(await (await fetch(csvUrl(url, { query: { filter: {} } }))).text()).toBe(OLD_ANSWER);
  });

  it('refuses in words a malformed request, a POST and a request from another site', async () => {
    const db = await smallDatabase();
    const { url } = await startServe(db);
    const refused = async (response: Response): Promise<[number, string]> => [
      response.status,
      ((await response.json()) as { error: { message: string } }).error.message,
    ];
    expect(await refused(await fetch(`${url}api/${FAILURES_CSV_ROUTE}?request=%7Bnot-json`))).toEqual([
      400,
      'the request parameter must be a JSON failuresCsv request',
    ]);
    const [status, message] = await refused(await fetch(csvUrl(url, { query: { filter: {} }, extra: 1 })));
    expect(status).toBe(400);
    expect(message).toMatch(/extra/);
    expect(await refused(await fetch(csvUrl(url, { query: { filter: {} } }), { method: 'POST' }))).toEqual([
      405,
      'failures.csv is a GET request',
    ]);
    for (const site of ['cross-site', 'same-site']) {
      const answer = await fetch(csvUrl(url, { query: { filter: {} } }), { headers: { 'Sec-Fetch-Site': site } });
      expect(await refused(answer)).toEqual([403, 'cross-origin requests are refused']);
    }
    // The old JSON method is gone: an export is never one answer.
    const old = await fetch(`${url}api/failuresCsv`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: { filter: {} } }),
    });
    expect(await refused(old)).toEqual([400, 'unknown method "failuresCsv"']);
  }, 60_000);

  it('exports 100,000 rows four at once with serve growing by less than 150 MB; a fifth is told to wait', async () => {
    const dir = tempDir();
    const input = join(dir, 'in');
    mkdirSync(input);
    for (let i = 0; i < 1000; i++) {
      const details = Array.from({ length: 100 }, (_, n) =>
        failureDetail('certificate-expired', 1, {
          'sending-mta-ip': `192.0.2.${n % 250}`,
          'additional-information': `detail ${i}/${n} of a report that a stranger sent, padded to a realistic length`,
        }),
      );
      writeFileSync(
        join(input, `r${i}.json`),
        reportJson({ reportId: `r${i}`, policies: [policyEntry({ failed: 100, details })] }),
      );
    }
    const db = join(dir, 'big.sqlite');
    expect(runCli(['import', '--db', db, input]).status).toBe(0);
    const { url, child } = await startServe(db);
    const pid = child.pid ?? 0;
    // Warm up what every request uses, then measure from what serve holds now.
    expect((await fetch(csvUrl(url, { query: { filter: {}, organization: 'Nobody' } }))).status).toBe(200);
    resetPeak(pid);
    const before = peakRss(pid);

    // fetch resolves at the headers, which serve sends with the first chunk: the four hold their places.
    const downloads = await Promise.all(
      Array.from({ length: 4 }, (_, n) =>
        fetch(
          csvUrl(url, { query: { filter: {} }, sort: { column: 'failedSessions', direction: n % 2 ? 'asc' : 'desc' } }),
        ),
      ),
    );
    expect(downloads.map((download) => download.status)).toEqual([200, 200, 200, 200]);
    const fifth = await fetch(csvUrl(url, { query: { filter: {} } }));
    expect(fifth.status).toBe(503);
    expect(((await fifth.json()) as { error: { message: string } }).error.message).toBe(
      'other CSV exports are running; try again when they are done',
    );
    const counted = await Promise.all(downloads.map((download) => countLines(download)));
    const growth = peakRss(pid) - before;

    for (const { bytes, lines } of counted) {
      expect(lines).toBe(100_001);
      expect(bytes).toBeGreaterThan(15_000_000);
    }
    // Held as one answer, one such export grew serve by ~400 MB and four by ~520 MB; streamed, each holds a chunk.
    expect(growth).toBeLessThan(150);
    // The places are free again.
    expect((await fetch(csvUrl(url, { query: { filter: {}, organization: 'Nobody' } }))).status).toBe(200);
  }, 180_000);

  it('on a full disk, writes nothing under the chosen name, keeps the file it would replace, and says so', async (context) => {
    if (process.getuid?.() !== 0) {
      context.skip('mounting a small tmpfs needs root');
      return;
    }
    const dbFile = await smallDatabase();
    const db = openDatabase(dbFile);
    // 30,000 rows are a few MB of CSV: more than a 256 KiB disk holds.
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
      INSERT INTO failure_details (policy_rowid, report_rowid, start_time, policy_domain, result_type, sending_mta_ip,
        receiving_mx_hostname, receiving_mx_helo, receiving_ip, failed_sessions, additional_information,
        failure_reason_code, counted)
      SELECT policy_rowid, report_rowid, start_time, policy_domain, result_type, sending_mta_ip,
        receiving_mx_hostname, receiving_mx_helo, receiving_ip, failed_sessions, additional_information || ' ' || i,
        failure_reason_code, counted
      FROM failure_details, n`);
    const disk = tempDir();
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', disk]).status).toBe(0);
    cleanups.push(() => {
      spawnSync('umount', [disk]);
    });
    const file = join(disk, 'export.csv');
    writeFileSync(file, 'kept');
    await expect(writeFailuresCsv(db, { filter: {} }, undefined, file)).rejects.toThrow(
      `the disk is full: ${file} was not written (free some space, then export again)`,
    );
    db.close();
    expect(readFileSync(file, 'utf8')).toBe('kept');
    expect(readdirSync(disk)).toEqual(['export.csv']);
    expect(existsSync(file)).toBe(true);
  }, 60_000);
});
