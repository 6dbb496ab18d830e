import type { PerturbationTable } from '../../../src/lib/statistics/perturbation-table';
import type { TruthTrajectory } from '../statistics-truth';
import { Contradiction, solveCounts } from './integer-program';
import { type KeyDomain, keyArithmetic, keyDomainOf } from './key-arithmetic';
import { originsOf } from './perturbation';
import { type Count, countOver, type PublishedAnswers, readCounts } from './published';
import { structureOf } from './structure';

// The outside attacker of issue #23: everything published to one role, the public perturbation
// table and catalogue, and what the attacker holds at record level (a researcher's trajectories,
// an institution's own), solved together as an integer programme (integer-program.ts), optionally
// after the key arithmetic of additive cell keys (key-arithmetic.ts). It shares no code with the
// service's release audit, so a test that uses it asks someone other than the defence whether the
// defence held. What the attacker seeks of a count is the part they do not hold; a count whose
// part is pinned to one value of 1 … 9 is disclosed (Hundepool et al. 2012, §5.4).

/**
 * WITHHELD as the answers' notes state it: a withheld count is a true count of at least 1, with
 * no upper bound; no count exceeds the largest published count by more than the table's D.
 */
const WITHHELD_MINIMUM = 1;

export interface Knowledge {
  /** Trajectories the attacker holds at record level: every count is at least their part of it. */
  rows: readonly TruthTrajectory[];
  /** Counts made only of the attacker's records (an institution's own lines): known exactly. */
  exact?: (count: Count) => boolean;
}

export interface AttackInput {
  answers: PublishedAnswers;
  table: PerturbationTable;
  /** The public catalogue: each institution's programmes. */
  programmesOf: ReadonlyMap<string, readonly string[]>;
  knows?: Knowledge;
  /** Narrow by the arithmetic of additive cell keys first. */
  keyArithmetic?: boolean;
  /** Solve the exact range of every target (true) or of these (slower); by default a target shown at two values is left at that. */
  exactRanges?: boolean | readonly string[];
  /**
   * The test's truth, never the attacker's: it only picks the counts worth solving for (whose part
   * the attacker does not hold is 1 … 9, to keep the test short) and tells right from wrong.
   */
  truth: readonly TruthTrajectory[];
}

export interface AttackReport {
  /** Distinct counts published. */
  cells: number;
  /** Counts published with different values in different answers (the method promises one). */
  inconsistent: string[];
  targets: number;
  /** Targets whose unknown part the attack pins to one value, with its truth (a value ≠ truth: the attacker's model is wrong). */
  determined: Array<{ id: string; value: number; truth: number }>;
  /** Per target, the range of its unknown part: exact if `exactRanges`, else for undetermined targets the values shown feasible (the exact range is at least as wide). */
  ranges: Map<string, [number, number]>;
  meanWidth: number;
  /** Integer programmes solved. */
  solves: number;
  /**
   * The key arithmetic: the true counts it leaves possible per count (not the attacker's part: the
   * whole count), the counts it narrowed, and those it left without any value (additivity
   * contradicted by the answers; the attack then goes on without it).
   */
  keys?: { possible: Map<string, number[]>; narrowed: string[]; refuted: string[]; rounds: number };
  seconds: number;
}

/** The catalogue's programmes (GET /api/v1/programmes) by institution. */
export function programmesOfCatalogue(programmes: ReadonlyArray<{ code: string; institutionCode: string }>): Map<string, string[]> {
  const byInstitution = new Map<string, string[]>();
  for (const { code, institutionCode } of programmes)
    byInstitution.set(institutionCode, [...(byInstitution.get(institutionCode) ?? []), code]);
  return byInstitution;
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);

export async function attack(input: AttackInput): Promise<AttackReport> {
  const started = performance.now();
  const published = readCounts(input.answers, input.table);
  const counts = new Map([...published].map(([id, entry]) => [id, entry.count]));
  const held = new Map([...counts].map(([id, count]) => [id, input.knows ? countOver(count, input.knows.rows) : 0]));
  // What each count can be: from its published value(s) by the table, or at least 1 where withheld; at
  // least the attacker's part, exactly it where the count is theirs alone.
  const possible = new Map<string, number[]>();
  const ceiling =
    Math.max(WITHHELD_MINIMUM, ...[...published.values()].flatMap((entry) => [...entry.values])) + input.table.parameters.maximumDeviation;
  for (const [id, entry] of published) {
    const own = held.get(id)!;
    let values: number[];
    if (entry.values.size > 0) {
      const [first, ...rest] = [...entry.values].map((value) => originsOf(input.table, value));
      values = first!.filter((value) => rest.every((other) => other.includes(value)));
    } else values = range(WITHHELD_MINIMUM, ceiling);
    values = values.filter((value) => value >= own && (!input.knows?.exact?.(entry.count) || value === own));
    possible.set(id, values);
  }
  const structure = structureOf(counts, input.programmesOf);

  let keys: AttackReport['keys'];
  let domains = possible;
  if (input.keyArithmetic) {
    const keyed = new Map<string, KeyDomain>();
    for (const [id, entry] of published) {
      // Youths are keyed by youth keys and do not partition over trajectories' groups: left as they are.
      if (entry.count.kind === 'youths') continue;
      keyed.set(id, keyDomainOf(input.table, entry.values.size > 0 ? [...entry.values][0]! : null, possible.get(id)!));
    }
    const result = keyArithmetic(keyed, structure.partitions);
    const narrowed = [...result.counts].filter(([id, values]) => values.length < possible.get(id)!.length).map(([id]) => id);
    keys = { possible: result.counts, narrowed, refuted: result.refuted, rounds: result.rounds };
    // A contradiction tells the attacker the keys are not additive: the arithmetic is then worth nothing.
    if (result.refuted.length === 0) domains = new Map([...possible].map(([id, values]) => [id, result.counts.get(id) ?? values]));
  }

  const sought = (id: string) => countOver(counts.get(id)!, input.truth) - held.get(id)!;
  const targets = [...counts.keys()].filter((id) => sought(id) >= 1 && sought(id) <= 9);
  const solve = (using: ReadonlyMap<string, readonly number[]>) =>
    solveCounts({
      domains: using,
      structure,
      targets,
      ...(input.exactRanges ? { exact: input.exactRanges === true ? targets : input.exactRanges } : {}),
    });
  let solved: Awaited<ReturnType<typeof solveCounts>>;
  try {
    solved = await solve(domains);
  } catch (error) {
    // The key arithmetic's sets admit no solution of the structure: additivity is contradicted too.
    if (!(error instanceof Contradiction) || domains === possible || !keys) throw error;
    keys.refuted.push('(the integer programme)');
    solved = await solve(possible);
  }
  const ranges = new Map(
    [...solved.ranges].map(([id, [low, high]]): [string, [number, number]] => [id, [low - held.get(id)!, high - held.get(id)!]]),
  );
  const widths = [...ranges.values()].map(([low, high]) => high - low);
  return {
    cells: counts.size,
    inconsistent: [...published].filter(([, entry]) => entry.values.size > 1).map(([id]) => id),
    targets: targets.length,
    determined: [...ranges]
      .filter(([id, [low, high]]) => solved.solved.has(id) && low === high)
      .map(([id, [value]]) => ({ id, value, truth: sought(id) })),
    ranges,
    meanWidth: widths.length ? widths.reduce((sum, width) => sum + width, 0) / widths.length : Number.NaN,
    solves: solved.solves,
    ...(keys ? { keys } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}
