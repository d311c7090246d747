import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clean, dailyReports, failingDay } from '../helpers/health-scenario.js';
import { startMxServers, type MxServers } from '../helpers/mx-servers.js';
import { importWithCli, screenshot, startServe, watchForViolations, type ServeProcess } from './support.js';

/*
 * "Is it fixed now?": reports say two MX hosts failed with certificate-expired
 * these last days; one still presents an expired certificate, the other has
 * been renewed. Real SMTP servers and real validating DNS on loopback
 * (test/helpers/mx-servers.ts) answer the "Check this host now" button of a
 * serve mode of its own, started with that DNS and the servers' port.
 */

test.describe.configure({ mode: 'serial' });

const TODAY = Math.floor(Date.now() / 86_400_000);
let mx: MxServers;
let serve: ServeProcess;
let dir: string;

test.beforeAll(async () => {
  mx = await startMxServers(
    [
      { host: 'mx1.stillbroken.test', address: '127.0.0.31', certificate: 'expired' },
      { host: 'mx1.renewed.test', address: '127.0.0.32', certificate: 'valid', tlsa: ['3 1 1'] },
    ],
    [
      { name: 'stillbroken.test', type: 'MX', data: '10 mx1.stillbroken.test.' },
      { name: 'renewed.test', type: 'MX', data: '10 mx1.renewed.test.' },
    ],
  );
  dir = mkdtempSync(join(tmpdir(), 'tlsrpt-e2e-mx-'));
  const documents = ['stillbroken.test', 'renewed.test'].flatMap((domain) =>
    dailyReports(TODAY, domain, 'enforce', (offset) =>
      offset <= 4 ? failingDay('certificate-expired', 30, `mx1.${domain}`) : clean,
    ),
  );
  const files = documents.map((text, index) => {
    const file = join(dir, `report-${index}.json`);
    writeFileSync(file, text);
    return file;
  });
  const databasePath = join(dir, 'reports.sqlite');
  importWithCli(databasePath, files);
  serve = await startServe(databasePath, 0, [
    '--dns-server',
    mx.resolver,
    '--ca',
    mx.caFile,
    '--smtp-port',
    String(mx.smtpPort),
  ]);
});

test.afterAll(async () => {
  await serve.kill();
  await mx.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function checkNow(page: Page, domain: string): Promise<void> {
  await page.goto(`${serve.url}#/domains/${domain}`);
  const finding = page.getByTestId('findings').locator('[data-code=mx-failing]');
  await expect(finding).toContainText(`mx1.${domain}`);
  // By keyboard: the button takes the focus and Enter presses it.
  const button = finding.getByRole('button', { name: 'Check this host now' });
  await button.focus();
  await expect(button).toBeFocused();
  await page.keyboard.press('Enter');
}

test('"Check this host now" beside an mx-failing finding says still expired, or fixed', async ({ page }) => {
  const problems = await watchForViolations(page);
  await checkNow(page, 'stillbroken.test');
  const finding = page.getByTestId('findings').locator('[data-code=mx-failing]');
  const result = finding.getByTestId('live-mx-result');
  await expect(result).toContainText('Reported: Certificate expired.', { timeout: 30_000 });
  await expect(result.getByTestId('live-mx-sentence')).toHaveText('still expired: notAfter 2020-02-01');
  await expect(result).toContainText(`Tried: 127.0.0.31:${mx.smtpPort}: STARTTLS, TLSv1.`);
  await expect(result.locator('[data-live-code=mx-certificate-expired]')).toContainText('expired on 2020-02-01');
  await finding.scrollIntoViewIfNeeded();
  await screenshot(page, '40-mx-live-check-still-expired');

  await checkNow(page, 'renewed.test');
  const renewed = page.getByTestId('findings').locator('[data-code=mx-failing]').getByTestId('live-mx-result');
  await expect(renewed.getByTestId('live-mx-sentence')).toHaveText(
    /^fixed: valid until \d{4}-\d{2}-\d{2}, names cover mx1\.renewed\.test$/,
    { timeout: 30_000 },
  );
  await expect(renewed.locator('[data-live-code]')).toHaveCount(0);
  // The card alone, for the README.
  await page
    .getByTestId('findings')
    .locator('[data-code=mx-failing]')
    .screenshot({ path: join('test', '.artifacts', 'screenshots', '40-mx-live-check-finding.png') });

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1024, 1366, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await expect
        .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth))
        .toBeLessThanOrEqual(0);
      await renewed.scrollIntoViewIfNeeded();
      await screenshot(page, `40-mx-live-check-${scheme}-${width}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  expect(problems).toEqual([]);
});

test("the MX host's page checks the host against its most reported failure", async ({ page }) => {
  const problems = await watchForViolations(page);
  await page.goto(`${serve.url}#/mx/host/${encodeURIComponent('mx1.stillbroken.test')}`);
  await expect(page.getByTestId('mx-host-name')).toHaveText('mx1.stillbroken.test');
  await page.getByRole('button', { name: 'Check this host now' }).click();
  await expect(page.getByTestId('live-mx-sentence')).toHaveText('still expired: notAfter 2020-02-01', {
    timeout: 30_000,
  });
  await screenshot(page, '41-mx-host-live-check');
  expect(problems).toEqual([]);
});
