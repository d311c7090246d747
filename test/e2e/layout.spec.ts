import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { failureDetail, policyEntry, reportJson } from '../helpers/reports.js';
import {
  cspViolations,
  cutTextWithoutTitle,
  database,
  expectNoHorizontalOverflow,
  hiddenTableParts,
  importWithCli,
  screenshot,
  startServe,
  syntheticDatabase,
  waitForImportDone,
  watchForViolations,
  type ServeProcess,
} from './support.js';

/*
 * Every view at the widths people use (1024, 1366 and 1440 px), light and
 * dark, over the third-party corpus and over 20,000 synthetic reports: the
 * page is never wider than the window, no table cell or cut text hides
 * part of its text without a title that gives all of it, and no table runs
 * under another or hides a column.
 */

test.describe.configure({ mode: 'serial' });

const WIDTHS = [1024, 1366, 1440] as const;
const SCHEMES = ['light', 'dark'] as const;
const CORPUS = join('test', 'fixtures', 'corpus', 'reports');

/** One of each view, the pages of one sender, MX host, domain and report included (the first the database names). */
function viewsOf(db: Database.Database): string[] {
  const one = (sql: string): string => String(db.prepare(sql).pluck().get());
  const sender = one('SELECT organization_name FROM reports ORDER BY organization_name LIMIT 1');
  const mx = one(
    `SELECT receiving_mx_hostname FROM failure_details WHERE receiving_mx_hostname IS NOT NULL
     GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1`,
  );
  const domain = one(
    'SELECT policy_domain FROM policies WHERE policy_domain IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
  );
  // The report with the most failure details: its table is the widest.
  const report = one('SELECT report_rowid FROM failure_details GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1');
  return [
    '/',
    '/domains',
    `/domains/${encodeURIComponent(domain)}`,
    '/senders',
    `/senders/${encodeURIComponent(sender)}`,
    '/mx',
    `/mx/host/${encodeURIComponent(mx)}`,
    '/failures',
    '/reports',
    `/reports/${report}`,
    '/import',
    '/policies',
    '/mailboxes',
  ];
}

/** Waits until the view has drawn its data: no "Loading…" or "Counting…" left. */
async function settle(page: Page): Promise<void> {
  await expect(page.locator('main')).not.toContainText(/Loading…|Counting…/, { timeout: 30_000 });
}

async function checkViews(page: Page, base: string, views: string[], name: string): Promise<void> {
  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      for (const view of views) {
        await page.goto(`${base}#${view}`);
        await settle(page);
        const where = `${view} at ${width} px, ${scheme}`;
        await test.step(where, async () => {
          await expectNoHorizontalOverflow(page);
          expect(await cutTextWithoutTitle(page), where).toEqual([]);
          // Tables side by side (the domain page's MX hosts and result types) never run under each other.
          expect(await hiddenTableParts(page), where).toEqual([]);
        });
        if (width === 1024 || (width === 1440 && scheme === 'light')) {
          const slug = view.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'overview';
          await screenshot(page, `layout-${name}-${width}-${scheme}-${slug.slice(0, 40)}`);
        }
      }
    }
  }
}

