import { todayIso } from '../../src/lib/dates';
import { DEMO_SEED } from '../../src/modules/demo/synthetic-trajectories';
import { DEMO_TRAJECTORIES } from '../../src/runtime/prepare-database';
import type { Database } from '../../src/db/client';
import { loadDemoData } from '../../src/modules/demo/demo-data.service';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './test-app';
import { sharedSnapshot, snapshotTestDatabase, type TestDatabaseSnapshot } from './test-database';

// A whole synthetic registry on a database of its own, for the tests about the registry as a
// whole (statistics over every institution, the research page over a population), which one
// fresh institution (institution-fixture.ts) cannot stand in for. A test that changes what it
// reads gets a world of its own (a copy), so it changes nothing another test reads.

export interface DemoWorldOptions {
  trajectories: number;
  seed: number;
  asOf?: string;
  /** Also publish a statistics release (the statistics read only released rows). */
  release?: boolean;
  /** Settings of the world's service (environment variables), as it is built and after. */
  env?: Record<string, string>;
  /**
   * Settings of the copy's service only, over `env`: those that change nothing the build wrote (a
   * threshold or calendar for later releases, metrics), so worlds that differ only in them are
   * built once.
   */
  serve?: Record<string, string>;
}

/**
 * The attack files' world (statistics-attacks, -key-arithmetic, -release-audit, -attacks-added-youths):
 * loaded and its indicators computed, never released, so that each file releases it with its own
 * statistics secret (record and cell keys are derived at the release).
 */
export const ATTACK_WORLD = { trajectories: 220, seed: 31, asOf: '2026-06-30' } as const satisfies DemoWorldOptions;

/** The demo as `npm start` loads it: its size and seed, generated up to today; nothing released. */
export const startDemoWorld = () =>
  ({ trajectories: DEMO_TRAJECTORIES, seed: DEMO_SEED, asOf: todayIso() }) as const satisfies DemoWorldOptions;

/**
 * The demo data as the service loads it, with the trajectories' record keys drawn from the run's
 * seed. The column's default draws them at random on insert, so each run saw other cell keys,
 * decoys and withheld counts, and a test that failed on one draw (a withheld count it did not
 * expect) could not be replayed: now every run still draws anew, and VITEST_SEED replays it.
 */
export async function loadTestDemoData(database: Database, registryKey: Buffer, options: Parameters<typeof loadDemoData>[2]) {
  const totals = await loadDemoData(database, registryKey, options);
  await database.query('update trajectories set record_key = hashtext(reference || $1) & 2147483647', [process.env.VITEST_SEED ?? '']);
  return totals;
}

/** Worlds by their options: each is built once in the run and copied for every test that asks. */
const worlds = new Map<string, Promise<TestDatabaseSnapshot>>();

/**
 * A world of its own: a copy of the world these options build, which is built once in the run
 * (loading, indicators and the release take seconds; a copy a fraction of that).
 */
export async function createDemoWorld(options: DemoWorldOptions): Promise<TestApp> {
  const { trajectories, seed, asOf = null, release = false, env = {} } = options;
  const key = JSON.stringify([trajectories, seed, asOf, release, Object.entries(env).sort()]);
  let snapshot = worlds.get(key);
  if (!snapshot) {
    // Built once in the whole run, whichever worker asks first.
    snapshot = sharedSnapshot(`demo world ${key}`, () =>
      buildWorld(options).then(async (t) => {
        await t.app.close();
        return snapshotTestDatabase(t.testDatabase);
      }),
    );
    worlds.set(key, snapshot);
    snapshot.catch(() => worlds.delete(key));
  }
  return createTestApp({ ...env, ...options.serve }, undefined, await snapshot);
}

async function buildWorld(options: DemoWorldOptions): Promise<TestApp> {
  const t = await createTestApp(options.env);
  try {
    const { trajectories, seed, asOf = '2026-06-30' } = options;
    await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories, seed, asOf });
    await t.app.indicators.enqueueStale();
    await t.app.indicators.drain();
    if (options.release) await t.app.statisticsReleases.release();
    return t;
  } catch (error) {
    await t.close();
    throw error;
  }
}

/** Runs `work` on a world of its own and closes it, whatever happens. */
export async function inDemoWorld<T>(options: DemoWorldOptions, work: (t: TestApp) => Promise<T>): Promise<T> {
  const t = await createDemoWorld(options);
  try {
    return await work(t);
  } finally {
    await t.close();
  }
}
