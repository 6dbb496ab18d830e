import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CountTable, type SuppressedTable, suppressTable } from './disclosure-control';

// An independent check: enumerate every non-negative integer filling of the suppressed values
// that agrees with everything published, and require at least two possible values for each
// suppressed value. (The implementation reasons with linear algebra; this test only counts.)

function feasibleValues(table: CountTable, published: SuppressedTable): Map<string, Set<number>> {
  // Totals follow from the inner cells, so only the hidden inner cells are enumerated; each is
  // bounded by the smallest published total over it.
  const grand = table.rowTotals.reduce((sum, value) => sum + value, 0);
  const hidden: Array<{ i: number; j: number; bound: number }> = [];
  published.cells.forEach((row, i) =>
    row.forEach((value, j) => {
      if (value !== null) return;
      const bounds = [published.rowTotals[i], published.columnTotals?.[j], published.grandTotal, grand].filter((bound): bound is number => typeof bound === 'number');
      hidden.push({ i, j, bound: Math.min(...bounds) });
    }),
  );
  const seen = new Map<string, Set<number>>();
  const note = (key: string, value: number) => (seen.get(key) ?? seen.set(key, new Set()).get(key)!).add(value);
  const cells = published.cells.map((row) => [...row]) as number[][];
  const search = (index: number) => {
    if (index < hidden.length) {
      for (let value = 0; value <= hidden[index]!.bound; value += 1) {
        cells[hidden[index]!.i]![hidden[index]!.j] = value;
        search(index + 1);
      }
      return;
    }
    const rowTotals = cells.map((row) => row.reduce((sum, value) => sum + value, 0));
    const columnTotals = cells[0]!.map((_, j) => cells.reduce((sum, row) => sum + row[j]!, 0));
    const total = rowTotals.reduce((sum, value) => sum + value, 0);
    if (published.rowTotals.some((value, i) => value !== null && value !== rowTotals[i])) return;
    if (published.columnTotals?.some((value, j) => value !== null && value !== columnTotals[j])) return;
    if (published.grandTotal !== undefined && published.grandTotal !== null && published.grandTotal !== total) return;
    hidden.forEach(({ i, j }) => note(`cell ${i},${j}`, cells[i]![j]!));
    published.rowTotals.forEach((value, i) => value === null && note(`row total ${i}`, rowTotals[i]!));
    published.columnTotals?.forEach((value, j) => value === null && note(`column total ${j}`, columnTotals[j]!));
    if (published.grandTotal === null) note('grand total', total);
  };
  search(0);
  return seen;
}

const withTotals = (cells: number[][], columnTotals = true): CountTable => {
  const rowTotals = cells.map((row) => row.reduce((sum, value) => sum + value, 0));
  const columns = cells[0]!.map((_, j) => cells.reduce((sum, row) => sum + row[j]!, 0));
  return { cells, rowTotals, ...(columnTotals ? { columnTotals: columns, grandTotal: rowTotals.reduce((a, b) => a + b, 0) } : {}) };
};

describe('disclosure control', () => {
  it('suppresses counts below the minimum and never publishes them, nor a fake zero', () => {
    const result = suppressTable(withTotals([[12, 3], [20, 15]]), 10);
    expect(result.cells[0]![1]).toBeNull();
    expect(result.cells.flat().filter((value) => value !== null).every((value) => value === 0 || value! >= 10)).toBe(true);
  });

  it('adds complementary suppressions so the hidden cell cannot be recomputed from its row total', () => {
    const result = suppressTable(withTotals([[12, 3, 30]], false), 10);
    expect(result.cells[0]!.filter((value) => value === null)).toHaveLength(2);
    expect(result.cells[0]).toEqual([null, null, 30]);
  });

  it('leaves a table without small cells alone', () => {
    const table = withTotals([[12, 13], [20, 15]]);
    expect(suppressTable(table, 10)).toEqual({ cells: table.cells, rowTotals: table.rowTotals, columnTotals: table.columnTotals, grandTotal: table.grandTotal });
  });

  it('protects every suppressed value in small random tables (checked by enumeration)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }).chain((rows) => fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 2 }), { minLength: rows, maxLength: rows })),
        fc.boolean(),
        (cells, columnTotals) => {
          const table = withTotals(cells, columnTotals);
          const published = suppressTable(table, 5);
          // Nothing published below the minimum.
          for (const value of [...published.cells.flat(), ...published.rowTotals, ...(published.columnTotals ?? []), published.grandTotal]) {
            if (value !== null && value !== undefined) expect(value === 0 || value >= 5).toBe(true);
          }
          for (const [key, values] of feasibleValues(table, published)) expect(values.size, `${key} in ${JSON.stringify(published)}`).toBeGreaterThanOrEqual(2);
        },
      ),
      { numRuns: 80 },
    );
  });
});
