// The UI figure of issue 6: serve mode over a benchmark database, driven by
// Playwright in Debian's Chromium. Navigation to the Overview until its charts
// are drawn, and scrolling the Failures view through up to 100,000 rows while
// recording long tasks. Measures only; the caller prints the figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../helpers/chromium.js';

export interface UiFigureOptions {
  /** The SQLite database serve mode opens (it may be migrated: pass a copy). */
  dbPath: string;
  /** The project, with `npm run build` done: dist/electron/cli/tlsrpt.js and dist/renderer. */
  projectRoot: string;
  /** Rows of the Failures view to scroll through; 100,000 by default, or all if fewer. */
  failureRowsToScroll?: number;
}

const VIEWPORT = { width: 1400, height: 900 };
/** Navigations to the Overview after the cold one. */
const WARM_NAVIGATIONS = 5;
/** Opening the database may migrate it (rollups over a million reports). */
const SERVE_READY_TIMEOUT_MS = 10 * 60_000;
const VIEW_TIMEOUT_MS = 120_000;
/** How far each animation frame scrolls: a fast drag of the scroll bar. */
const VIEWPORTS_PER_FRAME = 3;
/** Longest wait for the rows in view to leave their placeholders before the scroll gives up. */
const ROW_LOAD_TIMEOUT_MS = 30_000;
const LONG_TASK_MS = 50;

// The page's own objects, as far as the functions run in it use them. The
// benchmarks compile without the DOM library: these name just what is needed.
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { top: number; bottom: number; height: number };
  querySelector(selectors: string): PageElement | null;
  querySelectorAll(selectors: string): ArrayLike<PageElement>;
}
interface ScrollElement extends PageElement {
  scrollTop: number;
  readonly clientHeight: number;
  readonly scrollHeight: number;
}
interface LongTask {
  startTime: number;
  duration: number;
}
interface PageGlobals {
  document: { querySelector(selectors: string): PageElement | null };
  performance: { now(): number };
  requestAnimationFrame(callback: (time: number) => void): number;
  PerformanceObserver: new (callback: (list: { getEntries(): LongTask[] }) => void) => {
    observe(options: { type: string; buffered: boolean }): void;
  };
  uiFigureLongTasks?: LongTask[];
}

interface OverviewRun {
  navigationMs: number;
  drawnInPageMs: number;
  dailyBars: number;
  resultTypeBars: number;
  longestTaskMs: number;
}

interface ScrollResult {
  total: number;
  rowsTarget: number;
  rowsScrolled: number;
  rowHeight: number;
  viewportRows: number;
  frames: number;
  framesWaitingForRows: number;
  rowWaitMs: number;
  scrollMs: number;
  longTasks: LongTask[];
  lastRowIndex: number;
  lastRowsReal: boolean;
  lastRowText: string;
}

/**
 * Runs serve mode over `dbPath` on a free loopback port, measures the
 * Overview's navigation and the Failures view's scroll in headless Chromium,
 * and stops both. Returns one figure object per measurement.
 */
export async function measureUi(options: UiFigureOptions): Promise<Record<string, unknown>[]> {
  const rowsWanted = options.failureRowsToScroll ?? 100_000;
  const server = await startServe(options.projectRoot, options.dbPath);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, headless: true, args: CHROMIUM_ARGS });
    const overviewUrl = `${server.url}#/`;
    const cold = await measureOverview(browser, overviewUrl);
    const warm: OverviewRun[] = [];
    for (let run = 0; run < WARM_NAVIGATIONS; run++) warm.push(await measureOverview(browser, overviewUrl));
    const navigation = warm.map((run) => run.navigationMs);
    const inPage = warm.map((run) => run.drawnInPageMs);
    const scroll = await measureFailureScroll(browser, `${server.url}#/failures`, rowsWanted);
    const overLimit = scroll.longTasks.filter((task) => task.duration > LONG_TASK_MS);
    return [
      {
        figure: 'ui',
        view: 'overview',
        navigations: warm.length,
        navigationMs: round(median(navigation)),
        navigationMaxMs: round(Math.max(...navigation)),
        drawnInPageMs: round(median(inPage)),
        coldNavigationMs: round(cold.navigationMs),
        coldDrawnInPageMs: round(cold.drawnInPageMs),
        longestTaskMs: round(Math.max(...warm.map((run) => run.longestTaskMs))),
        coldLongestTaskMs: round(cold.longestTaskMs),
        dailyBars: cold.dailyBars,
        resultTypeBars: cold.resultTypeBars,
        targetMs: 1500,
      },
      {
        figure: 'ui',
        view: 'failures scroll',
        totalRows: scroll.total,
        rowsTarget: scroll.rowsTarget,
        rowsScrolled: scroll.rowsScrolled,
        longTasksOver50ms: overLimit.length,
        longestTaskMs: round(Math.max(0, ...scroll.longTasks.map((task) => task.duration))),
        longTaskTotalMs: round(overLimit.reduce((sum, task) => sum + task.duration, 0)),
        scrollSeconds: round(scroll.scrollMs / 1000, 2),
        frames: scroll.frames,
        rowsPerFrame: round(scroll.viewportRows * VIEWPORTS_PER_FRAME, 1),
        framesWaitingForRows: scroll.framesWaitingForRows,
        rowWaitSeconds: round(scroll.rowWaitMs / 1000, 2),
        lastRowIndex: scroll.lastRowIndex,
        lastRowsReal: scroll.lastRowsReal,
        lastRow: scroll.lastRowText,
      },
    ];
  } finally {
    await browser?.close();
    await server.stop();
  }
}

