import { describe, expect, it } from 'vitest';
import { createBatchLoader } from './batch-loader';

describe('batch loader', () => {
  it('makes one batch call for the loads of one tick, once per key', async () => {
    const calls: number[][] = [];
    const loader = createBatchLoader<number, string>(
      async (keys) => {
        calls.push([...keys]);
        return new Map(keys.map((key) => [key, `v${key}`]));
      },
      () => 'none',
    );
    const values = await Promise.all([1, 2, 2, 3].map((key) => loader.load(key)));
    expect(values).toEqual(['v1', 'v2', 'v2', 'v3']);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(await loader.load(2)).toBe('v2');
    expect(calls).toHaveLength(1);
    expect(await loader.load(9)).toBe('v9');
    expect(calls).toHaveLength(2);
  });

  it('gives the missing value for keys the batch did not return, and passes errors on', async () => {
    const loader = createBatchLoader<number, number[]>(
      async () => new Map(),
      () => [],
    );
    expect(await loader.load(1)).toEqual([]);
    const failing = createBatchLoader<number, number>(
      async () => {
        throw new Error('boom');
      },
      () => 0,
    );
    await expect(failing.load(1)).rejects.toThrow('boom');
  });
});
