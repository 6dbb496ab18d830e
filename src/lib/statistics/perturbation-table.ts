import { maximumEntropy, moments } from './maximum-entropy';

// The perturbation table of the cell-key method for counts (Thompson, Broadfoot & Elazar 2013,
// "Methodology for the automatic confidentialisation of statistical outputs from remote
// servers at the Australian Bureau of Statistics", UNECE SDC work session; Giessing 2016 for the
// maximum-entropy construction; the R package ptable for the layout). A row per true count n
// gives the probability of each perturbation v, so that the published count is n + v:
// - |v| ≤ D (the maximum deviation);
// - unbiased: E[v] = 0, and variance V wherever the row's possible targets allow it;
// - never negative: n + v ≥ 0;
// - never 1 … js (the threshold): a published count is 0 or above js, so a small count is
//   never shown, and a published 0 may hide a count of 1 … D;
// - a zero count (a cell no one is in) stays 0: it has no contributors, so no cell key.
// Counts above D + js are all far enough from 0 to share one row ("and above").

export interface PerturbationParameters {
  /** D: the largest perturbation. */
  maximumDeviation: number;
  /** V: the variance of the perturbation. */
  variance: number;
  /** js: published counts are never 1 … js. */
  threshold: number;
}

export interface PerturbationRow {
  /** True count; the last row holds for this count and every larger one. */
  count: number;
  perturbations: number[];
  probabilities: number[];
  /** The row's variance: V, or the nearest variance its targets allow (rows 0 … js). */
  variance: number;
}

export interface PerturbationTable {
  format: 'cell-key perturbation table v1';
  method: string;
  parameters: PerturbationParameters;
  rows: PerturbationRow[];
}

export const tableLabel = (parameters: PerturbationParameters) =>
  `D${parameters.maximumDeviation}-V${parameters.variance}-js${parameters.threshold}`;

/** Perturbations allowed for a true count: within D, no negative and no blocked (1 … js) result. */
export function allowedPerturbations(count: number, parameters: PerturbationParameters): number[] {
  const { maximumDeviation: d, threshold } = parameters;
  const allowed: number[] = [];
  for (let v = -d; v <= d; v += 1) {
    const target = count + v;
    if (target < 0 || (target >= 1 && target <= threshold)) continue;
    // A zero count stays zero (see above).
    if (count === 0 && v !== 0) continue;
    allowed.push(v);
  }
  return allowed;
}

/** Why the parameters give no table, or undefined when they do (the ptable tool asks first). */
export function problemWithParameters(parameters: PerturbationParameters): string | undefined {
  const { maximumDeviation: d, variance, threshold } = parameters;
  if (!Number.isInteger(d) || d < 1) return 'D must be a positive integer';
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > d)
    return 'js must be an integer from 0 to D (a count of 1 needs a target above js within D)';
  if (!(variance > 0) || variance >= d * d) return 'V must lie between 0 and D²';
  return undefined;
}

export function buildPerturbationTable(parameters: PerturbationParameters): PerturbationTable {
  const problem = problemWithParameters(parameters);
  if (problem) throw new Error(problem);
  const { maximumDeviation: d, variance, threshold } = parameters;
  const rows: PerturbationRow[] = [];
  for (let count = 0; count <= d + threshold + 1; count += 1) {
    const solved = maximumEntropy(allowedPerturbations(count, parameters), variance);
    // Probabilities below 1e-12 are zero: the row's support is what the table promises.
    const kept = solved.values
      .map((value, index) => ({ value, probability: solved.probabilities[index]! }))
      .filter((entry) => entry.probability > 1e-12);
    const total = kept.reduce((sum, entry) => sum + entry.probability, 0);
    const row = { count, perturbations: kept.map((entry) => entry.value), probabilities: kept.map((entry) => entry.probability / total) };
    rows.push({ ...row, variance: moments({ values: row.perturbations, probabilities: row.probabilities }).variance });
  }
  return {
    format: 'cell-key perturbation table v1',
    method: 'maximum entropy (Giessing 2016), unbiased, variance V, |perturbation| ≤ D, no result below 0 or in 1 … js',
    parameters: { ...parameters },
    rows,
  };
}

/** The row that applies to a true count. */
export function rowFor(table: PerturbationTable, count: number): PerturbationRow {
  return table.rows[Math.min(count, table.rows.length - 1)]!;
}

/**
 * The perturbation for a true count and a cell key in [0, 1): the cell key picks an interval of
 * the row's cumulative distribution (Thompson et al. 2013), so the same cell always gets the same
 * perturbation.
 */
export function perturbation(table: PerturbationTable, count: number, cellKey: number): number {
  const row = rowFor(table, count);
  let cumulative = 0;
  for (let index = 0; index < row.perturbations.length; index += 1) {
    cumulative += row.probabilities[index]!;
    if (cellKey < cumulative) return row.perturbations[index]!;
  }
  return row.perturbations[row.perturbations.length - 1]!;
}
