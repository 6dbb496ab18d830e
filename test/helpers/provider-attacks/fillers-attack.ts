import type { SyntheticTrajectory } from '../../../src/modules/demo/synthetic-trajectories';
import type { AnswerRequest, AnswerSet } from '../statistics-attacks/answers';
import type { TruthTrajectory } from '../statistics-truth';
import { type ArrivingYouth, Arrivals } from './arrivals';
import { membershipReleased, ownRows, PERSPECTIVE_ITEMS, priors, programmesOf, reader, startDateOf, truthOf } from './common';
import { type CellChange, countChanges, GUESSED, type Guessed, guessesFor, perspectiveEstimates } from './evidence';
import { eraseFillers, type Filler, type FillerPlan, fillersOf, pushFillers } from './fillers';
import { GuessTally } from './tally';
import { type CheckResult, controlCheck, controlReleases, type ProviderWorld, serviceCheck } from './world';

// Attacks 1 and 2: an institution (A) pushes invented youths ("fillers") beside one real new
// youth (T) of another institution, so that together they are enough for a release, reads every
// answer before and after, and guesses T's programme, gender and outcome class and her ten
// youth-perspective answers. Fillers are in counts T cannot be in or seldom is (A's programme,
// the gender "unknown": 2 % of youths, no measurements) and A knows its own records, so it takes its own part out of every
// difference. Attack 2 then erases the fillers (A's own erasures), with T (a registry erasure at
// her objection) on every other round, and compares again.
//
// "service": other institutions' youths keep arriving (a Poisson number per release check, at a
// rate per check) and each check is the operator's release under the change rule (postponed for
// churn: the privacy officer lets it through, the attacker's best case). "control": the change
// rule and churn off, a release right after A's push (and after the erasures): every change at
// once, and nobody else's youths in between.

export interface FillerAttackOptions {
  world: ProviderWorld;
  /** The attacking institution's code. */
  attacker: string;
  mode: 'service' | 'control';
  /** Targets (T): one per round. */
  rounds: number;
  /** Other youths arriving per release check (service mode; the control has none). */
  naturalRate: number;
  /** Fillers per round. */
  fillers: number;
  seed: number;
  asOf: string;
  label: string;
  /** Most checks a round waits for a release (service mode), and that the last targets wait after the rounds. */
  maxChecks?: number;
  /** The answers the attacker reads at each release (default: every measure by every grouping). */
  requests?: AnswerRequest[];
  log?: (line: string) => void;
}

export interface FillerAttackResult {
  /** The targets T. */
  targets: GuessTally;
  /** Every youth of another institution that entered in the same releases as a T (T included). */
  everyone: GuessTally;
  checks: number;
  /** Checks that published a release refreshing the membership. */
  releases: number;
  /** Attempts postponed for churn (then acknowledged). */
  postponed: number;
  /** Attempts that failed (the release audit gave up; retried at the next check). */
  failed: number;
  /** Per membership release read: youths of other institutions that arrived since the previous one (the attacker's own counting). */
  othersPerRelease: number[];
  seconds: number;
}

/** The attacker's guess of every attribute, and of every perspective item, from one difference of answers. */
export function guessAll(
  before: AnswerSet,
  after: AnswerSet,
  own: { before: TruthTrajectory[]; after: TruthTrajectory[] },
  direction: 'arrival' | 'departure',
  context: { prior: Record<Guessed, string>; excludedProgrammes: Set<string> },
) {
  const changes: CellChange[] = countChanges(before, after, own.before, own.after);
  const guesses = Object.fromEntries(
    GUESSED.map((attribute) => [
      attribute,
      guessesFor(
        changes,
        attribute,
        direction,
        context.prior[attribute],
        attribute === 'programme' ? context.excludedProgrammes : undefined,
      ),
    ]),
  ) as Record<Guessed, { shift: string; changed: string }>;
  const perspective =
    direction === 'arrival' ? perspectiveEstimates(before, after, changes, own.before, own.after, PERSPECTIVE_ITEMS) : new Map();
  return { guesses, perspective };
}

