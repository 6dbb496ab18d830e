import { createHash, randomBytes, randomInt } from 'node:crypto';
import { getTableColumns } from 'drizzle-orm';
import type { Database } from '../../../src/db/client';
import { statisticsTrajectories } from '../../../src/db/schema';
import { type AuditedCount, feasibleRange, whatOf, withholdDetermined } from '../../../src/lib/statistics/linked-answers-audit';
import { RECORD_KEY_RANGE } from '../../../src/lib/statistics/cell-key';
import { createCellKeyMethod, fingerprintOf, type Tally } from '../../../src/lib/statistics/cell-key-method';
import type { PerturbationTable } from '../../../src/lib/statistics/perturbation-table';
import { createRandom } from '../../../src/lib/random';
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
// (1) over draws of the record keys of the simplest structure the audit guards (a group's
//     trajectories T and youths Y, Y ≤ T, each youth one trajectory: T = Y = n), published and
//     marked by the cell-key method (decoys included) and the audit's own withholding loop;
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
  /** Per true count n = 1 … 9: the probability that the group's counts are withheld (either of them). */
  withheldGiven: number[];
  /** The true count given a withheld pair, for a count equally likely 1 … 9 beforehand. */
  posterior: Distribution;
  /** The same per pattern a reader sees: only T withheld, only Y, or both. */
  patterns: Record<'T' | 'Y' | 'TY', { withheldGiven: number[]; posterior: Distribution; events: number }>;
  /** Published pairs run through the audit's loop. */
  audited: number;
}

/**
 * Which of a published pair the audit finds determined, by this code's own reasoning: T ∈ F(p_T),
 * Y ∈ F(p_Y) (F: the true counts the table can publish so) and Y ≤ T leave one value for T when
 * its highest is the largest lowest bound, and one for Y when its lowest is the smaller highest.
 */
function pinnedOf(table: PerturbationTable, publishedT: number, publishedY: number): { T: boolean; Y: boolean } {
  const [lowT, highT] = feasibleRange(table, publishedT);
  const [lowY, highY] = feasibleRange(table, publishedY);
  return { T: Math.max(lowT, lowY) === highT, Y: lowY === Math.min(highY, highT) };
}

type Pattern = '' | 'T' | 'Y' | 'TY';

/**
 * (1): the simplest structure the audit guards, a group's trajectories T and youths Y with one
 * trajectory each (T = Y = n), for n = 1 … 9, over `draws` draws of the contributors' record keys
 * each. Each pair is published and marked as the service does it: counts and decoys by the
 * cell-key method under a statistics secret (decoyShare 0: the control, no decoys), then the
 * audit's own loop on the published values with the decoys withheld. Whether the audit withholds
 * more depends on the published pair and the decoys only; without decoys the loop runs for every
 * pair this code's reasoning finds pinned and every `sample`-th other one (`audit: 'all'`: every
 * pair), and the two must agree wherever both ran.
 */
