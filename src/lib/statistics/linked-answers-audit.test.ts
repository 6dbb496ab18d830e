import { describe, expect, it } from 'vitest';
import { type CountCell, cellId, feasibleRange, solveLinkedAnswers, withholdDetermined } from './linked-answers-audit';
import { readPerturbationTable } from './perturbation-table-file';

const table = readPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
const cell = (what: string, grouping: string | null = 'gender', group: string | null = 'other'): CountCell => ({
  id: cellId('national', what, grouping, group),
  scope: 'national',
  what,
  grouping,
  group,
});
const T = cell('T');
const Y = cell('Y');

/** The attack on T and Y published as given; each test reads it with its own knowledge. */
const twoCounts = (t: number | null, y: number) => ({
  cells: [
    { cell: T, published: t },
    { cell: Y, published: y },
  ],
  table,
  programmesOf: new Map(),
  targets: [T.id, Y.id],
});
/** The truth behind them, as the auditor knows it. */
const bothThree = () =>
  new Map([
    [T.id, 3],
    [Y.id, 3],
  ]);

describe('the linked-answers audit', () => {
  it('reads the true counts a published value can come from off the table', () => {
    // 0 stands for 0 … D; 6 for a 3 perturbed by +3 up to a 9 perturbed by −3.
    expect(feasibleRange(table, 0)).toEqual([0, 3]);
    expect(feasibleRange(table, 6)).toEqual([3, 9]);
  });

  it('determines the trajectories and youths of 3 people published at −D and +D (youths ≤ trajectories)', async () => {
    const input = twoCounts(0, 6);
    const result = await solveLinkedAnswers(input);
    expect(result.determined).toEqual([
      { id: T.id, value: 3 },
      { id: Y.id, value: 3 },
    ]);
    // The auditor, who knows the truth, finds the same.
    const audited = await solveLinkedAnswers({ ...input, truth: bothThree() });
    expect(audited.determined.map((entry) => entry.id)).toEqual([T.id, Y.id]);
  });

  it('determines nothing where one of the two is not at the edge of its range', async () => {
    const result = await solveLinkedAnswers(twoCounts(5, 6));
    expect(result.determined).toEqual([]);
    expect(result.ranges.get(T.id)).toEqual([3, 8]);
    const audited = await solveLinkedAnswers({ ...twoCounts(5, 6), truth: bothThree() });
    expect(audited.determined).toEqual([]);
    // A point of the programme at least 1 above the truth shows it, without solving for the bounds.
    expect(audited.ranges.get(T.id)?.[0]).toBeNaN();
  });

  it('bounds a withheld count by what withheld tells (at least 1, never 0), and leaves the count it pinned open', async () => {
    const result = await solveLinkedAnswers(twoCounts(null, 6));
    expect(result.determined).toEqual([]);
    expect(result.ranges.get(T.id)).toEqual([3, Number.POSITIVE_INFINITY]);
  });

  it('adds what the attacker knows at record level, and the structure: ended + active = started', async () => {
    const E = cell('E');
    const A = cell('A');
    const cells = [
      { cell: T, published: 5 },
      { cell: E, published: 4 },
      { cell: A, published: 0 },
    ];
    const alone = await solveLinkedAnswers({ cells, table, programmesOf: new Map(), targets: [A.id] });
    expect(alone.determined).toEqual([]);
    // Knowing 3 active trajectories of their own (A ≤ 3 by its 0), the attacker has A = 3.
    const knowing = await solveLinkedAnswers({ cells, table, programmesOf: new Map(), targets: [A.id], known: new Map([[A.id, 3]]) });
    expect(knowing.determined).toEqual([{ id: A.id, value: 3 }]);
  });

  it("takes a domain's shares as its status counts, which add up to its known count", async () => {
    // 3 trajectories, all 'mixed' in one domain: known published 0 (so at most 3), mixed 6 (at least 3).
    const K = cell('K:participation');
    const status = (name: string) => cell(`S:participation:${name}`);
    const line = [
      { cell: T, published: 41 },
      { cell: K, published: 0 },
      ...['improved', 'unchanged', 'deteriorated'].map((name) => ({ cell: status(name), published: 0 })),
      { cell: status('mixed'), published: 6 },
    ];
    const solved = await solveLinkedAnswers({ cells: line, table, programmesOf: new Map(), targets: [K.id, status('mixed').id] });
    expect(solved.determined).toEqual([
      { id: K.id, value: 3 },
      { id: status('mixed').id, value: 3 },
    ]);
    // Without the shares, the known count alone stays open: they are what pinned it.
    const alone = await solveLinkedAnswers({ cells: line.slice(0, 2), table, programmesOf: new Map(), targets: [K.id] });
    expect(alone.determined).toEqual([]);
    // The audit withholds one of the two, and then neither is determined.
    const fingerprints = new Map(line.map((entry, index) => [entry.cell.id, `trajectory:${index}:${entry.cell === T ? 40 : 3}`]));
    const counts = line.map((entry) => ({
      ...entry,
      fingerprint: fingerprints.get(entry.cell.id)!,
      count: entry.cell === T ? 40 : entry.cell === K || entry.cell.id === status('mixed').id ? 3 : 0,
    }));
    const audited = await withholdDetermined({ counts, attackers: [undefined], table, programmesOf: new Map(), withheld: new Set() });
    expect(audited.withheld.size).toBe(1);
    expect([fingerprints.get(K.id), fingerprints.get(status('mixed').id)]).toContain([...audited.withheld][0]);
  });

  describe('with secondary protection', () => {
    const counts = (tPublished: number) => [
      { cell: T, fingerprint: 'trajectory:17:3', count: 3, published: tPublished },
      { cell: Y, fingerprint: 'youth:23:3', count: 3, published: 6 },
      // Too large to be sought.
      { cell: cell('E', 'age_group', '16-17'), fingerprint: 'trajectory:99:40', count: 40, published: 41 },
    ];
    const audit = (tPublished: number, withheld: string[] = [], attackers: Array<Map<string, number> | undefined> = [undefined]) =>
      withholdDetermined({ counts: counts(tPublished), attackers, table, programmesOf: new Map(), withheld: new Set(withheld) });

    it('withholds the counts the answers determine, by fingerprint, until none is', async () => {
      const result = await audit(0);
      expect(result.targets).toBe(2);
      // The two pin each other: one of the line is withheld at a time, and one is enough.
      expect(result.withheld.size).toBe(1);
      expect(['trajectory:17:3', 'youth:23:3']).toContain([...result.withheld][0]);
      // With them unknown, the same attack determines nothing.
      const after = await solveLinkedAnswers({
        cells: counts(0).map((entry) => ({ cell: entry.cell, published: result.withheld.has(entry.fingerprint) ? null : entry.published })),
        table,
        programmesOf: new Map(),
        targets: [T.id, Y.id],
      });
      expect(after.determined).toEqual([]);
    });

    it('withholds nothing new where nothing is determined, and keeps what was withheld before', async () => {
      expect([...(await audit(5)).withheld]).toEqual([]);
      expect([...(await audit(5, ['trajectory:1:1'])).withheld]).toEqual(['trajectory:1:1']);
    });

    it('attacks with what each attacker knows: 3 known youths leave nothing to seek', async () => {
      const knowsAll = new Map([
        [T.id, 3],
        [Y.id, 3],
      ]);
      expect((await audit(0, [], [knowsAll])).targets).toBe(0);
    });
  });
});
