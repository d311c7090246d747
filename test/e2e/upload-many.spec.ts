import { expect, test } from '@playwright/test';
import { reportDocument, failureDetail, policyEntry } from '../helpers/reports.js';
import { database } from './support.js';

/*
 * A drop of more files than one import request may name (the contract takes
 * 10,000 uploads per startImport): the UI splits it into uploads and
 * batches, and every file must arrive and be imported once. Runs after the
 * other specs (they check numbers against a database they filled), and
 * counts only its own sender's reports.
 */

const FILES = 10_500;
const SENDER = 'Many Files Inc.';

test('a drop of 10,500 files through the real UI imports every one', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  // One report per day and domain, as senders send them, some with failures: the rollups get real work.
  const template = reportDocument({
    organization: SENDER,
    policies: [policyEntry({ domain: 'DOMAIN', failed: 2, details: [failureDetail('certificate-expired', 2)] })],
  });
  const dataTransfer = await page.evaluateHandle(
    ({ count, documentText }) => {
      const transfer = new DataTransfer();
      for (let i = 0; i < count; i++) {
        const day = new Date(Date.UTC(2025, 0, 1) + (i % 365) * 86_400_000).toISOString().slice(0, 10);
        const text = documentText
          .replace('"report-1"', `"many-${i}"`)
          .replace('"DOMAIN"', `"d${Math.floor(i / 365)}.many.example"`)
          .replaceAll('2026-01-10', day);
        transfer.items.add(new File([text], `many-${i}.json`, { type: 'application/json' }));
      }
      return transfer;
    },
    { count: FILES, documentText: JSON.stringify(template) },
  );
  await page.dispatchEvent('[data-testid=app]', 'dragover', { dataTransfer });
  await page.dispatchEvent('[data-testid=app]', 'drop', { dataTransfer });
  await expect(page).toHaveURL(/#\/import$/);
  const totals = page.getByTestId('import-totals');
  // Progress is live: some files are done before all are.
  await expect(totals).toHaveText(/^Importing: [1-9][\d,]* of 10,500 files/, { timeout: 120_000 });
  await expect(totals).toHaveText(/^Done: /, { timeout: 540_000 });
  await expect(totals).toContainText(
    '10,500 of 10,500 files · 10,500 imported · 0 duplicates · 0 rejected · 0 skipped',
  );

  const db = database();
  try {
    const stored = db
      .prepare(
        `SELECT COUNT(*) AS reports, COUNT(DISTINCT report_id) AS ids, SUM(failed_sessions) AS failed
         FROM reports WHERE organization_name = ?`,
      )
      .get(SENDER);
    expect(stored).toEqual({ reports: FILES, ids: FILES, failed: 2 * FILES });
    // The rollups that the views read hold exactly the same.
    const rolledUp = db
      .prepare(
        `SELECT reports, failed_sessions AS failed FROM rollup_senders WHERE span = 0 AND day = 0 AND organization = ?`,
      )
      .get(SENDER);
    expect(rolledUp).toEqual({ reports: FILES, failed: 2 * FILES });
    const perDay = db
      .prepare(
        `SELECT COUNT(*) AS days, SUM(failed_sessions) AS failed FROM rollup_sender_mx
         WHERE span = 1 AND organization = ?`,
      )
      .get(SENDER);
    expect(perDay).toEqual({ days: 365, failed: 2 * FILES });
  } finally {
    db.close();
  }
});
