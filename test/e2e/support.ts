import Database from 'better-sqlite3';
import { expect, type Page } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
