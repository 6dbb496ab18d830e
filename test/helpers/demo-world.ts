import { loadDemoData } from '../../src/modules/demo/demo-data.repository';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './test-app';

// A whole synthetic registry on a database of its own, for the tests about the registry as a
// whole (statistics over every institution, the research page over a population), which one
// fresh institution (institution-fixture.ts) cannot stand in for. A test that changes what it
// reads makes its own world, so it changes nothing another test reads.

export interface DemoWorldOptions {
  trajectories: number;
  seed: number;
  asOf?: string;
  /** Also publish a statistics release (the statistics read only released rows). */
  release?: boolean;
  /** Settings of the world's service (environment variables). */
  env?: Record<string, string>;
}

export async function createDemoWorld(options: DemoWorldOptions): Promise<TestApp> {
  const t = await createTestApp(options.env);
  try {
    const { trajectories, seed, asOf = '2026-06-30' } = options;
    await loadDemoData(t.database.orm, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories, seed, asOf });
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
