import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that start servers or child processes clean up after themselves;
    // forks keep better-sqlite3's native module out of shared worker threads.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
