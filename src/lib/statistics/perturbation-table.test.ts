import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maximumEntropy, moments, varianceRange } from './maximum-entropy';
import { allowedPerturbations, buildPerturbationTable, perturbation, type PerturbationParameters, rowFor } from './perturbation-table';
import { readPerturbationTable, serialiseTable, shippedTables, tableFile } from './perturbation-table-file';

const PARAMETER_SETS: PerturbationParameters[] = [
  { maximumDeviation: 3, variance: 1, threshold: 2 },
  { maximumDeviation: 2, variance: 0.8, threshold: 0 },
  { maximumDeviation: 4, variance: 2, threshold: 3 },
  { maximumDeviation: 5, variance: 3, threshold: 2 },
];

describe('the maximum-entropy perturbation table', () => {
  for (const parameters of PARAMETER_SETS) {
    const { maximumDeviation: d, variance, threshold } = parameters;
    const table = buildPerturbationTable(parameters);

    it(`is a distribution per row, unbiased, never beyond D, never negative, never 1 … js (D=${d}, V=${variance}, js=${threshold})`, () => {
      expect(table.rows).toHaveLength(d + threshold + 2);
      for (const row of table.rows) {
        const { total, mean } = moments({ values: row.perturbations, probabilities: row.probabilities });
        expect(total).toBeCloseTo(1, 12);
        expect(Math.abs(mean)).toBeLessThan(1e-9);
        for (const [index, v] of row.perturbations.entries()) {
          expect(row.probabilities[index]!).toBeGreaterThan(0);
          expect(Math.abs(v)).toBeLessThanOrEqual(d);
          expect(row.count + v).toBeGreaterThanOrEqual(0);
          const published = row.count + v;
          expect(published === 0 || published > threshold, `count ${row.count} published as ${published}`).toBe(true);
        }
      }
    });

    it(`has variance V in every row whose targets allow it, and the nearest they allow elsewhere (D=${d}, V=${variance}, js=${threshold})`, () => {
      let rowsAtV = 0;
      for (const row of table.rows) {
        const [smallest, largest] = varianceRange(allowedPerturbations(row.count, parameters));
        const expected = Math.min(largest, Math.max(smallest, variance));
        expect(row.variance).toBeCloseTo(expected, 9);
        if (Math.abs(expected - variance) < 1e-12) rowsAtV += 1;
      }
      // Every row from D + js on (far enough from zero) has exactly V.
      expect(rowsAtV).toBeGreaterThanOrEqual(2);
      expect(table.rows.at(-1)!.variance).toBeCloseTo(variance, 9);
    });

    it(`keeps a zero a zero, and is symmetric for large counts (D=${d}, V=${variance}, js=${threshold})`, () => {
      expect(rowFor(table, 0)).toMatchObject({ perturbations: [0], probabilities: [1] });
      const large = rowFor(table, 1000);
      expect(large.perturbations).toEqual(Array.from({ length: 2 * d + 1 }, (_, index) => index - d));
      for (let index = 0; index < d; index += 1) expect(large.probabilities[index]!).toBeCloseTo(large.probabilities[2 * d - index]!, 12);
    });

    it(`never lets a small count be read with certainty from its published value (D=${d}, V=${variance}, js=${threshold})`, () => {
      // For every value a count of 1 … 20 can be published as, more than one true count can give it.
      const origins = new Map<number, Set<number>>();
      for (let count = 0; count <= 20 + d; count += 1) {
        const row = rowFor(table, count);
        for (const v of row.perturbations) origins.set(count + v, (origins.get(count + v) ?? new Set()).add(count));
      }
      for (let count = 1; count <= 20; count += 1) {
        for (const v of rowFor(table, count).perturbations)
          expect(origins.get(count + v)!.size, `count ${count} → ${count + v}`).toBeGreaterThan(1);
      }
    });
  }

  it('gives, read with keys spread evenly over [0, 1), the probabilities of the row', () => {
    const table = buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
    for (const count of [1, 4, 50]) {
      const row = rowFor(table, count);
      const seen = new Map<number, number>();
      const steps = 100_000;
      for (let step = 0; step < steps; step += 1) {
        const v = perturbation(table, count, (step + 0.5) / steps);
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
      row.perturbations.forEach((v, index) => {
        expect((seen.get(v) ?? 0) / steps).toBeCloseTo(row.probabilities[index]!, 4);
      });
      const empirical = [...seen].reduce((sum, [v, times]) => sum + (v * times) / steps, 0);
      expect(Math.abs(empirical)).toBeLessThan(1e-4);
    }
  });

  it('is the maximum-entropy one: no other unbiased distribution of variance V on the same support has more entropy', () => {
    const values = [-3, -2, -1, 0, 1, 2, 3];
    const best = maximumEntropy(values, 1);
    const entropy = (p: number[]) => -p.reduce((sum, q) => sum + (q > 0 ? q * Math.log(q) : 0), 0);
    // Perturb within the constraints' null space (moves that keep total, mean and variance) and check entropy only drops.
    const directions = [
      [1, -6, 15, -20, 15, -6, 1],
      [0, 1, -4, 6, -4, 1, 0],
      [-1, 4, -5, 0, 5, -4, 1],
    ];
    for (const direction of directions) {
      // Each direction keeps all three sums: Σx = 0, Σx·v = 0, Σx·v² = 0.
      expect([
        direction.reduce((s, x) => s + x, 0),
        direction.reduce((s, x, i) => s + x * values[i]!, 0),
        direction.reduce((s, x, i) => s + x * values[i]! ** 2, 0),
      ]).toEqual([0, 0, 0]);
      for (const step of [1e-3, -1e-3]) {
        const moved = best.probabilities.map((p, index) => p + step * direction[index]!);
        expect(entropy(moved)).toBeLessThan(entropy(best.probabilities));
      }
    }
  });

  it('ships the table the service uses exactly as the generator makes it', () => {
    expect(shippedTables()).toContain('D3-V1-js2');
    for (const label of shippedTables()) {
      const [, d, v, js] = /^D(\d+)-V([\d.]+)-js(\d+)$/.exec(label)!;
      const parameters = { maximumDeviation: Number(d), variance: Number(v), threshold: Number(js) };
      expect(fs.readFileSync(tableFile(parameters), 'utf8')).toBe(serialiseTable(buildPerturbationTable(parameters)));
      expect(readPerturbationTable(parameters).parameters).toEqual(parameters);
    }
  });

  it('refuses parameters it cannot honour', () => {
    expect(() => buildPerturbationTable({ maximumDeviation: 2, variance: 1, threshold: 3 })).toThrow(/js must/);
    expect(() => buildPerturbationTable({ maximumDeviation: 2, variance: 4, threshold: 1 })).toThrow(/V must/);
    expect(() => readPerturbationTable({ maximumDeviation: 9, variance: 9, threshold: 9 })).toThrow(/npm run ptable/);
  });
});
