import { createRandom, type Random } from '../../../src/lib/random';
import { type PerturbationTable, rowFor } from '../../../src/lib/statistics/perturbation-table';
import type { Gender } from '../../../src/lib/vocabulary';
import { allRequests, type AnswerSet } from '../statistics-attacks/answers';
import { type CountCell, publishedCounts, trueCount } from '../statistics-attacks/cells';
import { loadTruth } from '../statistics-truth';
import { Arrivals } from './arrivals';
import { membershipReleased, ownRows, programmesOf, reader, startDateOf } from './common';
import { eraseFillers, type FillerPlan, fillersOf, pushFillers } from './fillers';
import { attempt, controlCheck, controlReleases, type ProviderWorld, publishedMarker } from './world';

// Attack 4: averaging with invented youths. Each release perturbs a count afresh when its
// contributors change (the cell key is a function of their record keys), so an institution that
// puts k of its own invented youths into a count whose other contributors stay the same, and
// moves a different k in before each release, reads c + k + a fresh perturbation each time, knows
// k, and narrows c down. The perturbation table is public: a published value p is possible from
// c + k only if p − (c + k) is in that row's support, so the attacker intersects the feasible
// counts over releases (certainty: one value left), or weighs them by the table's probabilities
// (likelihood: a best guess that is right with some probability).
//
// Two parts. (1) How many releases it takes, from the public table alone (a Monte Carlo of the
// attacker's own intersection; the in-service runs check that the service draws fresh and within
// the table). (2) How many releases an institution gets: in the service, the calendar (one attempt
// per period, whatever the institution pushes) and the change rule; in the control, one per push.

/** The probability that a true count n is published as n + v. */
export function perturbationProbability(table: PerturbationTable, count: number, perturbation: number): number {
  if (count === 0) return perturbation === 0 ? 1 : 0;
  const row = rowFor(table, count);
  const index = row.perturbations.indexOf(perturbation);
  return index < 0 ? 0 : row.probabilities[index]!;
}

export interface Observation {
  /** The published count. */
  published: number;
  /** The attacker's own contributors to it (it knows them exactly). */
  own: number;
}

/** Counts of others (0 … upTo) consistent with every observation: p − (c + own) in the support of row c + own. */
export function feasibleOthers(table: PerturbationTable, observations: Observation[], upTo = 60): number[] {
  const feasible: number[] = [];
  for (let others = 0; others <= upTo; others += 1) {
    if (observations.every(({ published, own }) => perturbationProbability(table, others + own, published - others - own) > 0))
      feasible.push(others);
  }
  return feasible;
}

/** The likeliest count of others in 1 … 9 (uniform prior over them), by the table's probabilities. */
export function likeliestOthers(table: PerturbationTable, observations: Observation[]): number {
  let best = 1;
  let bestLog = Number.NEGATIVE_INFINITY;
  for (let others = 1; others <= 9; others += 1) {
    let log = 0;
    for (const { published, own } of observations)
      log += Math.log(perturbationProbability(table, others + own, published - others - own) || 1e-300);
    if (log > bestLog) {
      bestLog = log;
      best = others;
    }
  }
  return best;
}

function drawPerturbation(table: PerturbationTable, count: number, random: Random): number {
  if (count === 0) return 0;
  const row = rowFor(table, count);
  let roll = random.next();
  for (let index = 0; index < row.perturbations.length; index += 1) {
    roll -= row.probabilities[index]!;
    if (roll < 0) return row.perturbations[index]!;
  }
  return row.perturbations[row.perturbations.length - 1]!;
}

/** The attacker's own count in the target before each release: a cycle through small rows, or a fixed large one. */
export const STRATEGIES = {
  'cycle 1–6': (release: number) => 1 + (release % 6),
  'fixed 12': () => 12,
} as const;
export type Strategy = keyof typeof STRATEGIES;

