// Non-overlap of two phases of a single-case series. All indices are oriented so that a
// positive value means improvement: for an instrument where lower is better the values are
// negated first.
//   NAP   Parker & Vannest (2009), Behavior Therapy 40:357–367: share of (A, B) pairs where B
//         is better, ties counting one half.
//   Tau   (A vs B): (pairs where B is better − pairs where B is worse) / (m·n).
//   Tau-U (A vs B − trend A), Parker, Vannest, Davis & Sauber (2011), Behavior Therapy
//         42:284–299: (S_AB − S_A) / (m·n), with S_A the Kendall S of the baseline against
//         time. Dividing by m·n (not by the number of pairs in both terms) is how the paper and
//         SingleCaseES compute it, so the value can leave [−1, 1] when the baseline trend is
//         strong against the phase difference.
//   Tau-BC Tarlow (2017), Behavior Modification 41:427–467: Tau after removing the baseline's
//         Theil–Sen trend from both phases (always corrected; no pre-test of the trend).

export const MINIMUM_PHASE_LENGTH = 3;

export interface NonOverlap {
  nap: number;
  tau: number;
  tauU: number;
  tauBC: number;
}

const sign = (value: number) => (value > 0 ? 1 : value < 0 ? -1 : 0);

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

/** Kendall's S of a series against time: Σ over i < j of sign(x_j − x_i). */
export function kendallS(series: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < series.length; i += 1) for (let j = i + 1; j < series.length; j += 1) s += sign(series[j]! - series[i]!);
  return s;
}

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

/** All four, oriented so that positive is better; null with a reason when a phase is too short. */
export function nonOverlap(
  a: readonly number[],
  b: readonly number[],
  higherIsBetter: boolean,
): { value: NonOverlap; reason: null } | { value: null; reason: string } {
  if (a.length < MINIMUM_PHASE_LENGTH || b.length < MINIMUM_PHASE_LENGTH) {
    return { value: null, reason: `each phase needs at least ${MINIMUM_PHASE_LENGTH} observations (A has ${a.length}, B has ${b.length})` };
  }
  const orient = (values: readonly number[]) => (higherIsBetter ? values : values.map((value) => -value));
  const [oa, ob] = [orient(a), orient(b)];
  return { value: { nap: nap(oa, ob), tau: tau(oa, ob), tauU: tauU(oa, ob), tauBC: tauBC(oa, ob) }, reason: null };
}
