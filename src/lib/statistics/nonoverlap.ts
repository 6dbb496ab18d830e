// Non-overlap and effect sizes of two phases of a single-case series, the set SingleCaseES
// (Pustejovsky, Chen & Swan) computes. All are oriented so that a positive value (above 0.5 for
// NAP and PEM, above 0 for the rest) means improvement: for an instrument where lower is better
// the values are negated first (for LRR, the ratio is inverted).
//   NAP    Parker & Vannest (2009), Behavior Therapy 40:357–367: share of (A, B) pairs where B is
//          better, ties counting one half.
//   Tau    (A vs B): (pairs where B is better − pairs where B is worse) / (m·n).
//   Tau-U  (A vs B − trend A), Parker, Vannest, Davis & Sauber (2011), Behavior Therapy
//          42:284–299: (S_AB − S_A) / (m·n), with S_A the Kendall S of the baseline against
//          time. Dividing by m·n (not by the number of pairs in both terms) is how the paper and
//          SingleCaseES compute it, so the value can leave [−1, 1] when the baseline trend is
//          strong against the phase difference.
//   Tau-BC Tarlow (2017), Behavior Modification 41:427–467: Tau after removing the baseline's
//          Theil–Sen trend (over session numbers) from both phases. By default only when the
//          baseline trend is significant (Kendall's test, p < .05: Tarlow's procedure), otherwise
//          Tau itself; `always` corrects whatever the trend (SingleCaseES's default).
//   PND    Scruggs, Mastropieri & Casto (1987): share of B above the best A.
//   PEM    Ma (2006): share of B above the median of A, ties counting one half.
//   PAND   Parker, Hagan-Burke & Vannest (2007): share of all observations left after removing
//          the fewest so that every remaining B is above every remaining A.
//   IRD    Parker, Vannest & Brown (2009), robust improvement rate difference, from PAND:
//          ((m+n)²·PAND − m² − n²) / (2mn).
//   SMD    within-case standardised mean difference (Busk & Serlin 1992) on the baseline SD,
//          with Hedges' small-sample correction J = 1 − 3 / (4(m−1) − 1).
//   LRR    log response ratio with Pustejovsky's (2018) bias correction, ln M + S²/(2nM²) per
//          phase; only for values on a ratio scale (none below 0, both means above 0).

import { kendallS, kendallTrendTest } from './kendall';

export const MINIMUM_PHASE_LENGTH = 3;
/** Tarlow's (2017) significance level for the baseline trend. */
export const TREND_ALPHA = 0.05;

export interface NonOverlap {
  nap: number;
  tau: number;
  tauU: number;
  tauBC: number;
  pnd: number;
  pem: number;
  pand: number;
  ird: number;
  /** Null when the baseline has no variation (see `unavailable`). */
  smd: number | null;
  /** Null off a ratio scale (see `unavailable`). */
  lrr: number | null;
  /** The baseline's trend and whether Tau-BC corrected for it. */
  baselineTrend: BaselineTrend;
  /** Each index left out, with the reason. */
  unavailable: Array<{ indicator: 'smd' | 'lrr' | 'baselineTrendTest'; reason: string }>;
}

/** Tarlow's procedure (correct only a significant baseline trend), or always correct. */
export type BaselineCorrection = 'if_significant' | 'always';

export interface BaselineTrend {
  /** Theil–Sen slope of the (oriented) baseline per session. */
  slope: number;
  /** Kendall's tau-b of the baseline with its session numbers, and the two-sided p of no trend. */
  kendallTau: number | null;
  p: number | null;
  /** Whether Tau-BC removed the trend. */
  corrected: boolean;
  /** The time index of the trend: observation (session) numbers, not days. */
  timeIndex: 'session';
  correction: BaselineCorrection;
  alpha: number;
}