export interface AveragingCurve {
  strategy: Strategy;
  runs: number;
  /** Per number of releases n (index n): the share of runs whose feasible set is the one true count. */
  exact: number[];
  /** Per n: the share of runs whose likeliest count is the true one. */
  likeliest: number[];
  /** The fewest releases with even odds (≥ 0.5), or null beyond the horizon. */
  evenOdds: { exact: number | null; likeliest: number | null };
}

/** The Monte Carlo from the public table: a true count of others 1 … 9 (in turn), fresh perturbations per release. */
export function averagingCurve(
  table: PerturbationTable,
  options: { strategy: Strategy; runs: number; releases: number; seed: number },
): AveragingCurve {
  const random = createRandom(options.seed);
  const exact = new Array<number>(options.releases + 1).fill(0);
  const likeliest = new Array<number>(options.releases + 1).fill(0);
  const own = STRATEGIES[options.strategy];
  const horizon = 40;
  for (let run = 0; run < options.runs; run += 1) {
    const others = 1 + (run % 9);
    // Kept as the releases come: the feasible counts of others, and each candidate's log-likelihood.
    let feasible = Array.from({ length: horizon + 1 }, (_, index) => index);
    const logLikelihood = new Array<number>(10).fill(0);
    for (let release = 1; release <= options.releases; release += 1) {
      const k = own(release);
      const published = others + k + drawPerturbation(table, others + k, random);
      feasible = feasible.filter((candidate) => perturbationProbability(table, candidate + k, published - candidate - k) > 0);
      for (let candidate = 1; candidate <= 9; candidate += 1)
        logLikelihood[candidate]! += Math.log(perturbationProbability(table, candidate + k, published - candidate - k) || 1e-300);
      if (feasible.length === 1) exact[release]! += 1;
      let best = 1;
      for (let candidate = 2; candidate <= 9; candidate += 1) if (logLikelihood[candidate]! > logLikelihood[best]!) best = candidate;
      if (best === others) likeliest[release]! += 1;
    }
  }
  const share = (values: number[]) => values.map((value) => value / options.runs);
  const first = (values: number[]) => {
    const index = values.findIndex((value, release) => release > 0 && value >= 0.5);
    return index < 0 ? null : index;
  };
  const exactShares = share(exact);
  const likeliestShares = share(likeliest);
  return {
    strategy: options.strategy,
    runs: options.runs,
    exact: exactShares,
    likeliest: likeliestShares,
    evenOdds: { exact: first(exactShares), likeliest: first(likeliestShares) },
  };
}

export interface AveragingRunOptions {
  world: ProviderWorld;
  attacker: string;
  mode: 'service' | 'control';
  /** Service: calendar quarters simulated; control: releases in a row. */
  periods: number;
  /** Service: release checks per quarter (the server checks hourly; only the period's first attempt counts). */
  checksPerPeriod?: number;
  /** Service: other youths arriving per quarter. */
  naturalRate: number;
  /** Invented youths the attacker keeps, all changed before every check (so that they count for the rule). */
  fillers: number;
  /** The gender whose counts are attacked, and the one the other fillers wait in. */
  targetGender: Gender;
  parkGender: Gender;
  strategy: Strategy;
  /**
   * How the attacker moves its youths in and out of the target: by correcting their gender (no
   * erasure), or by erasing those in the target and pushing new ones (young erasures: churn).
   */
  moves?: 'correct' | 'erase';
  /** The first simulated quarter (service mode). */
  firstQuarter: { year: number; quarter: 1 | 2 | 3 | 4 };
  table: PerturbationTable;
  seed: number;
  asOf: string;
  label: string;
  log?: (line: string) => void;
}

export interface TargetTrack {
  cell: CountCell;
  /** Others' true count at the start (the harness's knowledge, for scoring only). */
  others: number;
  observations: Observation[];
  /** Releases (observations) after which one feasible count was left, or null. */
  pinnedAfter: number | null;
  /** Whether that count was the true one. */
  pinnedRight: boolean | null;
  /** Whether the likeliest count after all observations is the true one. */
  likeliestRight: boolean;
  /** Published minus true (c + own) per observation: within ±D, and varying, if the service draws afresh. */
  residuals: number[];
}

