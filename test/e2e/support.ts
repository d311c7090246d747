import Database from 'better-sqlite3';
import { expect, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_DATABASE } from '../../playwright.config.js';

/** What every end-to-end spec needs: the database behind serve mode, screenshots, and a watch for errors. */

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