/** Pairs (A, B) where B is better, worse or tied; values within `tolerance` of each other tie. */
function pairCounts(a: readonly number[], b: readonly number[], tolerance = 0) {
  let better = 0;
  let worse = 0;
  let ties = 0;
  for (const before of a) {
    for (const after of b) {
      if (after - before > tolerance) better += 1;
      else if (before - after > tolerance) worse += 1;
      else ties += 1;
    }
  }
  return { better, worse, ties };
}

export function nap(a: readonly number[], b: readonly number[]): number {
  const { better, ties } = pairCounts(a, b);
  return (better + ties / 2) / (a.length * b.length);
}

export function tau(a: readonly number[], b: readonly number[]): number {
  const { better, worse } = pairCounts(a, b);
  return (better - worse) / (a.length * b.length);
}

export { kendallS };

export function tauU(a: readonly number[], b: readonly number[]): number {
  const { better, worse } = pairCounts(a, b);
  return (better - worse - kendallS(a)) / (a.length * b.length);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Theil–Sen slope of the series against sessions 1..m: the median of all pairwise slopes. */
export function theilSenSlope(series: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < series.length; i += 1)
    for (let j = i + 1; j < series.length; j += 1) slopes.push((series[j]! - series[i]!) / (j - i));
  return slopes.length ? median(slopes) : 0;
}

/**
 * How far apart two trend-corrected values must be to differ. Correcting leaves floating-point
 * rounding behind (0.3 − 3 × 0.1 is not 0), and how it falls depends on the values themselves: an
 * exact tie would be decided by rounding, and the same data shifted by a constant would get
 * another Tau-BC. Relative to the data's magnitude, this is far above rounding (about 1e-16 per
 * operation) and far below any instrument's resolution (scores with a few decimals at most).
 */
const CORRECTED_TIE_TOLERANCE = 1e-10;

/** Tau of the two phases after removing the baseline's Theil–Sen trend (always corrected). */
export function tauBC(a: readonly number[], b: readonly number[]): number {
  const slope = theilSenSlope(a);
  // Sessions run on across the phases; the intercept cancels out of every comparison.
  const correctedA = a.map((value, index) => value - slope * (index + 1));
  const correctedB = b.map((value, index) => value - slope * (a.length + index + 1));
  let magnitude = 1;
  for (const value of [...a, ...b, ...correctedA, ...correctedB]) magnitude = Math.max(magnitude, Math.abs(value));
  const { better, worse } = pairCounts(correctedA, correctedB, CORRECTED_TIE_TOLERANCE * magnitude);
  return (better - worse) / (a.length * b.length);
}

/** Tau-BC as Tarlow (2017) computes it: corrected only when the baseline trend is significant (or always), with the trend. */
export function tauBCWithTrend(
  a: readonly number[],
  b: readonly number[],
  correction: BaselineCorrection = 'if_significant',
  alpha = TREND_ALPHA,
): { tauBC: number; trend: BaselineTrend } {
  const test = kendallTrendTest(a);
  // No test (a flat baseline): there is no trend to remove.
  const corrected = correction === 'always' || (test !== null && test.p < alpha);
  return {
    tauBC: corrected ? tauBC(a, b) : tau(a, b),
    trend: {
      slope: theilSenSlope(a),
      kendallTau: test?.tau ?? null,
      p: test?.p ?? null,
      corrected,
      timeIndex: 'session',
      correction,
      alpha,
    },
  };
}

export function pnd(a: readonly number[], b: readonly number[]): number {
  const best = Math.max(...a);
  return b.filter((value) => value > best).length / b.length;
}

export function pem(a: readonly number[], b: readonly number[]): number {
  const middle = median([...a]);
  return b.reduce((sum, value) => sum + (value > middle ? 1 : value === middle ? 0.5 : 0), 0) / b.length;
}

/**
 * PAND: the largest share of observations that can be kept so that every kept A is below every
 * kept B, over every choice of the i lowest A and the B from the j-th lowest on.
 */
