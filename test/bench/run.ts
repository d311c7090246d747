// npm run bench -- --size 100000: the import and query figures of issue 6,
// measured in one run on one machine. Each figure is one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { openDatabase } from '../../electron/backend/db/database.js';
import { ReportWriter } from '../../electron/backend/db/store-report.js';
import { prepareFile } from '../../electron/backend/import/prepare-file.js';
import { failurePage } from '../../electron/backend/db/failure-queries.js';
import { reportPage } from '../../electron/backend/db/report-queries.js';
import { senderDetail } from '../../electron/backend/db/sender-queries.js';
import { mxHostDetail } from '../../electron/backend/db/mx-queries.js';
import {
  mxHostFailures,
  resultTypeFailures,
  senderTotals,
  sessionsByDay,
  sessionsByPolicyDomain,
  overview,
  summarize,
  summaryTotals,
} from '../../electron/backend/db/summary-queries.js';
import type { ReportFilter } from '../../shared/summary/types.js';
import { writeSyntheticCorpus } from './synthetic-corpus.js';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import { storeReportDocuments } from '../helpers/store.js';
import { measureServeLoad } from './serve-load-figure.js';
import { measureDrop, measureImap, measureStartup } from './intake-figures.js';
import { measureUi } from './ui-figure.js';
import { measureSink } from './sink-figure.js';
import { createApiHandlers } from '../../electron/backend/api/handlers.js';
import { DomainHealthService, dayOfDate } from '../../electron/backend/health/domain-health.js';
import { MxHostLists } from '../../electron/backend/api/mx-host-lists.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '10000' },
    dir: { type: 'string' },
    runs: { type: 'string', default: '20' },
    // Reuse the database of an earlier run: only the query and UI figures.
    'skip-import': { type: 'boolean', default: false },
    'skip-ui': { type: 'boolean', default: false },
    'skip-serve-load': { type: 'boolean', default: false },
    // Leave out the start-up, drop and IMAP figures (issue 12).
    'skip-intake': { type: 'boolean', default: false },
    // Leave out the PostgreSQL sink's figure (issue 27).
    'skip-sink': { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
const runs = Number(values.runs);
const root = values.dir ?? join(tmpdir(), `tlsrpt-bench-${size}`);
// v2: one report per sender, domain and day, as real senders send them.
const corpus = join(root, 'corpus-v2');
// dist/bench/test/bench/run.js: four folders below the project.
const projectRoot = new URL('../../../../', import.meta.url).pathname;
const cli = join(projectRoot, 'dist', 'electron', 'cli', 'tlsrpt.js');
const peakRss = join(projectRoot, 'test', 'helpers', 'peak-rss.mjs');
const END = Date.UTC(2026, 10, 1);

function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...figure, size })}\n`);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

emit({
  figure: 'machine',
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
});

if (!existsSync(join(corpus, '.complete'))) {
  rmSync(corpus, { recursive: true, force: true });
  const started = performance.now();
  writeSyntheticCorpus(corpus, { reports: size, emailShare: 0.1, seed: 8460 }, END);
  rmSync(join(corpus, '.complete'), { force: true });
  spawnSync('touch', [join(corpus, '.complete')]);
  emit({ figure: 'corpus', seconds: (performance.now() - started) / 1000 });
}
const files = listFiles(corpus)
  .filter((file) => !file.endsWith('.complete'))
  .sort();

// The floor: read, gunzip and JSON.parse each report, nothing else. The files are read once before, untimed: a
// floor read from a cold page cache measured the disk (306 µs a report against 31, 2026-12-01), and the import
// after it read them warm.
let importReportsPerSecond: number | null = null;
if (!values['skip-import']) {
  for (const file of files) readFileSync(file);
  const started = performance.now();
  let parsed = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    let gz: Buffer;
    if (file.endsWith('.eml')) {
      const text = bytes.toString('latin1');
      const at = text.indexOf('\r\n\r\n', text.indexOf('Content-Transfer-Encoding: base64'));
      gz = Buffer.from(text.slice(at + 4, text.indexOf('--b--')), 'base64');
    } else {
      gz = bytes;
    }
    if ((JSON.parse(gunzipSync(gz).toString('utf8')) as { policies: unknown[] }).policies.length > 0) parsed += 1;
  }
  const floorSeconds = (performance.now() - started) / 1000;

  // The import: the app's own path (tlsrpt import) into a fresh database, in a child process for its peak memory.
  const db = join(root, 'bench.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  const importStarted = performance.now();
  const result = spawnSync(process.execPath, [peakRss, cli, 'import', '--db', db, corpus], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const importSeconds = (performance.now() - importStarted) / 1000;
  const peak = Number(/peak-rss-bytes (\d+)/.exec(result.stderr)?.[1] ?? 0);
  const summaryLine = result.stdout.trim().split('\n').at(-1) ?? '';
  // Per report file of the corpus (one report each), which may be larger than --size when left by an earlier run.
  importReportsPerSecond = Math.round(files.length / importSeconds);
  emit({
    figure: 'import',
    files: files.length,
    reportsParsed: parsed,
    floorSeconds: Number(floorSeconds.toFixed(2)),
    floorMicrosecondsPerReport: Math.round((floorSeconds * 1e6) / parsed),
    importSeconds: Number(importSeconds.toFixed(2)),
    ratioFloorToImport: Number((floorSeconds / importSeconds).toFixed(3)),
    reportsPerSecond: Math.round(size / importSeconds),
    peakRssMB: Math.round(peak / 1e6),
    databaseBytesPerReport: Math.round(
      ['', '-wal'].reduce(
        (sum, suffix) => sum + (existsSync(`${db}${suffix}`) ? statSync(`${db}${suffix}`).size : 0),
        0,
      ) / size,
    ),
    result: summaryLine,
  });
}

// The PostgreSQL sink: the same reports exported from the database just imported, against the import's speed.
if (!values['skip-sink']) {
  emit(
    await measureSink({
      cli,
      dbPath: join(root, 'bench.sqlite'),
      importReportsPerSecond,
    }),
  );
}

// Where an import's time goes, per report, on a sample: what a worker thread does (read, classify,
// decode, gunzip, parse and check, hash) and what the writer does (rows, rollups, commits).
if (!values['skip-import']) {
  const sample = files.slice(0, Math.min(files.length, 20_000));
  const stageDb = join(root, 'stages.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${stageDb}${suffix}`, { force: true });
  const writer = new ReportWriter(openDatabase(stageDb));
  let prepareMs = 0;
  let writeMs = 0;
  let reports = 0;
  for (let at = 0; at < sample.length; at += 1024) {
    let started = performance.now();
    const prepared = await Promise.all(sample.slice(at, at + 1024).map((file) => prepareFile(file)));
    prepareMs += performance.now() - started;
    const items = prepared.flatMap((file) =>
      file.reports.flatMap((report) => (report.kind === 'store' ? [report.item] : [])),
    );
    reports += items.length;
    started = performance.now();
    writer.storeMany(items);
    writeMs += performance.now() - started;
  }
  emit({
    figure: 'import stages',
    sampleFiles: sample.length,
    prepareMicrosecondsPerReport: Math.round((prepareMs * 1000) / reports),
    writeMicrosecondsPerReport: Math.round((writeMs * 1000) / reports),
  });
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${stageDb}${suffix}`, { force: true });
}

// Intake beside its floors (issue 12): start-up; a drop of 20,000 files in Chromium against `tlsrpt import` of
// them; an IMAP sync of 3,000 report e-mails against one FETCH of them all, on loopback and 20 ms away.
if (!values['skip-intake']) {
  const intakeDir = join(root, 'intake');
  rmSync(intakeDir, { recursive: true, force: true });
  mkdirSync(intakeDir, { recursive: true });
  emit(measureStartup(cli, intakeDir));
  if (!values['skip-ui']) emit(await measureDrop(projectRoot, cli, files.slice(0, 20_000), intakeDir));
  for (const figure of await measureImap(
    cli,
    files.filter((file) => file.endsWith('.eml')).slice(0, 3_000),
    intakeDir,
  )) {
    emit(figure);
  }
  rmSync(intakeDir, { recursive: true, force: true });
}

// Query figures: every breakdown the UI shows, all time and the last 30 days, p50 and p95 of `runs` runs.
{
  const db = openDatabase(join(root, 'bench.sqlite'));
  const last30: ReportFilter = { fromTime: END / 1000 - 30 * 86_400, toTime: END / 1000 };
  // The sender and result type the drill-downs open: the ones with the most failures.
  const top = summarize(db, {});
  const topSender = top.bySender[0]?.organization ?? '';
  const topResultType = Object.keys(top.byResultType)[0] ?? '';
  const topMx = top.byMx[0]?.mx ?? null;
  const queries: [string, (filter: ReportFilter) => unknown][] = [
    // The Overview's one call (totals, daily series, per result type); every breakdown at once, as
    // `tlsrpt summary` asks; then each on its own.
    ['the Overview call', (filter) => overview(db, filter)],
    ['every breakdown at once (tlsrpt summary)', (filter) => summarize(db, filter).reports],
    ['overview totals', (filter) => summaryTotals(db, filter)],
    ['daily series', (filter) => sessionsByDay(db, filter)],
    ['per sender', (filter) => senderTotals(db, filter)],
    ['per MX host', (filter) => mxHostFailures(db, filter)],
    ['per domain', (filter) => sessionsByPolicyDomain(db, filter)],
    ['per result type', (filter) => resultTypeFailures(db, filter)],
    ['one sender by MX and result type', (filter) => senderDetail(db, filter, topSender)],
    ['one MX host by IP and sender', (filter) => mxHostDetail(db, filter, topMx)],
    ['failure details page', (filter) => failurePage(db, { filter }, undefined, 0, 200)],
    [
      'failure details page, one result type',
      (filter) => failurePage(db, { filter, resultType: topResultType }, undefined, 0, 200),
    ],
    ['reports page', (filter) => reportPage(db, filter, undefined, undefined, 0, 200)],
  ];
  // A domain's page for the domain with the most failures; its health is as of the corpus's last day.
  const topDomain = top.byDomain.find((entry) => entry.domain !== null)?.domain ?? '';
  const asOf = new Date(END - 86_400_000).toISOString().slice(0, 10);
  const { handlers } = createApiHandlers({ db, databasePath: 'bench', transport: 'http', allowPaths: false });
  queries.push(['one domain’s page', (filter) => handlers.domain({ filter, domain: topDomain, asOf })]);
  // The MX hosts view's own calls: the list (per-MX breakdown and reconciliation), then its domains column; kept
  // per filter (api/mx-host-lists.ts), and the first look at a range, read whole.
  queries.push(['the MX hosts view (kept)', (filter) => handlers.mxHosts({ filter })]);
  queries.push(['the MX hosts view’s policy domains (kept)', (filter) => handlers.mxHostPolicyDomains({ filter })]);
  queries.push(['the MX hosts view, first look at a range', (filter) => new MxHostLists(db).list(filter)]);
  queries.push([
    'the MX hosts view’s policy domains, first look at a range',
    (filter) => new MxHostLists(db).policyDomains(filter),
  ]);
  const time = (
    name: string,
    range: string,
    query: () => unknown,
    around: { before: (run: number) => void; after: () => void } | null = null,
  ): void => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      around?.before(i);
      const started = performance.now();
      query();
      times.push(performance.now() - started);
      around?.after();
    }
    times.sort((a, b) => a - b);
    const at = (share: number): number =>
      Number((times[Math.min(times.length - 1, Math.ceil(share * times.length) - 1)] ?? 0).toFixed(1));
    emit({ figure: 'query', query: name, range, runs, p50ms: at(0.5), p95ms: at(0.95) });
  };
  for (const [range, filter] of [
    ['all time', {}],
    ['last 30 days', last30],
  ] as const) {
    for (const [name, query] of queries) time(name, range, () => query(filter));
  }
  // Domain health is as of a day, whatever the range: assessed anew after every import (cold), then kept.
  const asOfDay = dayOfDate(asOf);
  time('every domain’s health, assessed whole (at start; after reports for most domains)', 'as of the last day', () =>
    new DomainHealthService(db).domains(asOfDay),
  );
  const kept = new DomainHealthService(db);
  time('every domain’s health (the Domains view)', 'as of the last day', () => kept.domains(asOfDay));
  // The Domains view's own call with asOf set: a past day, and a day ten days after the last report, when the
  // feed has stopped (one indexed read finds the last report's day, and the domains are judged as of it).
  time('the Domains view call, as of a past day (kept)', 'as of the last day', () => handlers.domains({ asOf }));
  const stoppedAsOf = new Date(END + 9 * 86_400_000).toISOString().slice(0, 10);
  time('the Domains view call on a stopped feed (kept)', `as of ${stoppedAsOf}`, () =>
    handlers.domains({ asOf: stoppedAsOf }),
  );
  time('the findings (tlsrpt check), assessed', 'as of the last day', () =>
    new DomainHealthService(db).findings(asOfDay),
  );
  // Issue 21: the views judged as of a past day, a week before the newest report (`asOf=` in the URL): the first
  // call assesses every domain as of that day, the ones after it are kept.
  const weekBefore = new Date(END - 8 * 86_400_000).toISOString().slice(0, 10);
  const weekBeforeRange = `as of ${weekBefore}`;
  time('the Domains view call, a week before the last report, first call', weekBeforeRange, () =>
    createApiHandlers({ db, databasePath: 'bench', transport: 'http', allowPaths: false }).handlers.domains({
      asOf: weekBefore,
    }),
  );
  time('the Domains view call, a week before the last report (kept)', weekBeforeRange, () =>
    handlers.domains({ asOf: weekBefore }),
  );
  time('one domain’s page, a week before the last report, last 30 days', weekBeforeRange, () =>
    handlers.domain({ filter: last30, domain: topDomain, asOf: weekBefore }),
  );
  time('the findings view call, a week before the last report', weekBeforeRange, () =>
    handlers.findings({ asOf: weekBefore }),
  );
  // A sync brings a report: the kept answers follow it, the domain health assessing again only the domain it
  // names, the MX hosts view adding its failure details. Each run stores a report for the domain with the most
  // failures (failing at its busiest MX host) in a transaction rolled back after the run.
  const afterNewReport = (keep: () => unknown): { before: (run: number) => void; after: () => void } => ({
    before: (run) => {
      keep();
      db.exec('BEGIN');
      storeReportDocuments(db, [
        reportJson({
          organization: topSender,
          reportId: `bench-new-report-${run}`,
          start: `${asOf}T00:00:00Z`,
          end: `${asOf}T23:59:59Z`,
          policies: [
            policyEntry({
              domain: topDomain,
              successful: 100,
              failed: 2,
              details: [failureDetail('certificate-expired', 2, { 'receiving-mx-hostname': topMx ?? undefined })],
            }),
          ],
        }),
      ]);
    },
    after: () => db.exec('ROLLBACK'),
  });
  const following = new DomainHealthService(db);
  time(
    'every domain’s health after a new report (the Domains view)',
    'as of the last day',
    () => following.domains(asOfDay),
    afterNewReport(() => following.domains(asOfDay)),
  );
  const lists = new MxHostLists(db);
  time(
    'the MX hosts view after a new report',
    'last 30 days',
    () => lists.list(last30),
    afterNewReport(() => lists.list(last30)),
  );
  time(
    'the MX hosts view’s policy domains after a new report',
    'last 30 days',
    () => lists.policyDomains(last30),
    afterNewReport(() => lists.policyDomains(last30)),
  );
  db.close();
}

// The UI figure: serve mode over the same database, the Overview and a long scroll of Failures in Chromium.
if (!values['skip-ui']) {
  for (const figure of await measureUi({ dbPath: join(root, 'bench.sqlite'), projectRoot })) emit(figure);
}

// Serve mode under load: the Overview's answers while an upload, an import beside it and a CSV export run.
if (!values['skip-serve-load']) {
  const figures = await measureServeLoad({ dbPath: join(root, 'bench.sqlite'), workDir: root, projectRoot, end: END });
  for (const figure of figures) emit(figure);
}
