import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot, waitForImportDone, watchForViolations } from './support.js';

/*
 * The Import view's list of outcomes over more files than it once listed
 * (1,000, in file order): 1,050 copies of a corpus report the earlier specs
 * stored (so they are duplicates and change no number other specs check),
 * then 2 rejected and 2 skipped files named to come last in file order.
 */
const FOLDER = join('test', '.artifacts', 'import-list');
const COPIES = 1050;

test.beforeAll(() => {
  rmSync(FOLDER, { recursive: true, force: true });
  mkdirSync(FOLDER, { recursive: true });
  const source = join('test', 'fixtures', 'corpus', 'reports', 'dmarc-report-viewer__google.json');
  for (let index = 0; index < COPIES; index++) {
    copyFileSync(source, join(FOLDER, `copy-${String(index).padStart(4, '0')}.json`));
  }
  writeFileSync(join(FOLDER, 'zzz-broken-1.json'), '{"organization-name": ');
  writeFileSync(join(FOLDER, 'zzz-broken-2.json'), 'not a report at all');
  writeFileSync(join(FOLDER, 'zzz-empty-1.json'), '');
  writeFileSync(join(FOLDER, 'zzz-empty-2.json'), '');
});

test('every outcome is reachable: problems first, a filter, a virtual list', async ({ page }) => {
  test.setTimeout(180_000);
  const problems = await watchForViolations(page);
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto('/#/import');
  const files = [
    ...Array.from({ length: COPIES }, (_, index) => join(FOLDER, `copy-${String(index).padStart(4, '0')}.json`)),
    ...['zzz-broken-1.json', 'zzz-broken-2.json', 'zzz-empty-1.json', 'zzz-empty-2.json'].map((name) =>
      join(FOLDER, name),
    ),
  ];
  await page.getByTestId('file-input').setInputFiles(files);
  const totals = await waitForImportDone(page);
  expect(totals).toContain('1,054 of 1,054 files · 0 imported · 1,050 duplicates · 2 rejected · 2 skipped');

  const list = page.getByTestId('import-outcomes');
  const lines = list.locator('li');
  // Problems first, although they came last: the two rejected, then the two skipped.
  await expect(lines.nth(0)).toContainText('Rejected zzz-broken-1.json');
  await expect(lines.nth(1)).toContainText('Rejected zzz-broken-2.json');
  await expect(lines.nth(2)).toContainText('Skipped zzz-empty-1.json: an empty file');
  await expect(lines.nth(3)).toContainText('Skipped zzz-empty-2.json');
  await expect(lines.nth(4)).toContainText('Already stored copy-0000.json');
  // Virtual: only the lines in view are drawn, not 1,054.
  expect(await lines.count()).toBeLessThan(100);
  await screenshot(page, '30-import-list-problems-first');

  // The last file is reachable: scroll to the end of the list.
  await page.getByTestId('import-outcomes-scroll').evaluate((element) => {
    element.scrollTop = element.scrollHeight;
  });
  await expect(list).toContainText(`copy-${String(COPIES - 1).padStart(4, '0')}.json`);

  const filter = page.getByTestId('import-filter');
  await expect(filter.getByLabel('Rejected and skipped (4)')).toBeVisible();
  await filter.getByLabel('Skipped (2)').check();
  await expect(lines).toHaveCount(2);
  await expect(lines.nth(0)).toContainText('zzz-empty-1.json');
  await filter.getByLabel('Rejected (2)').check();
  await expect(lines).toHaveCount(2);
  await expect(list).not.toContainText('Skipped');
  await filter.getByLabel('Already stored (1,050)').check();
  await expect(lines.nth(0)).toContainText('copy-0000.json');
  await filter.getByLabel('Imported (0)').check();
  await expect(page.getByTestId('import-outcomes-empty')).toHaveText('No file with this outcome.');

  // The filter is reached by keyboard: arrows move between its options.
  await filter.getByLabel('Rejected and skipped (4)').focus();
  await page.keyboard.press('ArrowRight');
  await expect(filter.getByLabel('Rejected (2)')).toBeChecked();
  await expect(lines).toHaveCount(2);
  expect(problems).toEqual([]);
});
