import { type PerturbationTable, rowFor } from './perturbation-table';

// Noise for magnitudes (means and medians), after Giessing & Tent (2019), "Concepts for
// generalising tools implementing the cell key method to the case of continuous variables",
// UNECE/Eurostat work session on statistical data confidentiality: a magnitude x of a cell is
// published as x + m · M · d, where M (the "magnifier") is the size of what one contributor can
// change — the largest contribution for a sum or mean, the interquartile range for a median —,
// m is the noise share, and d a noise value in [−1, 1] looked up with the cell's key.
//
// d follows the shape of the count table's row for large counts, scaled to [−1, 1], and made
// continuous by spreading the key's position inside its interval over the width of one step
// (a discrete d would make differences of published magnitudes multiples of a known step, from
// which a single contribution could be read). Symmetric, so unbiased.

/** d in [−1, 1] for a key in [0, 1). */
export function magnitudeNoise(table: PerturbationTable, key: number): number {
  const row = rowFor(table, Number.MAX_SAFE_INTEGER);
  const reach = table.parameters.maximumDeviation + 0.5;
  let lower = 0;
  for (let index = 0; index < row.perturbations.length; index += 1) {
    const upper = lower + row.probabilities[index]!;
    if (key < upper || index === row.perturbations.length - 1) {
      const within = Math.min(1, Math.max(0, (key - lower) / row.probabilities[index]!));
      return (row.perturbations[index]! + within - 0.5) / reach;
    }
    lower = upper;
  }
  return 0;
}

/** x + m · magnifier · d, kept within the variable's range. */
export function perturbMagnitude(
  table: PerturbationTable,
  value: number,
  options: { magnifier: number; noiseShare: number; key: number; range?: [number, number] },
): number {
  const noisy = value + options.noiseShare * options.magnifier * magnitudeNoise(table, options.key);
  const [low, high] = options.range ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  return Math.min(high, Math.max(low, noisy));
}