export function score(
  tally: GuessTally,
  row: TruthTrajectory,
  guessed: ReturnType<typeof guessAll>,
  options: { perspective: boolean } = { perspective: true },
) {
  for (const attribute of GUESSED) tally.add(attribute, row[attribute], guessed.guesses[attribute]);
  if (!options.perspective) return;
  for (const [item, answer] of Object.entries(row.answers)) {
    const estimate = guessed.perspective.get(item);
    if (!estimate) continue;
    tally.add('perspective', String(answer), { single: estimate.single, batch: estimate.batch }, item);
  }
}

export async function fillersBeforeAfter(options: FillerAttackOptions): Promise<FillerAttackResult> {
  const started = performance.now();
  const { world, attacker, mode } = options;
  const send = await world.sender('institution', attacker);
  const collect = reader(send, 'institution', options.requests);
  const arrivals = new Arrivals(world.database, world.registryKey, { seed: options.seed, asOf: options.asOf, label: options.label });
  const control = controlReleases(world);
  const plan: FillerPlan = {
    label: options.label,
    count: options.fillers,
    programmeCode: programmesOf(attacker)[0]!,
    gender: 'unknown',
    birthYear: 2010,
  };
  const fillers = fillersOf(plan);
  const context = { prior: await priors(world.database), excludedProgrammes: new Set(programmesOf(attacker)) };
  const check = (): Promise<CheckResult> => (mode === 'service' ? serviceCheck(world) : controlCheck(world, control));

  // Everything so far published first, so that the first difference is about this attack only.
  await controlCheck(world, control);
  let before = await collect();
  let ownBefore = await ownRows(world.database, attacker);
  const targets = new GuessTally();
  const everyone = new GuessTally();
  const result: FillerAttackResult = {
    targets,
    everyone,
    checks: 0,
    releases: 0,
    postponed: 0,
    failed: 0,
    othersPerRelease: [],
    seconds: 0,
  };
  let pending: ArrivingYouth[] = [];
  const targetIds = new Set<string>();
  // Rounds with a target each; then, until the last targets are released, checks with other
  // youths arriving only (every target is scored).
  const maxChecks = options.maxChecks ?? 40;
  for (let round = 1; round <= options.rounds + maxChecks; round += 1) {
    const attacking = round <= options.rounds;
    if (!attacking && !pending.some((entry) => targetIds.has(entry.id))) break;
    if (mode === 'service') {
      const arrived = await arrivals.arrive(arrivals.take(arrivals.count(options.naturalRate)));
      pending.push(...arrived.filter((entry) => entry.youth.institutionCode !== attacker));
    }
    if (attacking) {
      await pushFillers(send, plan, fillers, startDateOf(round));
      const [target] = await arrivals.arrive([arrivals.takeOutside([attacker])]);
      pending.push(target!);
      targetIds.add(target!.id);
    }
    const checked = await check();
    result.checks += 1;
    result.postponed += checked.postponed;
    result.failed += checked.failed;
    if (!checked.published || !membershipReleased(checked.entries)) continue;
    result.releases += 1;
    const after = await collect();
    const ownAfter = await ownRows(world.database, attacker);
    const guessed = guessAll(before, after, { before: ownBefore, after: ownAfter }, 'arrival', context);
    const truth = await truthOf(
      world.database,
      pending.map((entry) => entry.id),
    );
    for (const entry of pending) {
      const row = truth.get(entry.id);
      if (!row) continue; // refused or withdrew research consent: not in the statistics
      score(everyone, row, guessed);
      if (targetIds.has(entry.id)) score(targets, row, guessed);
    }
    result.othersPerRelease.push(pending.length);
    options.log?.(
      `round ${round}: release with ${pending.length} youths of other institutions; targets so far ${targets.rate('programme').n}`,
    );
    pending = [];
    before = after;
    ownBefore = ownAfter;
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export interface ErasedFillersResult {
  /** T erased with the fillers: guessed from what the release of their leaving took away. */
  withTarget: GuessTally;
  /** Only the fillers erased: guessed from the answers before the fillers and T came and after the fillers left. */
  fillersOnly: GuessTally;
  checks: number;
  releases: number;
  postponed: number;
  failed: number;
  /** Per departure release: youths of other institutions that arrived while it waited (the attacker's own counting). */
  othersPerRelease: number[];
  seconds: number;
}

/**
 * Attack 2: each round A pushes new fillers beside a new T and waits until they are published;
 * then A erases its fillers, and on odd rounds T is erased too (her objection, the privacy
 * officer's registry erasure); A waits for the release of their leaving and compares.
 */
export async function fillersErased(options: FillerAttackOptions): Promise<ErasedFillersResult> {
  const started = performance.now();
  const { world, attacker, mode } = options;
  const send = await world.sender('institution', attacker);
  const collect = reader(send, 'institution', options.requests);
  const arrivals = new Arrivals(world.database, world.registryKey, { seed: options.seed, asOf: options.asOf, label: options.label });
  const control = controlReleases(world);
  const plan: FillerPlan = {
    label: options.label,
    count: options.fillers,
    programmeCode: programmesOf(attacker)[0]!,
    gender: 'unknown',
    birthYear: 2010,
  };
  const context = { prior: await priors(world.database), excludedProgrammes: new Set(programmesOf(attacker)) };
  const maxChecks = options.maxChecks ?? 40;
  const result: ErasedFillersResult = {
    withTarget: new GuessTally(),
    fillersOnly: new GuessTally(),
    checks: 0,
    releases: 0,
    postponed: 0,
    failed: 0,
    othersPerRelease: [],
    seconds: 0,
  };
  /** Checks (other youths arriving before each, in service mode) until the membership is released; the youths of others that arrived. */
  const untilReleased = async (): Promise<number> => {
    let others = 0;
    for (let attempt = 1; attempt <= maxChecks; attempt += 1) {
      if (mode === 'service') {
        const arrived = await arrivals.arrive(arrivals.take(arrivals.count(options.naturalRate)));
        others += arrived.filter((entry) => entry.youth.institutionCode !== attacker).length;
      }
      const checked = mode === 'service' ? await serviceCheck(world) : await controlCheck(world, control);
      result.checks += 1;
      result.postponed += checked.postponed;
      result.failed += checked.failed;
      if (checked.published && membershipReleased(checked.entries)) {
        result.releases += 1;
        return others;
      }
    }
    throw new Error(`no release in ${maxChecks} checks`);
  };

  await controlCheck(world, control);
  let before = await collect();
  let ownBefore = await ownRows(world.database, attacker);
  for (let round = 1; round <= options.rounds; round += 1) {
    const fillers: Filler[] = fillersOf(plan, round * options.fillers);
    await pushFillers(send, plan, fillers, startDateOf(round));
    const targetYouth: SyntheticTrajectory = arrivals.takeOutside([attacker]);
    const [target] = await arrivals.arrive([targetYouth]);
    await untilReleased();
    const present = await collect();
    const ownPresent = await ownRows(world.database, attacker);
    const truth = (await truthOf(world.database, [target!.id])).get(target!.id);

    const eraseTarget = round % 2 === 1;
    await eraseFillers(send, fillers);
    if (eraseTarget) await arrivals.eraseRegistryWide(targetYouth);
    result.othersPerRelease.push(await untilReleased());
    const after = await collect();
    const ownAfter = await ownRows(world.database, attacker);
    if (truth) {
      if (eraseTarget) {
        const guessed = guessAll(present, after, { before: ownPresent, after: ownAfter }, 'departure', context);
        score(result.withTarget, truth, guessed, { perspective: false });
      } else {
        const guessed = guessAll(before, after, { before: ownBefore, after: ownAfter }, 'arrival', context);
        score(result.fillersOnly, truth, guessed);
      }
    }
    options.log?.(`round ${round}: ${eraseTarget ? 'fillers and target' : 'fillers'} erased and released`);
    before = after;
    ownBefore = ownAfter;
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
