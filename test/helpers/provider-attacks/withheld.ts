import { randomBytes, randomInt } from 'node:crypto';
import { getTableColumns } from 'drizzle-orm';
import type { Database } from '../../../src/db/client';
import { statisticsTrajectories } from '../../../src/db/schema';
import { type AuditedCount, feasibleRange, whatOf, withholdDetermined } from '../../../src/lib/statistics/linked-answers-audit';
import { type PerturbationTable, rowFor } from '../../../src/lib/statistics/perturbation-table';
import { createCatalogueRepository } from '../../../src/modules/catalogue';
import { computeRelease } from '../../../src/modules/statistics/statistics-release-answers';
import { releaseCatalogueOf } from '../../../src/modules/statistics/statistics-releases';
import type { ReleasedRow } from '../../../src/modules/statistics/statistics-releases.repository';
import { cellId, type CountCell, trueCount } from '../statistics-attacks/cells';
import { loadTruth, type TruthTrajectory } from '../statistics-truth';

// Attack 5: does a withheld count say more than "1 to 9"? The release audit withholds a count of
// 1–9 that the published answers together would determine; a reader sees only that it is
// withheld. If the counts the audit withholds are mostly of one value, the flag itself tells it.
// Two measurements, both of the true values behind the flag, by this code's own counting:
// (1) exactly, over every perturbation of the simplest structure the audit guards (a group's
//     trajectories T and youths Y, Y ≤ T, each youth one trajectory: T = Y = n), with the
//     audit's own withholding loop deciding what is withheld;
// (2) over draws of the record keys of a whole world, every answer computed and audited as a
//     release does it (computeRelease), comparing the true values of the withheld counts with
//     those of every count of 1–9.

export interface Distribution {
  /** Per true value 1 … 9: its probability (or share). */
  shares: number[];
  /** The likeliest value and its probability: a reader's best guess for a count so flagged. */
  best: { value: number; share: number };
}

const distributionOf = (weights: number[]): Distribution => {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const shares = weights.map((weight) => (total > 0 ? weight / total : 0));
  const top = shares.reduce((best, share, index) => (share > shares[best]! ? index : best), 0);
  return { shares, best: { value: top + 1, share: shares[top]! } };
};

export interface PairSignal {
  /** Per true count n = 1 … 9: the probability that the audit withholds the group's counts. */
  withheldGiven: number[];
  /** The true count given a withheld pair, for a count equally likely 1 … 9 beforehand. */
  posterior: Distribution;
}

/**
 * Whether a published pair pins T or Y, by this code's own reasoning: T ∈ F(p_T), Y ∈ F(p_Y)
 * (F: the true counts the table can publish so) and Y ≤ T leave one value for either.
 */
function pinsPair(table: PerturbationTable, publishedT: number, publishedY: number): boolean {
  const [lowT, highT] = feasibleRange(table, publishedT);
  const [lowY, highY] = feasibleRange(table, publishedY);
  return Math.max(lowT, lowY) === highT || lowY === Math.min(highY, highT);
}

/**
 * (1): every pair of perturbations of T and Y (independent cell keys) for n = 1 … 9, weighed by
 * the table. Whether a pair is withheld depends on the published pair only. The audit's own loop
 * decides it for every pair (`audit: 'all'`), or for every pair this code's reasoning finds
 * pinned and every `sample`-th other one (`audit: 'sample'`, for the bounded test), and the two
 * must agree wherever both ran.
 */
export async function pairSignal(
  table: PerturbationTable,
  options: { audit: 'all' | 'sample'; sample?: number } = { audit: 'all' },
): Promise<PairSignal & { audited: number }> {
  const withheldGiven: number[] = [];
  const cell = (what: 'T' | 'Y'): CountCell => ({
    id: cellId('national', what, 'gender', 'other'),
    scope: 'national',
    what,
    grouping: 'gender',
    group: 'other',
  });
  const decided = new Map<string, boolean>();
  let audited = 0;
  const withholds = async (n: number, publishedT: number, publishedY: number) => {
    const key = `${publishedT}|${publishedY}`;
    if (!decided.has(key)) {
      const own = pinsPair(table, publishedT, publishedY);
      const runAudit = options.audit === 'all' || own || decided.size % (options.sample ?? 8) === 0;
      if (runAudit) {
        const counts: AuditedCount[] = [
          { cell: cell('T'), fingerprint: 'T', count: n, published: publishedT },
          { cell: cell('Y'), fingerprint: 'Y', count: n, published: publishedY },
        ];
        const { withheld } = await withholdDetermined({
          counts,
          attackers: [undefined],
          table,
          programmesOf: new Map(),
          withheld: new Set(),
        });
        audited += 1;
        if (withheld.size > 0 !== own) throw new Error(`the audit and this code disagree on the published pair ${key}`);
      }
      decided.set(key, own);
    }
    return decided.get(key)!;
  };
  for (let n = 1; n <= 9; n += 1) {
    const row = rowFor(table, n);
    let probability = 0;
    for (const [i, perturbationT] of row.perturbations.entries()) {
      for (const [j, perturbationY] of row.perturbations.entries()) {
        if (await withholds(n, n + perturbationT, n + perturbationY)) probability += row.probabilities[i]! * row.probabilities[j]!;
      }
    }
    withheldGiven.push(probability);
  }
  return { withheldGiven, posterior: distributionOf(withheldGiven), audited };
}

