import { describe, expect, it } from 'vitest';
import { batchesOf, giveWay, inPacedBatches, nextBatchSize } from './batches';

describe('batches of long work on one connection', () => {
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
    let looks = 0;
    const look = () => {
      looks += 1;
      return waiting;
    };
    // Nothing waits: one look, no polling.
    await giveWay(look, 10_000);
    expect(looks).toBe(1);

    // Statements wait for 30 ms: it waits until they are done (and looks again after).
    waiting = 1;
    const done = setTimeout(() => {
      waiting = 0;
    }, 30);
    const started = performance.now();
    await giveWay(look, 10_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect(waiting).toBe(0);
    clearTimeout(done);

    // They never finish: it stops at the limit.
    waiting = 1;
    looks = 0;
    const limited = performance.now();
    await giveWay(look, 20);
    expect(performance.now() - limited).toBeGreaterThanOrEqual(19);
    expect(looks).toBeGreaterThan(1);
  });

  it('run every item once, in order, in batches that grow while statements are quick', async () => {
    const items = Array.from({ length: 1_000 }, (_, index) => index);
    const seen: number[] = [];
    const sizes: number[] = [];
    const starts: number[] = [];
    await inPacedBatches(
      items,
      () => 0,
      async (batch, start) => {
        starts.push(start);
        sizes.push(batch.length);
        seen.push(...batch);
      },
    );
    expect(seen).toEqual(items);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBe(sizes[0]);
    // Instant statements: the first batch is small, the next are as large as allowed.
    expect(sizes[0]).toBeLessThan(sizes[1]!);
    await inPacedBatches(
      [],
      () => 0,
      async () => {
        throw new Error('no batch for no items');
      },
    );
  });
});