export interface AveragingRunResult {
  periods: number;
  checks: number;
  /** Releases that refreshed the membership (each a fresh observation of every target). */
  releases: number;
  /** Attempts that the calendar refused (already attempted this period), that the change rule held back, that churn postponed. */
  refusedByCalendar: number;
  waited: number;
  postponed: number;
  /** Attempts that failed (the release audit gave up). */
  failed: number;
  targets: TargetTrack[];
  /** Wall-clock seconds per release cycle (push, release, read). */
  secondsPerRelease: number;
  seconds: number;
}

const quarterStart = (year: number, quarter: number) => new Date(Date.UTC(year, (quarter - 1) * 3, 1, 9));

export async function averagingInService(options: AveragingRunOptions): Promise<AveragingRunResult> {
  const started = performance.now();
  const { world, attacker, table } = options;
  const send = await world.sender('institution', attacker);
  const collect = reader(send, 'institution', allRequests({ measures: ['overview', 'outcomes'], groupings: ['gender'] }));
  const arrivals = new Arrivals(world.database, world.registryKey, { seed: options.seed, asOf: options.asOf, label: options.label });
  const control = controlReleases(world, { audit: false });
  const plan: FillerPlan = {
    label: options.label,
    count: options.fillers,
    programmeCode: programmesOf(attacker)[0]!,
    gender: options.parkGender,
    birthYear: 2010,
  };
  const fillers = fillersOf(plan);
  const own = STRATEGIES[options.strategy];
  let step = 0;
  let inTarget: typeof fillers = [];
  let fresh = fillers.length;
  /** Every filler changed (a new start date); k of them, a different k each time, in the target gender. */
  const moveFillers = async () => {
    step += 1;
    const k = own(step);
    if (options.moves === 'erase') {
      // Those in the target are erased and k new ones pushed there.
      await eraseFillers(send, inTarget);
      inTarget = fillersOf(plan, fresh).slice(0, k);
      fresh += k;
      await pushFillers(send, { ...plan, gender: options.targetGender }, inTarget, startDateOf(step));
      await pushFillers(send, plan, fillers, startDateOf(step));
      return;
    }
    const offset = (step * 7) % fillers.length;
    const chosen = new Set(Array.from({ length: k }, (_, index) => (offset + index) % fillers.length));
    inTarget = fillers.filter((_, index) => chosen.has(index));
    const parked = fillers.filter((_, index) => !chosen.has(index));
    await pushFillers(send, { ...plan, gender: options.targetGender }, inTarget, startDateOf(step));
    await pushFillers(send, plan, parked, startDateOf(step));
  };

  /** The trajectories of the target gender (every target count is among them). */
  const targetRows = async () => {
    const { rows } = await world.database.query<{ id: string }>(
      'select t.id from trajectories t join subjects s on s.id = t.subject_id where s.gender = $1',
      [options.targetGender],
    );
    return loadTruth(
      world.database,
      rows.map((row) => row.id),
    );
  };
  // The attacker's fillers exist and everything is published before the attack.
  await pushFillers(send, plan, fillers, startDateOf(0));
  await controlCheck(world, control);

  // Targets: counts of the target gender that the fillers enter (trajectories, youths, active,
  // outcome class "insufficient data": they have no end and no measurements) and whose other
  // contributors number 1 … 9.
  const first = await collect();
  const truth = await targetRows();
  const ownNow = await ownRows(world.database, attacker);
  const tracks = new Map<string, TargetTrack>();
  for (const [id, entry] of publishedCounts(first, (part) => part)) {
    if (entry.cell.scope !== 'national' || entry.cell.grouping !== 'gender' || entry.cell.group !== options.targetGender) continue;
    if (!['T', 'Y', 'A', 'O:insufficient_data'].includes(entry.cell.what)) continue;
    const others = trueCount(entry.cell, truth) - trueCount(entry.cell, ownNow);
    if (others < 1 || others > 9) continue;
    tracks.set(id, {
      cell: entry.cell,
      others,
      observations: [],
      pinnedAfter: null,
      pinnedRight: null,
      likeliestRight: false,
      residuals: [],
    });
  }

  const result: AveragingRunResult = {
    periods: options.periods,
    checks: 0,
    releases: 0,
    refusedByCalendar: 0,
    waited: 0,
    postponed: 0,
    failed: 0,
    targets: [],
    secondsPerRelease: 0,
    seconds: 0,
  };
  let releaseSeconds = 0;
  const observe = async (answers: AnswerSet) => {
    const rows = await targetRows();
    const mine = await ownRows(world.database, attacker);
    for (const [id, entry] of publishedCounts(answers, (part) => part)) {
      const track = tracks.get(id);
      if (!track || entry.values.size !== 1) continue; // withheld at this release: no observation
      const published = [...entry.values][0]!;
      const ownCount = trueCount(entry.cell, mine);
      track.observations.push({ published, own: ownCount });
      track.residuals.push(published - trueCount(entry.cell, rows));
      // Others' count moved (a youth of another institution entered): the attacker starts again from here.
      let feasible = feasibleOthers(table, track.observations);
      if (feasible.length === 0) {
        track.observations = [track.observations[track.observations.length - 1]!];
        feasible = feasibleOthers(table, track.observations);
      }
      if (feasible.length === 1 && track.pinnedAfter === null) {
        track.pinnedAfter = track.observations.length;
        track.pinnedRight = feasible[0] === trueCount(entry.cell, rows) - ownCount;
      }
    }
  };

  if (options.mode === 'control') {
    for (let release = 1; release <= options.periods; release += 1) {
      const cycle = performance.now();
      await moveFillers();
      const checked = await controlCheck(world, control);
      result.checks += 1;
      result.failed += checked.failed;
      if (checked.published) {
        result.releases += 1;
        await observe(await collect());
      }
      releaseSeconds += (performance.now() - cycle) / 1000;
    }
  } else {
    const checks = options.checksPerPeriod ?? 3;
    for (let period = 0; period < options.periods; period += 1) {
      const quarter = ((options.firstQuarter.quarter - 1 + period) % 4) + 1;
      const year = options.firstQuarter.year + Math.floor((options.firstQuarter.quarter - 1 + period) / 4);
      for (let check = 0; check < checks; check += 1) {
        const cycle = performance.now();
        await arrivals.arrive(arrivals.take(arrivals.count(options.naturalRate / checks)));
        await moveFillers();
        await world.catchUp();
        const marker = await publishedMarker(world.database);
        const counts = { failed: 0 };
        const entry = await attempt(
          () => world.releases.releaseIfDue(new Date(quarterStart(year, quarter).getTime() + check * 20 * 86_400_000)),
          counts,
        );
        result.checks += 1;
        result.failed += counts.failed;
        if (entry === null) result.refusedByCalendar += counts.failed === 0 ? 1 : 0;
        else if (entry.outcome === 'postponed') result.postponed += 1;
        else if (entry.outcome !== 'published') result.waited += 1;
        if ((await publishedMarker(world.database)) !== marker && entry && membershipReleased([entry])) {
          result.releases += 1;
          await observe(await collect());
          releaseSeconds += (performance.now() - cycle) / 1000;
        }
      }
      options.log?.(`quarter ${year}-Q${quarter}: ${result.releases} releases so far`);
    }
  }
  for (const track of tracks.values()) {
    track.likeliestRight = track.observations.length > 0 && likeliestOthers(table, track.observations) === track.others;
  }
  result.targets = [...tracks.values()];
  result.secondsPerRelease = result.releases ? releaseSeconds / result.releases : Number.NaN;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