export interface DrawsSignal {
  draws: number;
  /** Draws in which the audit withheld a count. */
  drawsWithheld: number;
  /** Withheld counts (distinct cells) over all draws, and the distribution of their true values. */
  withheld: number;
  withheldValues: Distribution;
  /** Every count of 1–9 published or withheld over all draws (the reader's prior for "a count of 1–9"). */
  small: number;
  smallValues: Distribution;
  /** Per withheld count: its cell and true value. */
  examples: Array<{ cell: string; truth: number }>;
  /** Draws whose audit gave up (the release would fail, and fail again while the population stays): the audit's message. */
  failed: string[];
  secondsPerDraw: number;
}

async function releaseInputs(database: Database) {
  // The released rows in the table's shape (column names to the Drizzle keys).
  const keys = Object.entries(getTableColumns(statisticsTrajectories)).map(([key, column]) => `'${key}', r.${column.name}`);
  const { rows: released } = await database.query<{ row: ReleasedRow }>(
    `select jsonb_build_object(${keys.join(', ')}) as row from statistics_trajectories r`,
  );
  const rows = released.map((entry) => entry.row);
  const releaseCatalogue = await releaseCatalogueOf(createCatalogueRepository(database.orm));
  return { rows, catalogue: releaseCatalogue };
}

/**
 * (2): the released population of a world, its record keys and cell-key secret drawn afresh
 * `draws` times, each release computed and audited in full; the true values behind every
 * withheld count (funders' answers), beside those of every count of 1–9.
 */
export async function withheldOverDraws(
  database: Database,
  options: {
    draws: number;
    table: PerturbationTable;
    noiseShare: number;
    minimumBase: number;
    researchCutoff: string;
    log?: (line: string) => void;
  },
): Promise<DrawsSignal> {
  const started = performance.now();
  const { rows, catalogue } = await releaseInputs(database);
  const truth: TruthTrajectory[] = await loadTruth(database);
  const withheldWeights = new Array<number>(9).fill(0);
  const smallWeights = new Array<number>(9).fill(0);
  const examples: DrawsSignal['examples'] = [];
  let drawsWithheld = 0;
  let small = 0;
  const failed: string[] = [];
  for (let draw = 0; draw < options.draws; draw += 1) {
    const youthKeys = new Map<string, number>();
    const drawn = rows.map((row) => {
      if (!youthKeys.has(row.youth)) youthKeys.set(row.youth, randomInt(2 ** 31));
      return { ...row, recordKey: randomInt(2 ** 31), youthKey: youthKeys.get(row.youth)! };
    });
    let computed: Awaited<ReturnType<typeof computeRelease>>;
    try {
      computed = await computeRelease({
        rows: drawn,
        // What researchers see: consented, ended before the cut-off (the records as released here).
        researchRows: drawn.filter(
          (row) => row.researchConsent === 'granted' && row.endDate !== null && row.endDate < options.researchCutoff,
        ),
        catalogue,
        settings: { table: options.table, noiseShare: options.noiseShare, minimumBase: options.minimumBase, keySecret: randomBytes(32) },
        audit: true,
        withheld: [],
      });
    } catch (error) {
      failed.push(error instanceof Error ? error.message : String(error));
      options.log?.(`draw ${draw + 1}: the audit failed: ${failed[failed.length - 1]}`);
      continue;
    }
    const seen = new Map<string, { cell: CountCell; withheld: boolean }>();
    for (const stored of computed.answers) {
      if (stored.audience !== 'all') continue;
      const grouping = stored.measure === 'recognition' ? 'recognition' : stored.grouping === 'none' ? null : stored.grouping;
      const lines: Array<[string | null, Record<string, { value: number | null; suppressed: boolean }>]> = [
        ...stored.answer.groups.map((group): [string, Record<string, { value: number | null; suppressed: boolean }>] => [
          group.group,
          group.values,
        ]),
        [null, stored.answer.total],
      ];
      for (const [group, values] of lines) {
        for (const [name, value] of Object.entries(values)) {
          const what = whatOf(stored.measure, name);
          if (what === null) continue;
          const lineGrouping = group === null ? null : grouping;
          const id = cellId('national', what, lineGrouping, group);
          const entry = seen.get(id) ?? {
            cell: { id, scope: 'national', what, grouping: lineGrouping as CountCell['grouping'], group },
            withheld: false,
          };
          entry.withheld ||= value.suppressed && value.value === null;
          seen.set(id, entry);
        }
      }
    }
    let withheldHere = 0;
    for (const { cell, withheld } of seen.values()) {
      const value = trueCount(cell, truth);
      if (value < 1 || value > 9) continue;
      small += 1;
      smallWeights[value - 1]! += 1;
      if (withheld) {
        withheldHere += 1;
        withheldWeights[value - 1]! += 1;
        examples.push({ cell: cell.id, truth: value });
      }
    }
    if (withheldHere > 0) drawsWithheld += 1;
    options.log?.(`draw ${draw + 1}: ${withheldHere} withheld (${computed.audit?.seconds.toFixed(1)} s audit)`);
  }
  return {
    draws: options.draws,
    drawsWithheld,
    withheld: examples.length,
    withheldValues: distributionOf(withheldWeights),
    small,
    smallValues: distributionOf(smallWeights),
    examples,
    failed,
    secondsPerDraw: (performance.now() - started) / 1000 / Math.max(1, options.draws),
  };
}
