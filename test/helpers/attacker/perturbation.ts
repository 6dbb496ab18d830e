import type { PerturbationTable } from '../../../src/lib/statistics/perturbation-table';

// What the public perturbation table tells an outsider (the table is published with every answer:
// its label, and the file in the repository). A true count c is published as c + v, v drawn from
// the row of c by the cell key: the key, a fraction in [0, 1), falls in one interval of the row's
// cumulative distribution (Thompson, Broadfoot & Elazar 2013, §3). A count of 0 has no
// contributors and is published as 0. Read here from the table alone, not from the service's code.

/** The row that holds for a true count: its own, or the last ("and above"). */
function rowOf(table: PerturbationTable, count: number) {
  const rows = [...table.rows].sort((a, b) => a.count - b.count);
  return rows.find((row) => row.count === count) ?? rows[rows.length - 1]!;
}

/** The largest perturbation the table can apply. */
export const reachOf = (table: PerturbationTable) =>
  Math.max(0, ...table.rows.flatMap((row) => row.perturbations.filter((_, index) => row.probabilities[index]! > 0).map(Math.abs)));

/** Whether a true count can be published as `published` (the table gives it a positive probability). */
export function canPublish(table: PerturbationTable, count: number, published: number): boolean {
  if (count === 0) return published === 0;
  const row = rowOf(table, count);
  const index = row.perturbations.indexOf(published - count);
  return index >= 0 && row.probabilities[index]! > 0;
}

/** Every true count that can be published as `published`, ascending: the exact feasible set (it may have gaps). */
export function originsOf(table: PerturbationTable, published: number): number[] {
  const reach = reachOf(table);
  const origins: number[] = [];
  for (let count = Math.max(0, published - reach); count <= published + reach; count += 1) {
    if (canPublish(table, count, published)) origins.push(count);
  }
  return origins;
}

/**
 * The cell keys (fractions of [0, 1)) that make a true count `count` publish with `perturbation`:
 * [from, to), the perturbation's interval of the row's cumulative probabilities, accumulated in
 * the row's order (the last interval runs to 1).
 */
export function keyInterval(table: PerturbationTable, count: number, perturbation: number): [number, number] | null {
  const row = rowOf(table, count);
  let cumulative = 0;
  for (let index = 0; index < row.perturbations.length; index += 1) {
    const from = cumulative;
    cumulative += row.probabilities[index]!;
    if (row.perturbations[index] === perturbation)
      return row.probabilities[index]! > 0 ? [from, index === row.perturbations.length - 1 ? 1 : cumulative] : null;
  }
  return null;
}