interface ServeProcess {
  url: string;
  stop: () => Promise<void>;
}

/** `tlsrpt serve --port 0`: the system picks a free port, and the command prints the URL it took. */
export async function startServe(projectRoot: string, dbPath: string): Promise<ServeProcess> {
  const cli = join(projectRoot, 'dist', 'electron', 'cli', 'tlsrpt.js');
  const child = spawn(process.execPath, [cli, 'serve', '--db', dbPath, '--host', '127.0.0.1', '--port', '0'], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await readServeUrl(child);
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readServeUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const finish = (error: Error | null, url?: string): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining both pipes so the server never blocks on a full one.
      child.stdout?.resume();
      child.stderr?.resume();
      if (error) reject(error);
      else if (url !== undefined) resolve(url);
    };
    const onStdout = (chunk: Buffer): void => {
      stdout += chunk.toString('utf8');
      const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (match?.[1] !== undefined) finish(null, match[1]);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(
        new Error(`tlsrpt serve exited (${signal ?? String(code)}) before serving: ${stderr.trim() || stdout.trim()}`),
      );
    };
    const onError = (error: Error): void => finish(error);
    const timer = setTimeout(() => {
      finish(new Error(`tlsrpt serve did not print its URL within ${SERVE_READY_TIMEOUT_MS / 1000} s`));
    }, SERVE_READY_TIMEOUT_MS);
    child.stdout?.on('data', onStdout);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** A fresh context and page (no cache, no state), recording long tasks from the first script on. */
async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(() => {
    const page = globalThis as unknown as PageGlobals;
    const tasks: LongTask[] = [];
    page.uiFigureLongTasks = tasks;
    new page.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push({ startTime: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  return context.newPage();
}

/** One navigation to the Overview in a fresh page, until the totals and both charts' bars are drawn. */
async function measureOverview(browser: Browser, url: string): Promise<OverviewRun> {
  const page = await freshPage(browser);
  try {
    const started = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    const drawn = await page.waitForFunction(
      () => {
        const { document, performance } = globalThis as unknown as PageGlobals;
        const reports = document.querySelector('[data-testid="card-reports"] .card-value');
        const failed = document.querySelector('[data-testid="card-failed"] .card-value');
        if (!reports || !failed || !/\d/.test(reports.textContent ?? '')) return false;
        const bars = (testId: string): number =>
          document.querySelector(`[data-testid="${testId}"] svg.recharts-surface`)
            ? (document.querySelector(`[data-testid="${testId}"]`)?.querySelectorAll('.recharts-bar-rectangle path')
                .length ?? 0)
            : 0;
        const dailyBars = bars('daily-chart');
        if (dailyBars === 0) return false;
        // No failures, no result-type chart (the Overview leaves it out).
        const anyFailed = /[1-9]/.test(failed.textContent ?? '');
        const resultTypeBars = bars('result-type-chart');
        if (anyFailed && resultTypeBars === 0) return false;
        return { drawnInPageMs: performance.now(), dailyBars, resultTypeBars };
      },
      undefined,
      { polling: 'raf', timeout: VIEW_TIMEOUT_MS },
    );
    const navigationMs = performance.now() - started;
    const result = await drawn.jsonValue();
    if (result === false) throw new Error('the Overview was not drawn');
    const longTasks = await page.evaluate(() => (globalThis as unknown as PageGlobals).uiFigureLongTasks ?? []);
    const untilDrawn = longTasks.filter((task) => task.startTime <= result.drawnInPageMs);
    return {
      navigationMs,
      drawnInPageMs: result.drawnInPageMs,
      dailyBars: result.dailyBars,
      resultTypeBars: result.resultTypeBars,
      longestTaskMs: Math.max(0, ...untilDrawn.map((task) => task.duration)),
    };
  } finally {
    await page.context().close();
  }
}

/**
 * Opens the Failures view, waits for its first rows, then scrolls its list
 * from the top to row `rowsWanted` (or the last row), a few viewport heights
 * per animation frame; where the rows in view are still placeholders it waits
 * frame by frame until their page has loaded. Long tasks are those the page
 * saw between the first and the last step.
 */
async function measureFailureScroll(browser: Browser, url: string, rowsWanted: number): Promise<ScrollResult> {
  const page = await freshPage(browser);
  try {
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(
      () => {
        const { document } = globalThis as unknown as PageGlobals;
        const table = document.querySelector('[role="table"][aria-label="Failure details"]');
        const count = Number(table?.getAttribute('aria-rowcount') ?? '0');
        const first = document.querySelector('[data-testid="failure-row"] [role="cell"]');
        return count > 1 && first !== null && first.textContent !== '…';
      },
      undefined,
      { polling: 'raf', timeout: VIEW_TIMEOUT_MS },
    );
    return await page.evaluate(
      async ({ rowsWanted, viewportsPerFrame, rowLoadTimeoutMs }) => {
        const page = globalThis as unknown as PageGlobals;
        const { document, performance } = page;
        const nextFrame = (): Promise<number> => new Promise((resolve) => page.requestAnimationFrame(resolve));
        const table = document.querySelector('[role="table"][aria-label="Failure details"]');
        const scroller = document.querySelector('[data-testid="failures-scroll"]') as ScrollElement | null;
        if (!table || !scroller) throw new Error('no Failures list');
        const total = Number(table.getAttribute('aria-rowcount')) - 1;
        const rowsToScroll = Math.min(rowsWanted, total);
        // The stride between rows (their borders included), as the list lays them out.
        const [first, second] = Array.from(scroller.querySelectorAll('[data-testid="failure-row"]'));
        const rowHeight =
          first && second
            ? second.getBoundingClientRect().top - first.getBoundingClientRect().top
            : (first?.getBoundingClientRect().height ?? 34);
        const viewport = scroller.clientHeight;
        const target = Math.max(0, Math.min(rowsToScroll * rowHeight - viewport, scroller.scrollHeight - viewport));
        const step = viewport * viewportsPerFrame;

        /** The rows inside the scroller's box (not the overscan), and whether any is still a placeholder. */
        const rowsInView = (): { index: number; text: string; placeholder: boolean }[] => {
          const box = scroller.getBoundingClientRect();
          return Array.from(scroller.querySelectorAll('[data-testid="failure-row"]'))
            .filter((row) => {
              const rect = row.getBoundingClientRect();
              return rect.bottom > box.top + 1 && rect.top < box.bottom - 1;
            })
            .map((row) => {
              const cells = Array.from(row.querySelectorAll('[role="cell"]')).map((cell) => cell.textContent ?? '');
              return {
                index: Number(row.getAttribute('aria-rowindex')) - 2,
                text: cells.join(' | '),
                placeholder: cells.some((cell) => cell === '…'),
              };
            })
            .sort((a, b) => a.index - b.index);
        };

        /** Rows in view not drawn yet, or still placeholders while their page loads. */
        const waiting = (): boolean => {
          const rows = rowsInView();
          return rows.length === 0 || rows.some((row) => row.placeholder);
        };

        let frames = 0;
        let framesWaitingForRows = 0;
        let rowWaitMs = 0;
        const started = performance.now();
        for (;;) {
          scroller.scrollTop = Math.min(target, scroller.scrollTop + step);
          await nextFrame();
          frames++;
          // A fast drag shows placeholders; the figure waits for the rows before dragging on.
          if (waiting()) {
            const waitStarted = performance.now();
            while (waiting()) {
              if (performance.now() - waitStarted > rowLoadTimeoutMs)
                throw new Error(`rows at scrollTop ${scroller.scrollTop} did not load in ${rowLoadTimeoutMs} ms`);
              await nextFrame();
              framesWaitingForRows++;
            }
            rowWaitMs += performance.now() - waitStarted;
          }
          if (scroller.scrollTop >= target - 1) break;
        }
        const ended = performance.now();
        const last = rowsInView();
        const lastRow = last[last.length - 1];
        return {
          total,
          rowsTarget: rowsToScroll,
          rowsScrolled: lastRow === undefined ? 0 : lastRow.index + 1,
          rowHeight,
          viewportRows: viewport / rowHeight,
          frames,
          framesWaitingForRows,
          rowWaitMs,
          scrollMs: ended - started,
          longTasks: (page.uiFigureLongTasks ?? []).filter(
            (task) => task.startTime + task.duration >= started && task.startTime <= ended,
          ),
          lastRowIndex: lastRow?.index ?? -1,
          lastRowsReal: last.length > 0 && last.every((row) => !row.placeholder && row.text.trim() !== ''),
          lastRowText: lastRow?.text ?? '',
        };
      },
      { rowsWanted, viewportsPerFrame: VIEWPORTS_PER_FRAME, rowLoadTimeoutMs: ROW_LOAD_TIMEOUT_MS },
    );
  } finally {
    await page.context().close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
