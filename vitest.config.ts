import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

// Three projects: fast unit tests beside the code; integration tests that get a real database
// (see test/global-setup.ts for how it is chosen); and, once both are done, the scan of every
// log line the test apps wrote (test/suite-log.scan.test.ts), for identifiers they were sent.

/**
 * One directory per run for the test apps' logs (test/helpers/test-log.ts); inherited by workers.
 * Set REGISTRY_TEST_LOG_DIR to keep the logs of a run for reading; a directory made here is removed
 * once the scan has run (test/log-dir-setup.ts).
 */
if (!process.env.REGISTRY_TEST_LOG_DIR) {
  process.env.REGISTRY_TEST_LOG_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-test-logs-'));
  process.env.REGISTRY_TEST_LOG_DIR_TEMPORARY = 'true';
}

const SCANS = ['test/**/*.scan.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SCANS],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          // Every answer from a documented route is checked against the OpenAPI document.
          setupFiles: ['test/helpers/contract-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'log-scan',
          include: SCANS,
          environment: 'node',
          globalSetup: ['test/log-dir-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // After every other test, so it reads the whole suite's log.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
