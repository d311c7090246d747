import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from './test/helpers/chromium.js';

/**
 * End-to-end tests of the real UI: serve mode over a real SQLite file,
 * driven in Debian's Chromium. No browser is downloaded: the path is
 * Debian's, or $CHROMIUM_PATH.
 */
// $TLSRPT_E2E_PORT lets two checkouts run their end-to-end tests side by side.
const PORT = Number(process.env['TLSRPT_E2E_PORT'] ?? 8461);
export const E2E_DATABASE = 'test/.artifacts/e2e/reports.sqlite';

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test/.artifacts/playwright',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  // Playwright's default of 5 s per expectation fails on a loaded 2-core
  // machine (another suite beside this one): a drop's import or a Dovecot
  // login can take longer. Each expectation still waits only until it holds.
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    launchOptions: {
      executablePath: CHROMIUM_EXECUTABLE,
      args: CHROMIUM_ARGS,
    },
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  },
  webServer: {
    // A fresh database for every run: the tests check numbers against it.
    command: `rm -rf test/.artifacts/e2e && mkdir -p test/.artifacts/e2e && node dist/electron/cli/tlsrpt.js serve --port ${PORT} --db ${E2E_DATABASE}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'pipe',
  },
});
