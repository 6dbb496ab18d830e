import { describe, expect, it } from 'vitest';
import { workerRunner } from './worker';

const runner = () =>
  workerRunner<string, number>(import.meta.url, new URL('./worker.fixture.ts', import.meta.url), 'lib/worker.fixture.js');

describe('a worker kept between jobs', () => {
  it('runs every job on the same worker, one shared per module, and survives a job that throws', async () => {
    const run = runner();
    expect(runner()).toBe(run);
    const first = await run('id');
    await expect(run('throw')).rejects.toThrow('told to throw');
    expect(await run('id')).toBe(first);
    expect(first).toBeGreaterThan(0);
  }, 30_000);

  it('ends the worker of a stopped job, and the next job starts a new one', async () => {
    const run = runner();
    const before = await run('id');
    const stop = new AbortController();
    const hanging = run('hang', stop.signal);
    setTimeout(() => stop.abort(), 50);
    await expect(hanging).rejects.toThrow('stopped');
    const after = await run('id');
    expect(after).not.toBe(before);
    await expect(run('id', AbortSignal.abort())).rejects.toThrow('stopped before the worker started');
  }, 30_000);
});
