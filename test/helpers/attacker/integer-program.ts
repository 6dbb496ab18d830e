import highsLoader from 'highs';
import type { Structure } from './structure';

// The attacker's integer programme over the true counts (Hundepool et al. 2012, §5.4: the
// intruder's feasibility intervals, here with integrality, which a linear relaxation drops). One
// integer variable per published count, allowed exactly the values it can have come from (a set
// that may have gaps: then one binary per value), tied by the structure; for each target the
// smallest and the largest feasible value. HiGHS (the `highs` package) is a third-party solver;
// the formulation is this attacker's own, not the release audit's.

export interface ProgramInput {
  /** Per count, the true values it can have, ascending (from the table, what the attacker knows, the key arithmetic). */
  domains: ReadonlyMap<string, readonly number[]>;
  structure: Structure;
  targets: readonly string[];
  /** Targets whose exact range is wanted (for the others it is enough to know whether it is one value). */
  exact?: readonly string[];
}

export interface ProgramResult {
  /**
   * Per target: the smallest and largest feasible true count where solved for (`solved`); for a
   * target shown at two values by the way, the values shown (the true range is at least as wide).
   */
  ranges: Map<string, [number, number]>;
  solved: Set<string>;
  solves: number;
  variables: number;
  constraints: number;
}

/** The answers and the attacker's model of them cannot both hold. */
export class Contradiction extends Error {}

interface Row {
  terms: Array<[number, number]>;
  lower: number;
  upper: number;
}

export async function solveCounts(input: ProgramInput): Promise<ProgramResult> {
  const highs = await highsLoader();
  const ids = [...input.domains.keys()];
  const column = new Map(ids.map((id, index) => [id, index]));
  const lower: number[] = [];
  const upper: number[] = [];
  const rows: Row[] = [];
  for (const id of ids) {
    const values = input.domains.get(id)!;
    if (values.length === 0) throw new Contradiction(`${id} has no feasible value: the attacker's model contradicts the answers`);
    lower.push(values[0]!);
    upper.push(values[values.length - 1]!);
  }
  // A set with gaps: the count is one of its values, by binaries that sum to 1.
  for (const id of ids) {
    const values = input.domains.get(id)!;
    if (values[values.length - 1]! - values[0]! + 1 === values.length) continue;
    const first = lower.length;
    for (let index = 0; index < values.length; index += 1) {
      lower.push(0);
      upper.push(1);
    }
    rows.push({
      terms: [[column.get(id)!, 1], ...values.map((value, index): [number, number] => [first + index, -value])],
      lower: 0,
      upper: 0,
    });
    rows.push({ terms: values.map((_, index): [number, number] => [first + index, 1]), lower: 1, upper: 1 });
  }
  const at = (id: string) => column.get(id)!;
  const { structure } = input;
  for (const { whole, parts } of structure.partitions)
    rows.push({ terms: [[at(whole), 1], ...parts.map((part): [number, number] => [at(part), -1])], lower: 0, upper: 0 });
  const atMost = [...structure.atMost];
  for (const { whole, parts } of structure.covers) {
    rows.push({ terms: [...parts.map((part): [number, number] => [at(part), 1]), [at(whole), -1]], lower: 0, upper: Infinity });
    for (const part of parts) atMost.push({ part, whole });
  }
  for (const { part, whole } of atMost)
    rows.push({
      terms: [
        [at(part), 1],
        [at(whole), -1],
      ],
      lower: -Infinity,
      upper: 0,
    });
  for (const { youths, trajectories } of structure.youths) {
    rows.push({
      terms: [
        [at(youths), 1],
        [at(trajectories), -1],
      ],
      lower: -Infinity,
      upper: 0,
    });
    // Trajectories only where there is a youth: T ≤ (largest T) · Y, with Y an integer.
    const most = upper[at(trajectories)]!;
    if (most > 0)
      rows.push({
        terms: [
          [at(trajectories), 1],
          [at(youths), -most],
        ],
        lower: -Infinity,
        upper: 0,
      });
  }

  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of rows) {
    for (const [index, coefficient] of row.terms) {
      indices.push(index);
      values.push(coefficient);
    }
    starts.push(indices.length);
  }
  const numCols = lower.length;
  const model = highs.createModel({
    numCols,
    numRows: rows.length,
    colCost: new Array(numCols).fill(0),
    colLower: lower,
    colUpper: upper,
    rowLower: rows.map((row) => (row.lower === -Infinity ? -highs.infinity : row.lower)),
    rowUpper: rows.map((row) => (row.upper === Infinity ? highs.infinity : row.upper)),
    matrix: { format: 'csr', numRows: rows.length, numCols, starts, indices, values },
    integrality: new Array(numCols).fill(highs.constants.variableType.integer),
  });
  try {
    // The objective is an integer: a gap below 1 proves the optimum.
    model.options.set({ output_flag: false, mip_rel_gap: 0, mip_abs_gap: 0.5 });
    const objective = (indices: readonly number[], sense: 'minimize' | 'maximize') => {
      for (const index of indices) model.changeColCost(index, 1);
      model.changeObjectiveSense(highs.constants.objectiveSense[sense]);
      model.run();
      const status = model.getModelStatus();
      const bound = Number(model.info.get('mip_dual_bound'));
      const solution = status === highs.constants.modelStatus.optimal ? model.getSolution().colValue : null;
      for (const index of indices) model.changeColCost(index, 0);
      if (status === highs.constants.modelStatus.infeasible)
        throw new Contradiction("the attacker's integer programme is infeasible: its model contradicts the answers");
      if (!solution) throw new Error(`the attacker's integer programme ended with status ${status}`);
      // Every solution is a feasible point: a target seen at two values is not determined.
      for (const target of input.targets) seen.get(target)!.add(Math.round(solution[at(target)]!));
      // The dual bound, rounded inward: never narrower than the truth allows.
      return sense === 'maximize' ? Math.floor(bound + 1e-6) : Math.ceil(bound - 1e-6);
    };
    const seen = new Map(input.targets.map((target) => [target, new Set<number>()]));
    const shown = (target: string) => seen.get(target)!.size > 1;
    const exact = new Set(input.exact ?? []);
    // Witnesses first: push all open targets up together, then down, while that shows some of them
    // at a second value (a cheap way to clear most targets; only those left are solved one by one).
    for (const sense of ['maximize', 'minimize', 'maximize', 'minimize'] as const) {
      const open = input.targets.filter((target) => !shown(target) && !exact.has(target) && lower[at(target)] !== upper[at(target)]);
      if (open.length === 0) break;
      objective(open.map(at), sense);
    }
    const ranges = new Map<string, [number, number]>();
    const solved = new Set<string>();
    let solves = 0;
    for (const target of input.targets) {
      const index = at(target);
      const wanted = exact.has(target);
      if (lower[index] === upper[index]) {
        ranges.set(target, [lower[index]!, upper[index]!]);
        solved.add(target);
        continue;
      }
      if (shown(target) && !wanted) continue;
      const high = objective([index], 'maximize');
      solves += 1;
      if (shown(target) && !wanted) continue;
      const low = objective([index], 'minimize');
      solves += 1;
      ranges.set(target, [low, high]);
      solved.add(target);
    }
    // The others: the values shown feasible (an inner range: the true one is at least as wide).
    for (const target of input.targets) {
      const values = [...seen.get(target)!];
      if (!ranges.has(target)) ranges.set(target, [Math.min(...values), Math.max(...values)]);
    }
    return { ranges, solved, solves, variables: numCols, constraints: rows.length };
  } finally {
    model.dispose();
  }
}
