import type { PerturbationTable } from '../../../src/lib/statistics/perturbation-table';
import type { TruthTrajectory } from '../statistics-truth';
import type { AnswerSet } from './answers';
import type { StatisticsAnswer } from '../../../src/modules/statistics/statistics.service';
import { type CountCell, publishedCounts, trueCount, whatOf } from './cells';
import { solveLinkedAnswers } from './linked-answers';

// The linked-answers attacks as the benchmark runs them (with the release audit's solver, see
// linked-answers.ts; the tests use test/helpers/attacker/): (b) every answer of a role solved
// together; (c) a researcher's and (d) an institution's, who also know part of every count at
// record level and want the rest. Each reports the small counts (1 … 9) it sets out to find and
// those it determines.

export interface AttackContext {
  table: PerturbationTable;
  /** The public catalogue: each institution's programmes. */
  programmesOf: Map<string, string[]>;
  /** The true population (the test's knowledge, not the attacker's). */
  truth: TruthTrajectory[];
}

export interface LinkedAttackReport {
  /** Distinct counts published (cells of different answers with the same contributors are one). */
  cells: number;
  /** Cells published with more than one value: consistency broken. */
  inconsistent: string[];
  constraints: number;
  /** Cells whose sought count (the true count, or what is left of it beyond the attacker's part) is 1 … 9. */
  targets: number;
  determined: Array<{ id: string; value: number; truth: number }>;
  /** Mean width of the range the attack leaves for a target (0 would be determined). */
  meanWidth: number;
  seconds: number;
}

export async function linkedAnswersAttack(
  context: AttackContext,
  answers: AnswerSet,
  attacker: { knows?: (row: TruthTrajectory) => boolean } = {},
): Promise<LinkedAttackReport> {
  const started = performance.now();
  const published = [...publishedCounts(answers, (part) => part).values()].filter((entry) => entry.cell.scope === 'national');
  const inconsistent = published.filter((entry) => entry.values.size > 1).map((entry) => entry.cell.id);
  const knownRows = attacker.knows ? context.truth.filter(attacker.knows) : [];
  const known = new Map(published.map((entry) => [entry.cell.id, attacker.knows ? trueCount(entry.cell, knownRows) : 0]));
  const sought = new Map(published.map((entry) => [entry.cell.id, trueCount(entry.cell, context.truth) - known.get(entry.cell.id)!]));
  const targets = published
    .filter((entry) => sought.get(entry.cell.id)! >= 1 && sought.get(entry.cell.id)! <= 9)
    .map((entry) => entry.cell.id);
  const result = await solveLinkedAnswers({
    cells: published.map((entry) => ({ cell: entry.cell, published: entry.values.size > 0 ? [...entry.values][0]! : null })),
    table: context.table,
    programmesOf: context.programmesOf,
    ...(attacker.knows ? { known } : {}),
    targets,
  });
  const widths = [...result.ranges.values()].map(([low, high]) => high - low);
  return {
    cells: published.length,
    inconsistent,
    constraints: result.constraints,
    targets: targets.length,
    determined: result.determined.map((entry) => ({
      ...entry,
      truth: trueCount(published.find((cell) => cell.cell.id === entry.id)!.cell, context.truth),
    })),
    meanWidth: widths.length ? widths.reduce((sum, width) => sum + width, 0) / widths.length : Number.NaN,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The largest distance between a published count and its true value over `rows`. */
export function largestDeviation(answers: AnswerSet, rows: TruthTrajectory[]): number {
  let largest = 0;
  for (const entry of publishedCounts(answers, (part) => part).values()) {
    if (entry.cell.scope !== 'national') continue;
    const truth = trueCount(entry.cell, rows);
    for (const value of entry.values) largest = Math.max(largest, Math.abs(value - truth));
  }
  return largest;
}

/** The same answers with every count true: what the attacks find without protection (their control). */
export function unprotected(answers: AnswerSet, rows: TruthTrajectory[]): AnswerSet {
  return new Map(
    [...answers].map(([key, answer]) => {
      const [measure, groupingText] = key.split('|') as [string, string];
      const grouping = (
        measure === 'recognition' ? 'recognition' : groupingText === 'total' ? null : groupingText
      ) as CountCell['grouping'];
      const exact = (group: string | null, values: StatisticsAnswer['total']) =>
        Object.fromEntries(
          Object.entries(values).map(([name, cell]) => {
            const what = whatOf(measure, name);
            return [
              name,
              what === null
                ? cell
                : { value: trueCount({ what, grouping: group === null ? null : grouping, group }, rows), suppressed: false },
            ];
          }),
        );
      return [
        key,
        {
          ...answer,
          groups: answer.groups.map((group) => ({ group: group.group, values: exact(group.group, group.values) })),
          total: exact(null, answer.total),
        },
      ];
    }),
  );
}
