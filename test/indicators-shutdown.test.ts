import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayIso } from '../src/lib/dates';
import { createIndicatorMaintainer } from '../src/modules/indicators/indicator-maintainer';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';
import { loadTestDemoData } from './helpers/demo-world';

// A SIGTERM while the indicators catch up on a backlog (issue #27: on the embedded database the
// process exited 1 after its 10 s grace period): the maintainer stops after the batch in hand and
// leaves the rest queued, in the table, for the next start.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 60, seed: 23, asOf: '2026-06-30' });
});
afterAll(() => t.close());

describe('indicator maintenance on shutdown', () => {
  it('stops after the batch in hand and leaves the backlog queued; a later maintainer works it off', async () => {
    // Batches of 10, so that one batch is far from the backlog (the app's own maintainer is idle: nothing queued it).
    const settings = { intakeWindowDays: 42, today: () => todayIso(), batchSize: 10 };
    const maintainer = createIndicatorMaintainer(t.database, settings);
    const queued = await maintainer.enqueueStale();
    expect(queued).toBeGreaterThanOrEqual(60);
    maintainer.kick();
    await maintainer.stop();
    expect((await maintainer.queueState()).depth).toBe(queued - 10);
    // Stopped for good: a kick after it does nothing.
    maintainer.kick();
    await maintainer.settle();
    expect((await maintainer.queueState()).depth).toBe(queued - 10);
    // The next start finds the rest.
    const next = createIndicatorMaintainer(t.database, settings);
    expect(await next.drain()).toBe(queued - 10);
    expect((await next.queueState()).depth).toBe(0);
  });
});
