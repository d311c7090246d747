import Database from 'better-sqlite3';
import { expect, type Page } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticCorpus } from '../bench/synthetic-corpus.js';
import { E2E_DATABASE } from '../../playwright.config.js';

// What every end-to-end spec needs: the database behind serve mode, screenshots, and a watch for errors.

const SCREENSHOTS = join('test', '.artifacts', 'screenshots');

export function database(): Database.Database {
  return new Database(E2E_DATABASE, { readonly: true, fileMustExist: true });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Records CSP violations, page errors and console errors, which must never happen. */
export async function watchForViolations(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.addInitScript(() => {
    const record = window as unknown as { __cspViolations?: string[] };
    document.addEventListener('securitypolicyviolation', (event) => {
      (record.__cspViolations ??= []).push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return problems;
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

/** Waits for the Import view's totals to say the import is done, and returns them. */
export async function waitForImportDone(page: Page): Promise<string> {
  const totals = page.getByTestId('import-totals');
  await expect(totals).toHaveText(/^Done: /, { timeout: 30_000 });
  return (await totals.textContent()) ?? '';
}

/** A `tlsrpt serve` of its own, for a spec that needs another database or must stop the server mid-session. */
export interface ServeProcess {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  port: number;
  /** Stops it at once, as a crash or `kill -9` would. */
  kill(): Promise<void>;
}

/**
 * Starts the built command line's `serve` on loopback, on a port the system
 * picks (port 0) unless one is given, and waits for the line that names it.
 */
export async function startServe(databasePath: string, port = 0, extraArgs: string[] = []): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      'dist/electron/cli/tlsrpt.js',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--db',
      databasePath,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${output}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Imports files into a database with the command line, as another process would while the app is open. */
export function importWithCli(databasePath: string, paths: string[]): string {
  return execFileSync(process.execPath, ['dist/electron/cli/tlsrpt.js', 'import', '--db', databasePath, ...paths], {
    encoding: 'utf8',
    // A line per file: 20,000 files print about 2 MB.
    maxBuffer: 64 * 1024 * 1024,
  });
}

const CORPUS_REPORTS = join('test', 'fixtures', 'corpus', 'reports');

/** The files of the project's corpus of reports from the wild (not its subfolders). */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_REPORTS, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(CORPUS_REPORTS, entry.name));
}

/** A `tlsrpt serve` over a database of its own, and the folder that holds it. */
export interface ScenarioServe extends ServeProcess {
  /** Stops the server and removes its database. */
  stop(): Promise<void>;
}

/**
 * Starts a `tlsrpt serve` on a free port over a fresh temporary database
 * holding just the given report documents (JSON text) and files: for a spec
 * that needs data of its own. The shared server of playwright.config.ts is
 * left alone, so that no spec writes into its database out of order (specs
 * run by file name, and app.spec.ts expects it to start empty). Call
 * `stop()` in afterAll.
 */
export async function startScenarioServe(
  name: string,
  documents: readonly string[],
  paths: readonly string[] = [],
): Promise<ScenarioServe> {
  const dir = mkdtempSync(join(tmpdir(), `tlsrpt-e2e-${name}-`));
  const files = join(dir, 'files');
  mkdirSync(files);
  documents.forEach((text, index) => writeFileSync(join(files, `${name}-${index}.json`), text));
  const databasePath = join(dir, 'reports.sqlite');
  importWithCli(databasePath, [files, ...paths]);
  const serve = await startServe(databasePath);
  return {
    ...serve,
    stop: async () => {
      await serve.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The 20,000-report synthetic set (test/bench/synthetic-corpus.ts), imported
 * once per test run into its own database (under the folder serve mode's
 * database is, which every run starts without), for the specs that need a
 * large data set.
 */
export function syntheticDatabase(): string {
  const dir = join('test', '.artifacts', 'e2e', 'synthetic');
  const path = join(dir, 'reports.sqlite');
  const done = join(dir, 'imported');
  if (existsSync(done)) return path;
  rmSync(dir, { recursive: true, force: true });
  const files = join(dir, 'files');
  writeSyntheticCorpus(files, { reports: SYNTHETIC_REPORTS, emailShare: 0.1, seed: 8460 }, SYNTHETIC_END);
  importWithCli(path, [files]);
  rmSync(files, { recursive: true, force: true });
  writeFileSync(done, '');
  return path;
}

export const SYNTHETIC_REPORTS = 20_000;
/** The synthetic reports end on this day (their newest report covers 2026-10-31). */
export const SYNTHETIC_END = Date.UTC(2026, 10, 1);

/** Nothing is wider than the window, once the charts have followed a change of its size. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), {
      message: 'the page is wider than the window',
      // Charts measure their box and draw again after a resize; on a busy machine that takes a few seconds.
      timeout: 15_000,
    })
    .toBeLessThanOrEqual(0);
}

/**
 * Table cells, and text cut with an ellipsis, whose content does not fit
 * their box and that carry no `title` with the whole text: what a reader
 * cannot read. Returned as `text (needs N px, has M px)`.
 */
export async function cutTextWithoutTitle(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const candidates = document.querySelectorAll<HTMLElement>(
      'main td, main th, main [role=cell], main [role=columnheader], main [role=gridcell], main .cut',
    );
    for (const element of candidates) {
      if (element.getClientRects().length === 0) continue;
      const style = getComputedStyle(element);
      const clips = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
      // A cell that does not clip grows with its text, unless the text runs out of it.
      const tooNarrow = element.scrollWidth > element.clientWidth + 1;
      if (!tooNarrow) continue;
      if (clips && element.title !== '') continue;
      const text = element.textContent.trim().slice(0, 60);
      problems.push(`${text} (needs ${element.scrollWidth} px, has ${element.clientWidth} px)`);
    }
    return problems;
  });
}

/** Imports report documents (JSON text) through the Import view's file picker, and waits until it is done. */
export async function importDocuments(page: Page, documents: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-import-'));
  try {
    const files = documents.map((text, index) => {
      const file = join(dir, `report-${index}.json`);
      writeFileSync(file, text);
      return file;
    });
    await page.goto('/#/import');
    await page.getByTestId('file-input').setInputFiles(files);
    return await waitForImportDone(page);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a reader cannot see of the tables in `main`: a table that runs under
 * another, and a header cell that something else covers where it is drawn
 * (a neighbour the table ran under, the edge of a box that clips it).
 * Returned as sentences naming the tables and columns.
 */
export async function hiddenTableParts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const name = (table: Element): string => table.getAttribute('aria-label') ?? table.textContent.slice(0, 30);
    const tables = [...document.querySelectorAll('main table')]
      .filter((table) => table.getClientRects().length > 0)
      .map((table) => ({ table, box: table.getBoundingClientRect() }));
    tables.forEach((first, index) => {
      for (const second of tables.slice(index + 1)) {
        const apart =
          first.box.right <= second.box.left ||
          second.box.right <= first.box.left ||
          first.box.bottom <= second.box.top ||
          second.box.bottom <= first.box.top;
        if (!apart) problems.push(`“${name(first.table)}” overlaps “${name(second.table)}”`);
      }
    });
    for (const { table } of tables) {
      for (const header of table.querySelectorAll('thead th')) {
        header.scrollIntoView({ block: 'center', inline: 'center' });
        const box = header.getBoundingClientRect();
        const seen = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        if (seen === null || !header.contains(seen)) {
          problems.push(`column “${header.textContent.trim()}” of “${name(table)}” is hidden`);
        }
      }
    }
    window.scrollTo(0, 0);
    return problems;
  });
}

/** One piece of text and its contrast ratio (WCAG 2) against what is drawn behind it. */
export interface TextContrast {
  text: string;
  ratio: number;
}

/**
 * The contrast of the text of every visible element matching `selector`
 * (by default every element with text of its own), computed from the
 * computed styles: its colour, times the opacity of it and its ancestors,
 * over the first opaque background behind it, each background with alpha
 * composited on the one below. SVG text counts its fill. Text hidden from
 * assistive technology (aria-hidden) and disabled controls, which WCAG
 * exempts, are left out.
 */
export async function textContrasts(page: Page, selector?: string): Promise<TextContrast[]> {
  return page.evaluate((wanted) => {
    type Rgba = [number, number, number, number];
    const parse = (text: string): Rgba => {
      const numbers = /rgba?\(([^)]+)\)/
        .exec(text)?.[1]
        ?.split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      if (numbers === undefined || numbers.length < 3) throw new Error(`a colour this test cannot read: ${text}`);
      const [r = 0, g = 0, b = 0, a = 1] = numbers;
      return [r, g, b, a];
    };
    const over = (top: Rgba, below: Rgba): Rgba => {
      const a = top[3];
      return [top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1];
    };
    const luminance = ([r, g, b]: Rgba): number => {
      const [lr, lg, lb] = [r, g, b].map((value) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
    };
    const backgroundOf = (element: Element): Rgba => {
      const layers: Rgba[] = [];
      for (let at: Element | null = element; at !== null; at = at.parentElement) {
        const layer = parse(getComputedStyle(at).backgroundColor);
        if (layer[3] > 0) layers.push(layer);
        if (layer[3] >= 1) break;
      }
      let colour: Rgba = [255, 255, 255, 1];
      for (const layer of layers.reverse()) colour = over(layer, colour);
      return colour;
    };
    const opacityOf = (element: Element): number => {
      let opacity = 1;
      for (let at: Element | null = element; at !== null; at = at.parentElement) {
        opacity *= Number(getComputedStyle(at).opacity);
      }
      return opacity;
    };
    const ownText = (element: Element): string =>
      [...element.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? '')
        .join('')
        .trim();
    const candidates =
      wanted === null ? [...document.querySelectorAll('body *')] : [...document.querySelectorAll(wanted)];
    const results: { text: string; ratio: number }[] = [];
    for (const element of candidates) {
      const text = wanted === null ? ownText(element) : element.textContent.trim();
      if (text === '' || element.getClientRects().length === 0) continue;
      if (element.closest('[aria-hidden="true"], :disabled, script, style, title') !== null) continue;
      const style = getComputedStyle(element);
      if (style.visibility !== 'visible') continue;
      const background = backgroundOf(element);
      const own = parse(element instanceof SVGElement ? style.fill : style.color);
      const colour = over([own[0], own[1], own[2], own[3] * opacityOf(element)], background);
      const [light, dark] = [luminance(colour), luminance(background)].sort((a, b) => b - a) as [number, number];
      results.push({ text: text.slice(0, 40), ratio: Math.round(((light + 0.05) / (dark + 0.05)) * 100) / 100 });
    }
    return results;
  }, selector ?? null);
}
