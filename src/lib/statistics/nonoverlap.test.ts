import { describe, expect, it } from 'vitest';
import { kendallS, nap, nonOverlap, tau, tauBC, tauU, theilSenSlope } from './nonoverlap';

// Expected values from the test suite of the R package SingleCaseES (Pustejovsky et al.),
// tests/testthat/test-parker-vannest-davis-2011.R and test-tarlow-2017.R, which reproduce the
// worked examples of Parker, Vannest & Davis (2011) and Tarlow (2017).

describe('non-overlap indices', () => {
  const A1 = [20, 20, 26, 25, 22, 23];
  const B1 = [28, 25, 24, 27, 30, 30, 29];

  it('NAP counts ties as one half (Parker, Vannest & Davis 2011, example 1)', () => {
    expect(nap(A1, B1)).toBeCloseTo(38.5 / 42, 12);
  });

  it('Tau A vs B (example 1)', () => {
    expect(tau(A1, B1)).toBeCloseTo((38 - 3) / 42, 12);
  });

  it('Tau and Tau-U with a baseline trend and ties (example 2)', () => {
    const A = [3, 3, 4, 5];
    const B = [4, 5, 6, 7, 7];
    expect(tau(A, B)).toBeCloseTo(16 / 20, 12);
    expect(kendallS(A)).toBe(5);
    expect(tauU(A, B)).toBeCloseTo(11 / 20, 12);
  });

  it('Tau-U and Tau-BC remove a perfect baseline trend (Tarlow 2017)', () => {
    const A = [1, 2, 3, 4, 5];
    const B = [6, 7, 8, 9, 10];
    expect(tau(A, B)).toBe(1);
    expect(tauU(A, B)).toBeCloseTo(0.6, 12);
    expect(theilSenSlope(A)).toBe(1);
    expect(tauBC(A, B)).toBe(0);
  });

  it('Tau-BC counts exact ties as ties, so the same data shifted by a constant gives the same value', () => {
    // Baseline trend 0.1 per session: corrected, A is all 0 and B is 0, 0, 0, 0.1, so 12 of the 16
    // pairs tie and 4 improve: 4/16. Rounding used to decide the ties, differently per shift.
    const A = [0.1, 0.2, 0.3, 0.4];
    const B = [0.5, 0.6, 0.7, 0.9];
    for (const shift of [0, 1, 7, 13.3, 100, 10_000, -3.7]) {
      expect(
        tauBC(
          A.map((value) => value + shift),
          B.map((value) => value + shift),
        ),
        `shifted by ${shift}`,
      ).toBe(0.25);
    }
    const halves = [3, 3.5, 4, 4.5];
    const later = [5, 5.5, 6, 7];
    for (const shift of [0, 0.1, 0.3, 1.7]) {
      expect(
        tauBC(
          halves.map((value) => value + shift),
          later.map((value) => value + shift),
        ),
        `shifted by ${shift}`,
      ).toBe(0.25);
    }
    // Values that really differ still count, however close.
    expect(tauBC([1, 1, 1], [1, 1, 1.001])).toBeCloseTo(3 / 9, 12);
  });

  it('Tau-U can leave [-1, 1] when the baseline trend runs against the phase difference', () => {
    expect(tauU([5, 4, 3], [6, 7, 8])).toBeCloseTo((9 + 3) / 9, 12);
  });

  it('orients a decreasing-is-better instrument so that positive means improvement', () => {
    const better = nonOverlap([30, 28, 29, 31], [20, 18, 19], false);
    expect(better.value).toMatchObject({ nap: 1, tau: 1 });
    const mirrored = nonOverlap(
      A1.map((v) => -v),
      B1.map((v) => -v),
      false,
    );
    expect(mirrored.value!.nap).toBeCloseTo(38.5 / 42, 12);
    expect(mirrored.value!.tauU).toBeCloseTo(nonOverlap(A1, B1, true).value!.tauU, 12);
  });

  it('is null with a reason when a phase has fewer than three observations', () => {
    const result = nonOverlap([1, 2], [3, 4, 5], true);
    expect(result.value).toBeNull();
    expect(result.reason).toMatch(/at least 3/);
  });
});
