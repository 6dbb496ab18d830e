import { describe, expect, it } from 'vitest';
import { cellKey, keyedCellKey, keyFraction, RECORD_KEY_RANGE, variableKey } from './cell-key';
import { magnitudeNoise, perturbMagnitude } from './magnitude-noise';
import { buildPerturbationTable, perturbation } from './perturbation-table';

const table = buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
/** A deterministic stream of record keys (mulberry32), so the test is repeatable. */
function recordKeys(count: number, seed = 7): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % RECORD_KEY_RANGE;
  });
}
const extremes = (values: number[]): [number, number] =>
  values.reduce<[number, number]>(([low, high], value) => [Math.min(low, value), Math.max(high, value)], [Infinity, -Infinity]);
const sum = (keys: number[]) => keys.reduce((total, key) => total + BigInt(key), 0n);

describe('keyed cell keys (issue #23)', () => {
  const keyed = keyedCellKey(Buffer.alloc(32, 3));

  it('are the same for the same contributors and spread over [0, 2^31)', () => {
    const keys = recordKeys(300);
    expect(keyed(sum(keys))).toBe(keyed(sum([...keys].reverse()).toString()));
    const spread = recordKeys(2000, 11).map((key) => keyFraction(keyed(key)));
    expect(Math.min(...spread)).toBeLessThan(0.01);
    expect(Math.max(...spread)).toBeGreaterThan(0.99);
    expect(keyedCellKey(Buffer.alloc(32, 4))(sum(keys))).not.toBe(keyed(sum(keys)));
  });

  it('do not add up: the keys of the parts tell nothing of the key of the whole (the additive key does)', () => {
    // Seen failing: with the additive key in place of the HMAC every one of these pairs adds up.
    let addsUp = 0;
    let additiveAddsUp = 0;
    for (let index = 0; index < 200; index += 1) {
      const [a, b] = [recordKeys(5, 100 + index), recordKeys(7, 500 + index)];
      const whole = sum([...a, ...b]);
      if ((keyed(sum(a)) + keyed(sum(b))) % RECORD_KEY_RANGE === keyed(whole)) addsUp += 1;
      if ((cellKey(sum(a)) + cellKey(sum(b))) % RECORD_KEY_RANGE === cellKey(whole)) additiveAddsUp += 1;
    }
    expect(additiveAddsUp).toBe(200);
    expect(addsUp).toBe(0);
  });
});

describe('cell keys', () => {
  it('are the same for the same contributors, whatever their order or how the sum arrives', () => {
    const keys = recordKeys(500);
    const shuffled = [...keys].reverse();
    expect(cellKey(sum(keys))).toBe(cellKey(sum(shuffled)));
    expect(cellKey(sum(keys).toString())).toBe(cellKey(sum(keys)));
    expect(cellKey(Number(sum(keys)))).toBe(cellKey(sum(keys)));
    expect(cellKey(null)).toBe(0);
    // Hence the same published count in every table the same contributors make up.
    expect(perturbation(table, keys.length, keyFraction(cellKey(sum(keys))))).toBe(
      perturbation(table, shuffled.length, keyFraction(cellKey(sum(shuffled)))),
    );
  });

  it('change unpredictably with one contributor more: the keys of S and S plus one are unrelated', () => {
    const keys = recordKeys(2_001, 11);
    const before: number[] = [];
    const after: number[] = [];
    for (let size = 1; size < 2_000; size += 1) {
      before.push(keyFraction(cellKey(sum(keys.slice(0, size)))));
      after.push(keyFraction(cellKey(sum(keys.slice(0, size + 1)))));
    }
    // Uniform on [0, 1): mean 1/2, variance 1/12; and no correlation between before and after.
    const mean = (values: number[]) => values.reduce((total, value) => total + value, 0) / values.length;
    expect(mean(after)).toBeCloseTo(0.5, 1);
    const [mb, ma] = [mean(before), mean(after)];
    const covariance = mean(before.map((value, index) => (value - mb) * (after[index]! - ma)));
    expect(Math.abs(covariance / (1 / 12))).toBeLessThan(0.06);
  });

  it('give each magnitude of a cell its own key, the same every time', () => {
    const key = cellKey(sum(recordKeys(40)));
    expect(variableKey(key, 'medianDaysInCare')).toBe(variableKey(key, 'medianDaysInCare'));
    expect(variableKey(key, 'medianDaysInCare')).not.toBe(variableKey(key, 'fidelity.summary.median'));
    const keys = Array.from({ length: 20_000 }, (_, index) => variableKey(index * 104_729, 'x'));
    const [low, high] = extremes(keys);
    expect(low).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThan(1);
    expect(keys.filter((value) => value < 0.5).length / keys.length).toBeCloseTo(0.5, 1);
  });
});

describe('magnitude noise (Giessing & Tent 2019)', () => {
  it('lies in [−1, 1], is unbiased and continuous', () => {
    const steps = 200_000;
    const values = Array.from({ length: steps }, (_, step) => magnitudeNoise(table, (step + 0.5) / steps));
    const [low, high] = extremes(values);
    expect(low).toBeGreaterThanOrEqual(-1);
    expect(high).toBeLessThanOrEqual(1);
    expect(Math.abs(values.reduce((total, value) => total + value, 0) / steps)).toBeLessThan(1e-4);
    // Continuous: far more distinct values than the table has perturbations.
    expect(new Set(values.map((value) => value.toFixed(6))).size).toBeGreaterThan(10_000);
    // Variance of the table's large-count row plus the spread within a step, over (D + ½)².
    const variance = values.reduce((total, value) => total + value * value, 0) / steps;
    expect(variance).toBeCloseTo((1 + 1 / 12) / 3.5 ** 2, 3);
  });

  it('moves a magnitude by at most the noise share of its magnifier, within its range', () => {
    for (const key of [0, 0.1, 0.5, 0.9, 0.999999]) {
      const value = perturbMagnitude(table, 3.2, { magnifier: 5, noiseShare: 0.5, key });
      expect(Math.abs(value - 3.2)).toBeLessThanOrEqual(2.5);
      expect(perturbMagnitude(table, 4.9, { magnifier: 5, noiseShare: 0.5, key, range: [1, 5] })).toBeLessThanOrEqual(5);
    }
    expect(perturbMagnitude(table, 3.2, { magnifier: 5, noiseShare: 0.5, key: 0 })).toBeLessThan(3.2);
    expect(perturbMagnitude(table, 3.2, { magnifier: 5, noiseShare: 0.5, key: 0.999999 })).toBeGreaterThan(3.2);
  });
});
