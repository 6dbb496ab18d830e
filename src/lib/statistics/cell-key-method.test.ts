import { describe, expect, it } from 'vitest';
import { createCellKeyMethod, DECOY_SHARE, fingerprintOf } from './cell-key-method';
import { buildPerturbationTable } from './perturbation-table';

const method = createCellKeyMethod({
  table: buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 }),
  noiseShare: 0.5,
  minimumBase: 10,
  keySecret: null,
});
/** Many different cells (key sums) of the same size. */
const cells = (count: number) => Array.from({ length: 400 }, (_, index) => ({ count, keys: index * 48_271_013 + 17 }));

describe('the cell-key method', () => {
  it('publishes a count within D, never 1 … js, unbiased over many cells, and a zero as zero', () => {
    for (const count of [1, 2, 3, 7, 40]) {
      const published = cells(count).map(method.count);
      expect(published.every((value) => Math.abs(value - count) <= 3 && (value === 0 || value > 2))).toBe(true);
      expect(Math.abs(published.reduce((sum, value) => sum + value, 0) / published.length - count)).toBeLessThan(0.25);
    }
    expect(method.count({ count: 0, keys: 123 })).toBe(0);
  });

  it('gives a median noise that spans its spread over few contributors and shrinks over many', () => {
    const spreadOf = (count: number) => {
      const values = cells(count)
        .map((cell) => method.median('median', cell, [100, 200, 300], [0, 1000]).value)
        .filter((value): value is number => value !== null);
      return Math.max(...values) - Math.min(...values);
    };
    // Magnifier: IQR 200 (× √(10/n) beyond 10), noise at most half of it either way.
    expect(spreadOf(12)).toBeGreaterThan(100);
    expect(spreadOf(12)).toBeLessThanOrEqual(200);
    expect(spreadOf(4_000)).toBeLessThan(spreadOf(12) / 10);
    expect(spreadOf(4_000)).toBeGreaterThan(0);
  });

  it('leaves a mean or median out below the minimum base, and a share of nothing', () => {
    expect(method.mean('mean', { count: 3, keys: 5 }, 12, 5)).toEqual({ value: null, suppressed: true });
    expect(method.median('median', { count: 0, keys: 0 }, null)).toEqual({ value: null, suppressed: true });
    const nobody = { count: 0, keys: 0 };
    expect(method.share(nobody, [nobody, nobody, nobody])).toEqual({ value: null, suppressed: true });
    // Over the perturbed counts, which are what the shares of a whole add up over.
    const [part, other] = [
      { count: 30, keys: 11 },
      { count: 90, keys: 12 },
    ];
    const share = method.count(part) / (method.count(part) + method.count(other));
    expect(method.share(part, [part, other])).toEqual({ value: Math.round(share * 1000) / 1000, suppressed: false });
    expect(method.share(part, [part, other]).value).not.toBe(0.25);
  });

  it('keeps a mean within m × the largest answer over the respondents, and within the scale', () => {
    for (const cell of cells(50)) {
      const mean = method.mean('item.mean', cell, 50 * 4.9, 5, [1, 5]).value!;
      expect(Math.abs(mean - 4.9)).toBeLessThanOrEqual((0.5 * 5) / 50 + 1e-9);
      expect(mean).toBeLessThanOrEqual(5);
    }
  });

  it('withholds a count the release audit found, by its contributors, with the mean and median over them', () => {
    const settings = {
      table: buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 }),
      noiseShare: 0.5,
      minimumBase: 5,
      keySecret: null,
    };
    const withheld = { count: 7, keys: 2_000_000_123 };
    const other = { count: 7, keys: 2_000_000_124 };
    // The same trajectories' key sum taken mod 2^31 is the same count; youths with that key sum are not.
    expect(fingerprintOf(withheld)).toBe(fingerprintOf({ count: 7, keys: 2_000_000_123 + 2 ** 31 }));
    expect(fingerprintOf({ ...withheld, of: 'youths' })).not.toBe(fingerprintOf(withheld));
    const auditing = createCellKeyMethod(settings, new Set([fingerprintOf(withheld)]));
    expect(auditing.published(withheld)).toEqual({ value: null, suppressed: true });
    expect(auditing.mean('mean', withheld, 120, 5)).toEqual({ value: null, suppressed: true });
    expect(auditing.median('median', withheld, [1, 2, 3])).toEqual({ value: null, suppressed: true });
    expect(auditing.published({ ...withheld, of: 'youths' }).suppressed).toBe(false);
    // Everything else exactly as without the audit.
    const plain = createCellKeyMethod(settings);
    expect(auditing.published(other)).toEqual(plain.published(other));
    expect(auditing.mean('mean', other, 120, 5)).toEqual(plain.mean('mean', other, 120, 5));
    expect(auditing.median('median', other, [1, 2, 3])).toEqual(plain.median('median', other, [1, 2, 3]));
    expect(plain.mean('mean', other, 120, 5).suppressed).toBe(false);
    // Withheld means a count of at least 1: an empty cell is never withheld; a larger count may be.
    const large = { count: 40, keys: 99 };
    expect(createCellKeyMethod(settings, new Set([fingerprintOf(large)])).published(large).suppressed).toBe(true);
    const empty = { count: 0, keys: 0 };
    expect(createCellKeyMethod(settings, new Set([fingerprintOf(empty)])).published(empty)).toEqual({ value: 0, suppressed: false });
  });

  it('draws decoys among counts of 1–9 but D only, at the share, the same for the same contributors, apart from the perturbation', () => {
    const keyed = (decoyShare?: number) =>
      createCellKeyMethod({
        table: buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 }),
        noiseShare: 0.5,
        minimumBase: 10,
        keySecret: Buffer.alloc(32, 7),
        ...(decoyShare === undefined ? {} : { decoyShare }),
      });
    const service = keyed();
    const many = (count: number) => Array.from({ length: 20_000 }, (_, index) => ({ count, keys: index * 48_271_013 + 17 }));
    for (const count of [1, 4, 9]) {
      const decoys = many(count).filter(service.decoy);
      expect(Math.abs(decoys.length / 20_000 - DECOY_SHARE)).toBeLessThan(0.005);
      // Apart from the perturbation: decoys publish the same spread of values as every cell.
      const shareAtEdge = (tallies: Array<{ count: number; keys: number }>) =>
        tallies.filter((tally) => service.count(tally) === count).length / tallies.length;
      expect(Math.abs(shareAtEdge(decoys) - shareAtEdge(many(count)))).toBeLessThan(0.05);
    }
    // None at D, the value the audit's pins fall on (P(withheld | D) is theirs already), nor outside 1–9.
    for (const count of [0, 3, 10, 40]) expect(many(count).some(service.decoy)).toBe(false);
    const tally = many(4).find(service.decoy)!;
    expect(keyed().decoy({ ...tally })).toBe(true);
    expect(many(4).some(keyed(0).decoy)).toBe(false);
  });
});
