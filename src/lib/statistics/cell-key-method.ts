import { cellKey, keyedCellKey, keyFraction, variableKey } from './cell-key';
import { perturbMagnitude } from './magnitude-noise';
import { perturbation, type PerturbationTable } from './perturbation-table';

// Publishing a cell by the cell-key method: counts are perturbed with the perturbation table
// (Thompson et al. 2013; Giessing 2016), means and medians with magnitude noise (Giessing & Tent
// 2019), shares are derived from perturbed counts. Every published number is a function of the
// cell's contributors (through their record keys) and true value only, so the same contributors
// give the same number in every answer.

/** A count and the sum of its contributors' record keys. */
export interface Tally {
  count: number;
  keys: string | number | bigint | null;
  /** What is counted: trajectories (by default), or youths (keys are then youth keys). */
  of?: 'youths';
}

/**
 * What identifies a count whatever answer or cell name publishes it, as the cell key does: the
 * kind of record key, the sum of the contributors' keys (mod 2^31) and the true count. A count
 * the release audit withholds is withheld by this, wherever the same contributors appear.
 */
export const fingerprintOf = (tally: Tally) => `${tally.of === 'youths' ? 'youth' : 'trajectory'}:${cellKey(tally.keys)}:${tally.count}`;

/**
 * What a withheld count tells a reader: a true count of at least 1, never 0 (an empty cell is
 * always published as 0). Mostly 1–9, the small counts the release audit finds determined; larger
 * where a count's part unknown to someone at record level would otherwise be exact (a researcher
 * who sees all but five trajectories of a programme), or where a line is withheld whole. The
 * audit's attacker assumes exactly that: at least 1, with no upper bound.
 */
export const WITHHELD_MINIMUM = 1;

/**
 * The share of counts of 1–9 the release audit withholds though nothing determines them: decoys,
 * so that P(withheld | true count) is about the same for every value and the flag tells no more
 * than "1 to 9". What the audit finds determined is not even over the values: pins come from
 * published values at the table's edges (±D), and pin the value D. For a group's trajectories and
 * youths, one each, a pair published as (0, ≥ 4) pins 3, and without decoys a withheld pair was 3
 * with probability 0.99: P(withheld | 3) = 0.018, every other value ≈ 0. The audit withholds one
 * of a pinned pair (linked-answers-audit.ts), half the time each: 0.009 per count. Decoys at that
 * rate for every other value of 1–9 and none at D level it: the likeliest value of a withheld
 * count is right 12–15 % of the time, and not D (1 in 9 is 11 %; test/statistics-provider-attacks.test.ts,
 * attack 5), where a flat 1.5 % on every value left D at 16–18 %. Each decoy costs published
 * values (itself, what is computed over the same youths, a domain's shares for its known count),
 * so fewer is better: at 400 trajectories a flat 2.5 % took the published share from 95.4 % to
 * 94.8 % when a withheld count took its line's shares. A decoy is drawn from the contributors' cell key
 * (its own derivation, unrelated to the perturbation's), so the same contributors are always
 * withheld, or never, and a new release draws nothing afresh.
 */
export const DECOY_SHARE = 0.01;
/** The counts a withheld flag may stand for (what the audit protects, and decoys are drawn among). */
export const SMALL_COUNTS = [1, 9] as const;

export interface Published {
  value: number | null;
  /** Left out (a mean or median over too few, a share of nothing): the answer's notes say why. */
  suppressed: boolean;
}

