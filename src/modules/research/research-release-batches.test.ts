import { describe, expect, it } from 'vitest';
import { batchesOf, giveWay, nextBatchSize } from './research-release-batches';

describe('research release batches', () => {
  it('grow while statements are quick and shrink when they are slow, within bounds', () => {
    expect(nextBatchSize(10, 4, 40)).toBe(100);
    expect(nextBatchSize(100, 340, 40)).toBe(12);
    expect(nextBatchSize(1, 5_000, 40)).toBe(1);
    expect(nextBatchSize(800, 0, 40)).toBe(5_000);
    expect(nextBatchSize(10, 15, 1_000)).toBe(667);
  });

  it('cover every item once, in order', () => {
    expect(batchesOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batchesOf([], 3)).toEqual([]);
  });

  it('give way while statements wait, up to a limit, and not at all when none wait', async () => {
    let waiting = 0;
    const started = performance.now();
    await giveWay(() => waiting, 1_000);
    expect(performance.now() - started).toBeLessThan(500);

    waiting = 1;
    const released = setTimeout(() => {
      waiting = 0;
    }, 30);
    const waited = performance.now();
    await giveWay(() => waiting, 10_000);
    expect(performance.now() - waited).toBeGreaterThanOrEqual(30);
    clearTimeout(released);

    waiting = 1;
    const limited = performance.now();
    await giveWay(() => waiting, 20);
    expect(performance.now() - limited).toBeGreaterThanOrEqual(20);
    expect(performance.now() - limited).toBeLessThan(5_000);
  });
});
