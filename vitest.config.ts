import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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
 * Test files that need a module graph of their own. Every other file shares its worker's modules
 * with the files before it (`isolate: false`): importing the application anew for each file was
 * 240 of a run's CPU seconds (Vitest's "import" time), against 35 without. Tracing must start
 * before Fastify, graphql and pg are loaded, as server.ts starts it, so that its instrumentations
 * patch them; shared, it saw none of them and leaked its tracer into the other files' apps.
 */
const ISOLATED = ['test/tracing.test.ts'];

/**
 * Files and the tests in them run in a random order, so a test that leans on another's data or
 * order fails. The seed is printed; VITEST_SEED=<seed> (or --sequence.seed) replays an order.
 */
const seed = Number(process.env.VITEST_SEED) || Math.floor(Math.random() * 1_000_000) + 1;
if (!process.env.VITEST_SEED) process.env.VITEST_SEED = String(seed);
if (!process.env.VITEST_WORKER_ID) console.info(`[tests] order: shuffled, seed ${seed} (replay with VITEST_SEED=${seed})`);
/**
 * The longest files (BENCHMARKS.md, the suite's ten slowest on either database, their hooks and
 * the shared worlds they build included), started first: in a random order one
 * of them could start last and end the run alone, minutes after the rest. Every other file keeps
 * its random place, and the tests in every file are shuffled.
 */
const LONGEST = [
  'test/statistics-provider-attacks.test.ts',
  'test/browser/demo-dashboard.test.ts',
  'test/statistics-key-arithmetic.test.ts',
  'test/cli.test.ts',
  'test/browser/programmes.test.ts',
  'test/statistics-attacks-added-youths.test.ts',
  'test/research-graphql.test.ts',
  'test/statistics-release-model.test.ts',
  'test/research-release-export.test.ts',
  'test/statistics-release-audit.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const random = seeded(seed);
    const shuffled = files.map((file) => ({ file, draw: random() })).sort((a, b) => a.draw - b.draw);
    const rank = (file: TestSpecification) => {
      const index = LONGEST.findIndex((name) => file.moduleId.endsWith(name));
      return index < 0 ? LONGEST.length : index;
    };
    // Stable: the log scan's group (groupOrder 1) stays after every other, each group longest first, then at random.
    return shuffled
      .map(({ file }) => file)
      .sort((a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b));
  }
}

/** Mulberry32: the file order's draws, from the printed seed. */
function seeded(value: number): () => number {
  let state = value >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sequence = { shuffle: { files: false, tests: true }, seed, sequencer: LongestFirstSequencer };

/**
 * A test that asserts nothing fails (issue #25): a loop that never ran, or a generated input that
 * never reached its `expect`, would otherwise pass. Counted before the afterEach hooks, so the
 * contract check that runs after every integration test does not count for the test; but what a
 * beforeEach asserts (a world built per test) does, so a loop in such a file counts its own
 * iterations (owasp-api-top10.test.ts).
 */
const expectations = { requireAssertions: true };

/**
 * Files side by side. Vitest's default on two cores is one worker, and then a PostgreSQL run
 * waits on its server with one core idle: three workers took a quiet run from about 11 to under
 * 5 minutes (BENCHMARKS.md). PGlite is the database in the worker itself, so more workers than
 * cores only add load: two. VITEST_MAX_WORKERS overrides either.
 */
const maxWorkers = Number(process.env.VITEST_MAX_WORKERS) || (process.env.TEST_DATABASE === 'pglite' ? 2 : 3);

export default defineConfig({
  test: {
    sequence,
    maxWorkers,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          // Vitest's 5 s let a busy machine (another suite beside this one) fail tests that take
          // 1–4 s when quiet (the release audit's, the PII guard's deepest input): time-outs
          // catch a hang, not a slow core.
          testTimeout: 30_000,
          expect: expectations,
          sequence: { ...sequence, groupOrder: 0 },
        },
      },
      ...[
        {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SCANS, ...ISOLATED],
          isolate: false,
        },
        { name: 'integration-isolated', include: ISOLATED, exclude: configDefaults.exclude, isolate: true },
      ].map((files) => ({
        test: {
          ...files,
          environment: 'node' as const,
          globalSetup: ['test/global-setup.ts'],
          expect: expectations,
          // Every answer from a documented route is checked against the OpenAPI document.
          setupFiles: ['test/helpers/contract-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { ...sequence, groupOrder: 0 },
        },
      })),
      {
        test: {
          name: 'log-scan',
          include: SCANS,
          environment: 'node',
          globalSetup: ['test/log-dir-setup.ts'],
          expect: expectations,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // After every other test, so it reads the whole suite's log.
          sequence: { ...sequence, groupOrder: 1 },
        },
      },
    ],
  },
});