export interface CellKeySettings {
  table: PerturbationTable;
  /** m: the largest magnitude noise as a share of the magnifier. */
  noiseShare: number;
  /** Means and medians only where the published count of their contributors is at least this. */
  minimumBase: number;
  /**
   * The statistics secret the cell keys are derived under (cell-key.ts, keyedCellKey); null: the
   * additive textbook key, only for the attack tests' control and the method's own unit tests.
   */
  keySecret: Buffer | null;
  /** The share of counts of 1–9 withheld as decoys by the audit (default DECOY_SHARE; 0 only for the attack tests' control). */
  decoyShare?: number;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
/** A median over (mostly) equal values has no spread; a tenth of its size stands in, so it still gets noise. */
const MEDIAN_SPREAD_FLOOR = 0.1;
const leftOut: Published = { value: null, suppressed: true };

/**
 * `withheld`: fingerprints of counts the release audit found determined by the answers together
 * (statistics-audit.ts); they, and means and medians over the same contributors, are left out.
 */
export function createCellKeyMethod(settings: CellKeySettings, withheld: ReadonlySet<string> = new Set()) {
  const keyOf = settings.keySecret ? keyedCellKey(settings.keySecret) : cellKey;
  const isWithheld = (tally: Tally) => withheld.size > 0 && tally.count >= WITHHELD_MINIMUM && withheld.has(fingerprintOf(tally));
  const count = (tally: Tally): number =>
    tally.count === 0 ? 0 : tally.count + perturbation(settings.table, tally.count, keyFraction(keyOf(tally.keys)));
  /** Whether a magnitude may be published: decided on the published count, so the decision itself tells nothing more. */
  const enough = (contributors: Tally) => count(contributors) >= settings.minimumBase;
  const magnitude = (variable: string, contributors: Tally, value: number, magnifier: number, range?: [number, number]) =>
    round(
      perturbMagnitude(settings.table, value, {
        magnifier,
        noiseShare: settings.noiseShare,
        key: variableKey(keyOf(contributors.keys), variable),
        ...(range ? { range } : {}),
      }),
    );

  const decoyShare = settings.decoyShare ?? DECOY_SHARE;
  /** Whether the release audit withholds this count as a decoy (see DECOY_SHARE). */
  const pinnedValue = settings.table.parameters.maximumDeviation;
  const decoy = (tally: Tally) =>
    tally.count >= SMALL_COUNTS[0] &&
    tally.count <= SMALL_COUNTS[1] &&
    tally.count !== pinnedValue &&
    variableKey(keyOf(tally.keys), 'withheld decoy') < decoyShare;

  return {
    count,
    isWithheld,
    decoy,
    published: (tally: Tally): Published => (isWithheld(tally) ? leftOut : { value: count(tally), suppressed: false }),

    /**
     * A part's perturbed count over the sum of its whole's perturbed parts (so shares add up to 1).
     * The perturbed counts themselves are never published, but shares to three decimals give them
     * back up to scale, so the release audit takes them as published (linked-answers-audit.ts).
     */
    share(part: Tally, parts: Tally[]): Published {
      const whole = parts.reduce((sum, tally) => sum + count(tally), 0);
      return whole > 0 ? { value: round(count(part) / whole), suppressed: false } : leftOut;
    },

    /**
     * A mean: the sum perturbed with the largest contribution as magnifier (Giessing & Tent 2019,
     * "top contribution"), over the true number of contributors.
     */
    mean(variable: string, contributors: Tally, sum: number, largest: number, range?: [number, number]): Published {
      if (contributors.count === 0 || isWithheld(contributors) || !enough(contributors)) return leftOut;
      const perturbedSum = perturbMagnitude(settings.table, sum, {
        magnifier: Math.abs(largest),
        noiseShare: settings.noiseShare,
        key: variableKey(keyOf(contributors.keys), variable),
      });
      const value = perturbedSum / contributors.count;
      return { value: round(range ? Math.min(range[1], Math.max(range[0], value)) : value), suppressed: false };
    },

    /**
     * A median, perturbed with the interquartile range (at least a tenth of the median) as
     * magnifier over the minimum base of contributors, shrinking as 1/√n beyond it. One contributor
     * more or less moves a median by about the gap between its middle order statistics; over few
     * contributors that gap is a good part of the spread, so the noise spans the spread; over many
     * it is small, and the noise shrinks like the median's own standard error (≈ 0.93 · IQR / √n).
     */
    median(variable: string, contributors: Tally, quartiles: readonly number[] | null, range?: [number, number]): Published {
      if (!quartiles || contributors.count === 0 || isWithheld(contributors) || !enough(contributors)) return leftOut;
      const [lower, middle, upper] = quartiles as [number, number, number];
      const spread = Math.max(upper - lower, MEDIAN_SPREAD_FLOOR * Math.abs(middle));
      // Scaled by the published count (what the answer shows), not the true one.
      const magnifier = spread * Math.min(1, Math.sqrt(settings.minimumBase / count(contributors)));
      return { value: magnitude(variable, contributors, middle, magnifier, range), suppressed: false };
    },
  };
}

export type CellKeyMethod = ReturnType<typeof createCellKeyMethod>;
