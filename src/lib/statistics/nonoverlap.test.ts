import { describe, expect, it } from 'vitest';
import { kendallTrendTest } from './kendall';
import { ird, kendallS, lrr, nap, nonOverlap, pand, pem, pnd, smd, tau, tauBC, tauBCWithTrend, tauU, theilSenSlope } from './nonoverlap';

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
    const shifted = (values: number[], shift: number) => values.map((value) => value + shift);
    const A = [0.1, 0.2, 0.3, 0.4];
    const B = [0.5, 0.6, 0.7, 0.9];
    for (const shift of [0, 1, 7, 13.3, 100, 10_000, -3.7]) {
      expect(tauBC(shifted(A, shift), shifted(B, shift)), `shifted by ${shift}`).toBe(0.25);
    }
    const halves = [3, 3.5, 4, 4.5];
    const later = [5, 5.5, 6, 7];
    for (const shift of [0, 0.1, 0.3, 1.7]) {
      expect(tauBC(shifted(halves, shift), shifted(later, shift)), `shifted by ${shift}`).toBe(0.25);
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

describe('the rest of the anchors’ set (Parker, Vannest & Davis 2011, example 1, as SingleCaseES tests it)', () => {
  const A = [20, 20, 26, 25, 22, 23];
  const B = [28, 25, 24, 27, 30, 30, 29];

  it('PND, PEM, PAND and IRD', () => {
    expect(pnd(A, B)).toBeCloseTo(5 / 7, 12);
    expect(pem(A, B)).toBeCloseTo(7 / 7, 12);
    expect(pand(A, B)).toBeCloseTo(1 - 2 / 13, 12);
    expect(ird(A, B)).toBeCloseTo(6 / 7 - 1 / 6, 12);
  });

  it('SMD (Hedges’ g on the baseline SD) and the bias-corrected LRR, against R on the same data', () => {
    // R 4.2: J <- 1 - 3 / (4 * (6 - 1) - 1); J * (mean(B) - mean(A)) / sd(A) = 1.64993188129337;
    // BC <- function(y) log(mean(y)) + var(y) / (2 * length(y) * mean(y)^2); BC(B) - BC(A) = 0.195396165735149.
    expect(smd(A, B)).toBeCloseTo(1.64993188129337, 10);
    expect(lrr(A, B)).toBeCloseTo(0.195396165735149, 10);
    expect(smd([3, 3, 3], [4, 5, 6])).toBeNull();
    expect(lrr([-1, 2, 3], [4, 5, 6])).toBeNull();
    expect(lrr([0, 0, 0], [4, 5, 6])).toBeNull();
  });

  it('orients each for a lower-is-better instrument, and gives each missing one its reason', () => {
    const up = nonOverlap(A, B, true).value!;
    const down = nonOverlap(
      A.map((v) => 100 - v),
      B.map((v) => 100 - v),
      false,
    ).value!;
    for (const key of ['nap', 'tau', 'pnd', 'pem', 'pand', 'ird'] as const) expect(down[key], key).toBeCloseTo(up[key], 12);
    expect(down.smd).toBeCloseTo(up.smd!, 12);
    // A fall from about 77 to 72 on a lower-is-better scale is an improvement: positive.
    expect(down.lrr).toBeGreaterThan(0);
    const flat = nonOverlap([5, 5, 5], [6, 7, 8], true).value!;
    expect(flat.smd).toBeNull();
    expect(flat.unavailable.map((entry) => entry.indicator).sort()).toEqual(['baselineTrendTest', 'smd']);
    expect(flat.unavailable.every((entry) => entry.reason.length > 10)).toBe(true);
  });
});

describe('Tau-BC with Tarlow’s (2017) test of the baseline trend', () => {
  it('tests the trend as R’s cor.test does: exact without ties, normal with ties and a continuity correction', () => {
    // R 4.2, cor.test(seq_along(x), x, method = "kendall", exact = TRUE) and (exact = FALSE, continuity = TRUE).
    const cases: Array<[number[], number, number, 'exact' | 'normal']> = [
      [[1, 2, 3, 4, 5], 1, 0.0166666666666666, 'exact'],
      [[3, 1, 4, 2, 5], 0.4, 0.483333333333333, 'exact'],
      [[5, 3, 4, 1, 2], -0.6, 0.233333333333333, 'exact'],
      [[2, 1, 4, 3, 6, 5, 8, 7], 0.714285714285714, 0.0141369047619047, 'exact'],
      [[33, 25, 17, 24, 19, 21, 18, 14, 20, 16], -0.555555555555556, 0.0286094576719577, 'exact'],
      [[1, 1, 3, 3, 5, 5], 0.894427190999916, 0.0288537887933477, 'normal'],
      [[20, 20, 26, 25, 22, 23], 0.276026223736942, 0.56609026181685, 'normal'],
      [[33, 25, 17, 25, 19, 21, 19, 14, 19, 17], -0.565685424949238, 0.0352513046474463, 'normal'],
      [[3, 3, 4, 5, 5, 2], 0.21483446221183, 0.69672742366066, 'normal'],
    ];
    for (const [series, tauB, p, method] of cases) {
      const test = kendallTrendTest(series)!;
      expect(test.tau, series.join(',')).toBeCloseTo(tauB, 10);
      expect(test.p, series.join(',')).toBeCloseTo(p, 6);
      expect(test.method).toBe(method);
    }
    expect(kendallTrendTest([4, 4, 4])).toBeNull();
  });

  it('corrects only a significant baseline trend by default, and always when asked (SingleCaseES’s pretest_trend cases)', () => {
    // A significant trend (p = .029): corrected at .05, not at .01.
    const rising = [1, 1, 3, 3, 5, 5];
    const after = [5, 6, 4, 8, 9];
    const at05 = tauBCWithTrend(rising, after);
    expect(at05.trend).toMatchObject({ corrected: true, timeIndex: 'session', slope: theilSenSlope(rising) });
    expect(at05.tauBC).toBeCloseTo(tauBC(rising, after), 12);
    const at01 = tauBCWithTrend(rising, after, 'if_significant', 0.01);
    expect(at01.trend.corrected).toBe(false);
    expect(at01.tauBC).toBeCloseTo(tau(rising, after), 12);
    // No significant trend (p = .57): Tau-BC is Tau, as SingleCaseES gives with pretest_trend = .05.
    const A = [20, 20, 26, 25, 22, 23];
    const B = [28, 25, 24, 27, 30, 30, 29];
    expect(tauBCWithTrend(A, B).tauBC).toBeCloseTo(tau(A, B), 12);
    expect(tauBCWithTrend(A, B, 'always').tauBC).toBeCloseTo(tauBC(A, B), 12);
    expect(tauBCWithTrend(A, B, 'always').tauBC).not.toBeCloseTo(tau(A, B), 6);
    // A short flat-ish baseline no longer flips the sign: Tau 1, uncorrected.
    expect(tauBCWithTrend([3, 4, 3], [6, 7, 8]).tauBC).toBe(1);
    expect(tauBCWithTrend([3, 4, 3], [6, 7, 8], 'always').tauBC).toBe(1);
  });

  it('is the same under a shift, a positive scale and a mirror (with the direction)', () => {
    const A = [10, 12, 11, 14, 13];
    const B = [15, 17, 16, 19, 18, 20];
    const base = nonOverlap(A, B, true).value!;
    for (const transform of [(v: number) => v + 37, (v: number) => v * 2.5]) {
      const moved = nonOverlap(A.map(transform), B.map(transform), true).value!;
      for (const key of ['nap', 'tau', 'tauU', 'tauBC', 'pnd', 'pem', 'pand', 'ird', 'smd'] as const)
        expect(moved[key], key).toBeCloseTo(base[key]!, 9);
    }
    const mirrored = nonOverlap(
      A.map((v) => -v),
      B.map((v) => -v),
      false,
    ).value!;
    for (const key of ['nap', 'tau', 'tauU', 'tauBC', 'pnd', 'pem', 'pand', 'ird', 'smd'] as const)
      expect(mirrored[key], key).toBeCloseTo(base[key]!, 9);
    expect(mirrored.baselineTrend.corrected).toBe(base.baselineTrend.corrected);
  });
});
