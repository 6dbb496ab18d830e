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

/**
 * Files and the tests in them run in a random order, so a test that leans on another's data or
 * order fails. The seed is printed; VITEST_SEED=<seed> (or --sequence.seed) replays an order.
 */
const seed = Number(process.env.VITEST_SEED) || Math.floor(Math.random() * 1_000_000) + 1;
if (!process.env.VITEST_SEED) process.env.VITEST_SEED = String(seed);
if (!process.env.VITEST_WORKER_ID) console.info(`[tests] order: shuffled, seed ${seed} (replay with VITEST_SEED=${seed})`);
const sequence = { shuffle: { files: true, tests: true }, seed };

export default defineConfig({
  test: {
    sequence,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          sequence: { ...sequence, groupOrder: 0 },
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
          sequence: { ...sequence, groupOrder: 0 },
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
          sequence: { ...sequence, groupOrder: 1 },
        },
      },
    ],
  },
});