export function pand(a: readonly number[], b: readonly number[]): number {
  const m = a.length;
  const n = b.length;
  const lowA = [Number.NEGATIVE_INFINITY, ...[...a].sort((x, y) => x - y)];
  const highB = [...[...b].sort((x, y) => x - y), Number.POSITIVE_INFINITY];
  let kept = 0;
  // Keeping the i lowest A (i = 0..m) and B from its j-th lowest (j = 0..n, 0-based): i + (n − j) kept.
  for (let i = 0; i <= m; i += 1) for (let j = 0; j <= n; j += 1) if (lowA[i]! < highB[j]!) kept = Math.max(kept, i + n - j);
  return kept / (m + n);
}

export function ird(a: readonly number[], b: readonly number[]): number {
  const m = a.length;
  const n = b.length;
  return ((m + n) ** 2 * pand(a, b) - m * m - n * n) / (2 * m * n);
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const variance = (values: readonly number[]) => {
  const centre = mean(values);
  return values.reduce((sum, value) => sum + (value - centre) ** 2, 0) / (values.length - 1);
};

/** Hedges' g on the baseline SD; null when the baseline does not vary. */
export function smd(a: readonly number[], b: readonly number[]): number | null {
  const spread = variance(a);
  if (!(spread > 0)) return null;
  const correction = 1 - 3 / (4 * (a.length - 1) - 1);
  return (correction * (mean(b) - mean(a))) / Math.sqrt(spread);
}

/** The bias-corrected log response ratio ln(B/A) of raw (not negated) values; null off a ratio scale. */
export function lrr(a: readonly number[], b: readonly number[]): number | null {
  if ([...a, ...b].some((value) => value < 0) || !(mean(a) > 0) || !(mean(b) > 0)) return null;
  const corrected = (values: readonly number[]) => Math.log(mean(values)) + variance(values) / (2 * values.length * mean(values) ** 2);
  return corrected(b) - corrected(a);
}

export interface NonOverlapOptions {
  correction?: BaselineCorrection;
  alpha?: number;
}

/** Every index, oriented so that positive is better; null with a reason when a phase is too short. */
export function nonOverlap(
  a: readonly number[],
  b: readonly number[],
  higherIsBetter: boolean,
  options: NonOverlapOptions = {},
): { value: NonOverlap; reason: null } | { value: null; reason: string } {
  if (a.length < MINIMUM_PHASE_LENGTH || b.length < MINIMUM_PHASE_LENGTH) {
    return { value: null, reason: `each phase needs at least ${MINIMUM_PHASE_LENGTH} observations (A has ${a.length}, B has ${b.length})` };
  }
  const orient = (values: readonly number[]) => (higherIsBetter ? values : values.map((value) => -value));
  const [oa, ob] = [orient(a), orient(b)];
  const { tauBC: corrected, trend } = tauBCWithTrend(oa, ob, options.correction ?? 'if_significant', options.alpha ?? TREND_ALPHA);
  const standardised = smd(oa, ob);
  const ratio = lrr(a, b);
  const unavailable: NonOverlap['unavailable'] = [];
  if (standardised === null)
    unavailable.push({ indicator: 'smd', reason: 'the baseline does not vary, so there is no standard deviation to scale by' });
  if (ratio === null)
    unavailable.push({
      indicator: 'lrr',
      reason: 'the log response ratio needs a ratio scale: no value below 0 and both phase means above 0',
    });
  if (trend.p === null)
    unavailable.push({ indicator: 'baselineTrendTest', reason: 'the baseline does not vary: there is no trend to test or remove' });
  return {
    value: {
      nap: nap(oa, ob),
      tau: tau(oa, ob),
      tauU: tauU(oa, ob),
      tauBC: corrected,
      pnd: pnd(oa, ob),
      pem: pem(oa, ob),
      pand: pand(oa, ob),
      ird: ird(oa, ob),
      smd: standardised,
      // A ratio of raw values: improvement is a rise, or for lower-is-better a fall.
      lrr: ratio === null ? null : higherIsBetter ? ratio : -ratio,
      baselineTrend: trend,
      unavailable,
    },
    reason: null,
  };
}