test('every view fits 1024, 1366 and 1440 px, light and dark, over the corpus', async ({ page }) => {
  test.setTimeout(300_000);
  const problems = await watchForViolations(page);
  // The corpus as the other specs import it (a duplicate changes nothing), so that this spec also runs alone.
  await page.goto('/#/import');
  const files = readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(CORPUS, entry.name));
  await page.getByTestId('file-input').setInputFiles(files);
  await waitForImportDone(page);
  const db = database();
  const views = viewsOf(db);
  db.close();
  await checkViews(page, '/', views, 'corpus');
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

/** The labels of the value axes in `chart` that are drawn past the left edge of their chart: cut where the chart ends. */
async function cutAxisLabels(page: Page, testId: string): Promise<string[]> {
  const chart = page.getByTestId(testId);
  await expect(chart.locator('.recharts-yAxis-tick-labels text').first()).toBeVisible();
  return chart.evaluate((area) => {
    const svg = area.querySelector('svg');
    if (svg === null) return ['no chart'];
    const left = svg.getBoundingClientRect().left;
    return [...area.querySelectorAll('.recharts-yAxis-tick-labels text')]
      .filter((text) => text.getBoundingClientRect().left < left - 0.5)
      .map((text) => text.textContent);
  });
}

test('a count axis of millions shows its labels whole', async ({ page }) => {
  // A database of its own: 16 million sessions a day would change the totals the other specs read.
  const dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-axis-'));
  const serve = await (async () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
    const files = days.map((day, index) => {
      const file = join(dir, `report-${index}.json`);
      const policies = [
        policyEntry({
          domain: 'big.example',
          successful: 16_000_000 - index * 1_000_000,
          failed: 2_500_000,
          details: [failureDetail('certificate-expired', 2_500_000, { 'receiving-mx-hostname': 'mx.big.example' })],
        }),
      ];
      writeFileSync(
        file,
        reportJson({ reportId: `big-${day}`, start: `${day}T00:00:00Z`, end: `${day}T23:59:59Z`, policies }),
      );
      return file;
    });
    importWithCli(join(dir, 'reports.sqlite'), files);
    return startServe(join(dir, 'reports.sqlite'));
  })();
  try {
    const problems = await watchForViolations(page);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${serve.url}#/`);
      expect(await cutAxisLabels(page, 'daily-chart'), `the sessions chart at ${width} px`).toEqual([]);
      const labels = await page
        .getByTestId('daily-chart')
        .locator('.recharts-yAxis-tick-labels text')
        .allTextContents();
      expect(labels).toContain('20,000,000');
      await page.goto(`${serve.url}#/mx/host/mx.big.example`);
      expect(await cutAxisLabels(page, 'mx-host-daily'), `the MX host's chart at ${width} px`).toEqual([]);
    }
    await page.goto(`${serve.url}#/`);
    await screenshot(page, 'layout-axis-millions');
    expect(problems).toEqual([]);
  } finally {
    await serve.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.describe('20,000 synthetic reports', () => {
  // Importing 20,000 reports takes about a minute on 2 shared cores, and counts towards the first test that runs.
  test.describe.configure({ timeout: 400_000 });
  let serve: ServeProcess | undefined;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    serve = await startServe(syntheticDatabase());
  });

  test.afterAll(async () => {
    await serve?.kill();
  });

  test('every view fits 1024, 1366 and 1440 px, light and dark', async ({ page }) => {
    if (!serve) throw new Error('no server');
    const problems = await watchForViolations(page);
    const db = new Database(syntheticDatabase(), { readonly: true, fileMustExist: true });
    const views = viewsOf(db);
    db.close();
    await checkViews(page, serve.url, views, 'synthetic');
    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  test('count axes are labelled in whole numbers, and the last time label is whole', async ({ page }) => {
    if (!serve) throw new Error('no server');
    await page.setViewportSize({ width: 1024, height: 900 });
    // Ranges of one bar per day, whose last bar is labelled with some of them: every label whole, inside the chart.
    for (const from of ['2026-10-25', '2026-10-20', '2026-10-12', '2026-10-01']) {
      await page.goto(`${serve.url}#/?range=custom&from=${from}&to=2026-10-31`);
      const chart = page.getByTestId('daily-chart');
      await expect(chart.locator('.recharts-bar-rectangle').first()).toBeVisible();
      const labels = await chart.locator('.recharts-xAxis-tick-labels text').allTextContents();
      expect(labels.length).toBeGreaterThan(2);
      expect(labels[0]).toBe(from);
      for (const label of labels) expect(label).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const outside = await chart.evaluate((area) => {
        const box = area.getBoundingClientRect();
        return [...area.querySelectorAll('.recharts-xAxis-tick-labels text')]
          .filter((text) => {
            const rect = text.getBoundingClientRect();
            return rect.right > box.right + 0.5 || rect.left < box.left - 0.5;
          })
          .map((text) => text.textContent);
      });
      expect(outside, `labels cut at the chart's edge from ${from}`).toEqual([]);
      for (const label of await chart.locator('.recharts-yAxis-tick-labels text').allTextContents()) {
        expect(label).toMatch(/^[\d,]+$/);
      }
    }
    // A host that failed once a day: its axis is 0 and 1, not quarters of a session.
    const db = new Database(syntheticDatabase(), { readonly: true, fileMustExist: true });
    const host = db
      .prepare(
        `SELECT receiving_mx_hostname FROM failure_details WHERE receiving_mx_hostname IS NOT NULL
         GROUP BY 1 ORDER BY SUM(failed_sessions) LIMIT 1`,
      )
      .pluck()
      .get() as string;
    db.close();
    await page.goto(`${serve.url}#/mx/host/${encodeURIComponent(host)}`);
    const daily = page.getByTestId('mx-host-daily');
    await expect(daily.locator('.recharts-yAxis-tick-labels text').first()).toBeVisible();
    const ticks = await daily.locator('.recharts-yAxis-tick-labels text').allTextContents();
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const label of ticks) expect(label).toMatch(/^[\d,]+$/);
    expect(new Set(ticks).size).toBe(ticks.length);
  });
});