export async function pairSignal(
  table: PerturbationTable,
  options: { audit: 'all' | 'sample'; sample?: number; draws?: number; decoyShare?: number; seed?: number } = { audit: 'all' },
): Promise<PairSignal> {
  const cell = (what: 'T' | 'Y'): CountCell => ({
    id: cellId('national', what, 'gender', 'other'),
    scope: 'national',
    what,
    grouping: 'gender',
    group: 'other',
  });
  const decided = new Map<string, Pattern>();
  let audited = 0;
  // What the audit withholds, by this code's reasoning: the decoys, and else, of what the pair
  // pins, one (the one its pick ranks first by fingerprint); the other is then open (T withheld
  // leaves Y its own range; Y withheld, T ≥ 1). The audit's own loop runs for every pinned pair
  // without decoys and every `sample`-th other combination, and must agree.
  const patternOf = async (
    n: number,
    trajectories: Tally,
    youths: Tally,
    published: [number, number],
    decoys: Set<'T' | 'Y'>,
  ): Promise<Pattern> => {
    const fingerprints = { T: fingerprintOf(trajectories), Y: fingerprintOf(youths) };
    const pinned = pinnedOf(table, ...published);
    const rank = (fingerprint: string) => createHash('sha256').update(fingerprint).digest('hex');
    const first: 'T' | 'Y' = pinned.T && (!pinned.Y || rank(fingerprints.T) < rank(fingerprints.Y)) ? 'T' : 'Y';
    const own: Pattern =
      decoys.size > 0 ? (`${decoys.has('T') ? 'T' : ''}${decoys.has('Y') ? 'Y' : ''}` as Pattern) : pinned.T || pinned.Y ? first : '';
    const key = `${published.join('|')}|${[...decoys].join('')}|${own}`;
    if (!decided.has(key)) {
      const runAudit = options.audit === 'all' || (decoys.size === 0 && own !== '') || decided.size % (options.sample ?? 8) === 0;
      if (runAudit) {
        const counts: AuditedCount[] = [
          { cell: cell('T'), fingerprint: fingerprints.T, count: n, published: published[0] },
          { cell: cell('Y'), fingerprint: fingerprints.Y, count: n, published: published[1] },
        ];
        const { withheld } = await withholdDetermined({
          counts,
          attackers: [undefined],
          table,
          programmesOf: new Map(),
          withheld: new Set([...decoys].map((what) => fingerprints[what])),
        });
        audited += 1;
        const pattern = `${withheld.has(fingerprints.T) ? 'T' : ''}${withheld.has(fingerprints.Y) ? 'Y' : ''}`;
        if (pattern !== own) throw new Error(`the audit (${pattern || 'nothing'}) and this code (${own || 'nothing'}) disagree on ${key}`);
      }
      decided.set(key, own);
    }
    return decided.get(key)!;
  };
  const random = createRandom(options.seed ?? 5);
  const method = createCellKeyMethod({
    table,
    noiseShare: 0.5,
    minimumBase: 10,
    keySecret: Buffer.from(Array.from({ length: 32 }, () => random.integer(0, 255))),
    ...(options.decoyShare === undefined ? {} : { decoyShare: options.decoyShare }),
  });
  const draws = options.draws ?? 20_000;
  const sumOfKeys = (n: number) => {
    let sum = 0;
    for (let index = 0; index < n; index += 1) sum += random.integer(0, RECORD_KEY_RANGE - 1);
    return sum;
  };
  const seen = { T: [] as number[], Y: [] as number[], TY: [] as number[] };
  const events = { T: 0, Y: 0, TY: 0 };
  const withheldGiven: number[] = [];
  for (let n = 1; n <= 9; n += 1) {
    const tallies = { T: 0, Y: 0, TY: 0 };
    for (let draw = 0; draw < draws; draw += 1) {
      const trajectories: Tally = { count: n, keys: sumOfKeys(n) };
      const youths: Tally = { count: n, keys: sumOfKeys(n), of: 'youths' };
      const decoys = new Set<'T' | 'Y'>([
        ...(method.decoy(trajectories) ? ['T' as const] : []),
        ...(method.decoy(youths) ? ['Y' as const] : []),
      ]);
      const pattern = await patternOf(n, trajectories, youths, [method.count(trajectories), method.count(youths)], decoys);
      if (pattern !== '') tallies[pattern] += 1;
    }
    for (const pattern of ['T', 'Y', 'TY'] as const) {
      seen[pattern].push(tallies[pattern] / draws);
      events[pattern] += tallies[pattern];
    }
    withheldGiven.push((tallies.T + tallies.Y + tallies.TY) / draws);
  }
  const patterns = Object.fromEntries(
    (['T', 'Y', 'TY'] as const).map((pattern) => [
      pattern,
      { withheldGiven: seen[pattern], posterior: distributionOf(seen[pattern]), events: events[pattern] },
    ]),
  ) as PairSignal['patterns'];
  return { withheldGiven, posterior: distributionOf(withheldGiven), patterns, audited };
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
  const releaseCatalogue = await releaseCatalogueOf(createCatalogueRepository(database));
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
    /** The decoys' share (default: the service's; 0: the control). */
    decoyShare?: number;
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
        settings: {
          table: options.table,
          noiseShare: options.noiseShare,
          minimumBase: options.minimumBase,
          keySecret: randomBytes(32),
          ...(options.decoyShare === undefined ? {} : { decoyShare: options.decoyShare }),
        },
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
