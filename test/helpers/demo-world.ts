import { loadDemoData } from '../../src/modules/demo/demo-data.service';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './test-app';
import { snapshotTestDatabase, type TestDatabaseSnapshot } from './test-database';

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
  /** Settings of the world's service (environment variables). */
  env?: Record<string, string>;
}

/** Worlds built in this test file, by their options: each is built once and copied for every test that asks. */
const worlds = new Map<string, Promise<TestDatabaseSnapshot>>();

/**
 * A world of its own: a copy of the world these options build, which is built once per test file
 * (loading, indicators and the release take seconds; a copy a fraction of that).
 */
export async function createDemoWorld(options: DemoWorldOptions): Promise<TestApp> {
  const { trajectories, seed, asOf = null, release = false, env = {} } = options;
  const key = JSON.stringify([trajectories, seed, asOf, release, Object.entries(env).sort()]);
  let snapshot = worlds.get(key);
  if (!snapshot) {
    snapshot = buildWorld(options).then(async (t) => {
      await t.app.close();
      return snapshotTestDatabase(t.testDatabase);
    });
    worlds.set(key, snapshot);
    snapshot.catch(() => worlds.delete(key));
  }
  return createTestApp(options.env, undefined, await snapshot);
}

async function buildWorld(options: DemoWorldOptions): Promise<TestApp> {
  const t = await createTestApp(options.env);
  try {
    const { trajectories, seed, asOf = '2026-06-30' } = options;
    await loadDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories, seed, asOf });
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
