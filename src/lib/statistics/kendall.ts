// Kendall's rank correlation of a series with time (its session numbers 1..n), and its two-sided
// test of "no trend" (Kendall 1970, Rank Correlation Methods, ch. 4–5):
//   S      Σ over i < j of sign(x_j − x_i): concordant minus discordant pairs with time;
//   tau-b  S / sqrt(n0 · (n0 − n1)), n0 = n(n−1)/2 pairs, n1 = pairs tied in x (time has no ties);
//   p      without ties, exact: the null distribution of S over all n! orders (the number of
//          orders with k inversions, Mahonian numbers), as R's cor.test(method = "kendall")
//          computes it below 50 observations; with ties (or from 50 on), the normal approximation
//          with the tie-corrected variance n(n−1)(2n+5)/18 − Σ t(t−1)(2t+5)/18 and a continuity
//          correction of 1 on S, as cor.test(exact = FALSE, continuity = TRUE).

const sign = (value: number) => (value > 0 ? 1 : value < 0 ? -1 : 0);

/** Kendall's S of a series against time: Σ over i < j of sign(x_j − x_i). */
export function kendallS(series: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < series.length; i += 1) for (let j = i + 1; j < series.length; j += 1) s += sign(series[j]! - series[i]!);
  return s;
}

/** Sizes of the groups of equal values (only groups of two or more matter). */
function tieGroups(series: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const value of series) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.values()].filter((count) => count > 1);
}

/** Below this many observations without ties the p-value is exact. */
const EXACT_BELOW = 50;

/** P(S ≥ s) under no trend and no ties, exactly: the distribution of inversions of a random order. */
function exactUpperTail(n: number, s: number): number {
  const pairs = (n * (n - 1)) / 2;
  // S = pairs − 2 · inversions; distribution of inversions built one element at a time.
  let distribution = [1];
  for (let size = 2; size <= n; size += 1) {
    const next = new Array<number>(distribution.length + size - 1).fill(0);
    for (let k = 0; k < distribution.length; k += 1) {
      const share = distribution[k]! / size;
      for (let added = 0; added < size; added += 1) next[k + added]! += share;
    }
    distribution = next;
  }
  let tail = 0;
  for (let inversions = 0; inversions <= pairs; inversions += 1) if (pairs - 2 * inversions >= s) tail += distribution[inversions]!;
  return tail;
}

/** The standard normal upper tail, 1 − Φ(z) (Abramowitz & Stegun 7.1.26 on erfc; error below 1.5e-7). */
function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export interface TrendTest {
  s: number;
  /** Kendall's tau-b of the series with its session numbers. */
  tau: number;
  /** Two-sided p-value of "no monotonic trend". */
  p: number;
  method: 'exact' | 'normal';
}

/** Kendall's test of a monotonic trend of the series over its session numbers; null under three observations or no variation. */
export function kendallTrendTest(series: readonly number[]): TrendTest | null {
  const n = series.length;
  if (n < 3) return null;
  const s = kendallS(series);
  const ties = tieGroups(series);
  const pairs = (n * (n - 1)) / 2;
  const tiedPairs = ties.reduce((sum, t) => sum + (t * (t - 1)) / 2, 0);
  if (tiedPairs === pairs) return null;
  const tau = s / Math.sqrt(pairs * (pairs - tiedPairs));
  if (ties.length === 0 && n < EXACT_BELOW) {
    const p = Math.min(1, 2 * exactUpperTail(n, Math.abs(s)));
    return { s, tau, p, method: 'exact' };
  }
  const variance = (n * (n - 1) * (2 * n + 5) - ties.reduce((sum, t) => sum + t * (t - 1) * (2 * t + 5), 0)) / 18;
  const corrected = Math.max(0, Math.abs(s) - 1);
  return { s, tau, p: Math.min(1, 2 * normalUpperTail(corrected / Math.sqrt(variance))), method: 'normal' };
}
