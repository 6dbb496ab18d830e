// Statistical disclosure control for count tables: primary suppression of small cells, then
// complementary suppression so that no suppressed cell can be worked out from the published
// cells and totals of the same answer.
//
// A table is a set of values (inner cells, row and column totals, the grand total) tied by
// equations (a total equals the sum of its line). A suppressed value is disclosed when the
// equations determine it, i.e. when its unit vector lies in the row space of the equations
// restricted to the suppressed values. We suppress further values until none is determined,
// and until no line's suppressed cells add up to less than the minimum (which would pin each
// of them to a small range).

export interface CountTable {
  /** True counts, rows × columns. */
  cells: number[][];
  /** True row totals (one per row), published beside the table. */
  rowTotals: number[];
  /** True column totals, when the answer publishes them. */
  columnTotals?: number[];
  grandTotal?: number;
}

export interface SuppressedTable {
  cells: Array<Array<number | null>>;
  rowTotals: Array<number | null>;
  columnTotals?: Array<number | null>;
  grandTotal?: number | null;
}

interface Variable {
  value: number;
  suppressed: boolean;
  /** Inner cells are suppressed before totals when a complement is needed. */
  isTotal: boolean;
}

/** An equation: the anchor equals the sum of the members (indexes into the variables). */
interface Equation {
  anchor: number;
  members: number[];
}

const EPSILON = 1e-9;

function rank(matrix: number[][]): number {
  const rows = matrix.map((row) => [...row]);
  let r = 0;
  const columns = rows[0]?.length ?? 0;
  for (let column = 0; column < columns && r < rows.length; column += 1) {
    let pivot = r;
    for (let i = r + 1; i < rows.length; i += 1) if (Math.abs(rows[i]![column]!) > Math.abs(rows[pivot]![column]!)) pivot = i;
    if (Math.abs(rows[pivot]![column]!) < EPSILON) continue;
    [rows[r], rows[pivot]] = [rows[pivot]!, rows[r]!];
    for (let i = 0; i < rows.length; i += 1) {
      if (i === r) continue;
      const factor = rows[i]![column]! / rows[r]![column]!;
      if (factor !== 0) for (let j = column; j < columns; j += 1) rows[i]![j]! -= factor * rows[r]![j]!;
    }
    r += 1;
  }
  return r;
}

/** Suppressed variables that the equations determine. */
export function determinedVariables(variables: readonly Pick<Variable, 'suppressed'>[], equations: readonly Equation[]): number[] {
  const unknown = variables.map((variable, index) => (variable.suppressed ? index : -1)).filter((index) => index >= 0);
  if (unknown.length === 0) return [];
  const column = new Map(unknown.map((index, position) => [index, position]));
  const matrix = equations
    .map((equation) => {
      const row = new Array<number>(unknown.length).fill(0);
      const shift = (index: number, by: number) => {
        const position = column.get(index);
        if (position !== undefined) row[position] = row[position]! + by;
      };
      shift(equation.anchor, 1);
      for (const member of equation.members) shift(member, -1);
      return row;
    })
    .filter((row) => row.some((value) => value !== 0));
  const base = rank(matrix);
  return unknown.filter((index) => {
    const unit = new Array<number>(unknown.length).fill(0);
    unit[column.get(index)!] = 1;
    return rank([...matrix, unit]) === base;
  });
}

/** The smallest published, non-zero value among `candidates`, inner cells first. */
function nextToSuppress(variables: Variable[], candidates: number[]): number | undefined {
  const open = candidates.filter((index) => !variables[index]!.suppressed && variables[index]!.value > 0);
  open.sort((a, b) => Number(variables[a]!.isTotal) - Number(variables[b]!.isTotal) || variables[a]!.value - variables[b]!.value || a - b);
  return open[0];
}

/**
 * Protects a system of counts tied by equations (a total equals the sum of its members).
 * Returns, per value, whether it is suppressed. Values in `forced` are suppressed from the start;
 * values in `hidden` are never published (they are returned as suppressed).
 */
export function protectCounts(
  values: readonly number[],
  equations: readonly Equation[],
  minimum: number,
  isTotal: (index: number) => boolean = () => false,
  forced: Iterable<number> = [],
  hidden: Iterable<number> = [],
): boolean[] {
  const variables: Variable[] = values.map((value, index) => ({ value, suppressed: value > 0 && value < minimum, isTotal: isTotal(index) }));
  for (const index of forced) variables[index]!.suppressed = true;
  // Never published (the complement of a published count, say): always unknown to the reader,
  // and in need of protection only when small.
  const neverPublished = new Set(hidden);
  for (const index of neverPublished) variables[index]!.suppressed = true;
  const mustStayHidden = (index: number) => !neverPublished.has(index) || (values[index]! > 0 && values[index]! < minimum);
  for (let guard = 0; guard < variables.length * 4; guard += 1) {
    // A line whose suppressed cells add up to less than the minimum pins them down.
    const weak = equations.find((equation) => {
      if (variables[equation.anchor]!.suppressed) return false;
      const hidden = equation.members.filter((member) => variables[member]!.suppressed);
      return hidden.length > 0 && hidden.reduce((sum, member) => sum + variables[member]!.value, 0) < minimum;
    });
    const determined = weak ? [] : determinedVariables(variables, equations).filter(mustStayHidden);
    if (!weak && determined.length === 0) break;
    const target = weak ?? equations.find((equation) => [equation.anchor, ...equation.members].includes(determined[0]!))!;
    const next = nextToSuppress(variables, [...target.members, target.anchor]) ?? nextToSuppress(variables, variables.map((_, index) => index));
    if (next === undefined) break;
    variables[next]!.suppressed = true;
  }
  return variables.map((variable) => variable.suppressed);
}

export type { Equation };

export function suppressTable(table: CountTable, minimum: number): SuppressedTable {
  const rows = table.cells.length;
  const columns = table.cells[0]?.length ?? 0;
  const values: number[] = [];
  const totals = new Set<number>();
  const add = (value: number, isTotal: boolean) => {
    if (isTotal) totals.add(values.length);
    return values.push(value) - 1;
  };
  const cell = table.cells.map((row) => row.map((value) => add(value, false)));
  const rowTotal = table.rowTotals.map((value) => add(value, true));
  const columnTotal = table.columnTotals?.map((value) => add(value, true));
  const grand = table.grandTotal === undefined ? undefined : add(table.grandTotal, true);

  const equations: Equation[] = [];
  for (let i = 0; i < rows; i += 1) equations.push({ anchor: rowTotal[i]!, members: cell[i]! });
  if (columnTotal) for (let j = 0; j < columns; j += 1) equations.push({ anchor: columnTotal[j]!, members: cell.map((row) => row[j]!) });
  if (grand !== undefined) {
    equations.push({ anchor: grand, members: rowTotal });
    if (columnTotal) equations.push({ anchor: grand, members: columnTotal });
  }

  const suppressed = protectCounts(values, equations, minimum, (index) => totals.has(index));
  const publish = (index: number) => (suppressed[index] ? null : values[index]!);
  return {
    cells: cell.map((row) => row.map(publish)),
    rowTotals: rowTotal.map(publish),
    ...(columnTotal ? { columnTotals: columnTotal.map(publish) } : {}),
    ...(grand !== undefined ? { grandTotal: publish(grand) } : {}),
  };
}
