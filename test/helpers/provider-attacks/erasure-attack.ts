import { createRandom } from '../../../src/lib/random';
import type { AnswerRequest } from '../statistics-attacks/answers';
import type { TruthTrajectory } from '../statistics-truth';
import { Arrivals } from './arrivals';
import { membershipReleased, priors, reader, truthOf } from './common';
import { countChanges, GUESSED, guessesFor } from './evidence';
import { GuessTally } from './tally';
import { controlCheck, controlReleases, type ProviderWorld, serviceCheck } from './world';

// Attack 3: a published youth is erased (the privacy officer's registry erasure, at her
// objection); anyone who reads the answers before and after her leaving was published (a funder
// here: no records of its own) guesses her programme, gender and outcome class from what fell.
// "service": youths keep arriving (a Poisson number per check) and `erasures` published youths
// leave per check; each check is the operator's release under the change rule. "control": one
// erasure, then a release at once with the rule off.

export interface ErasureAttackOptions {
  world: ProviderWorld;
  mode: 'service' | 'control';
  /** Erased youths (targets) in all. */
  targets: number;
  /** Other youths arriving per check (service mode). */
  naturalRate: number;
  /** Youths erased per check (service mode; the control erases one per release). */
  erasuresPerCheck: number;
  seed: number;
  asOf: string;
  label: string;
  /** The answers the reader reads at each release (default: every measure by every grouping). */
  requests?: AnswerRequest[];
  log?: (line: string) => void;
}

export interface ErasureAttackResult {
  tally: GuessTally;
  checks: number;
  releases: number;
  /** Attempts that failed (the release audit gave up; retried at the next check). */
  failed: number;
  /** Per membership release read: youths that arrived while the erasures in it waited (the attacker's own counting). */
  arrivalsPerRelease: number[];
  erasuresPerRelease: number[];
  seconds: number;
}

export async function erasureBeforeAfter(options: ErasureAttackOptions): Promise<ErasureAttackResult> {
  const started = performance.now();
  const { world, mode } = options;
  const collect = reader(await world.sender('funder'), 'rest', options.requests);
  const arrivals = new Arrivals(world.database, world.registryKey, { seed: options.seed, asOf: options.asOf, label: options.label });
  const control = controlReleases(world);
  const random = createRandom(options.seed);
  const prior = await priors(world.database);
  const result: ErasureAttackResult = {
    tally: new GuessTally(),
    checks: 0,
    releases: 0,
    failed: 0,
    arrivalsPerRelease: [],
    erasuresPerRelease: [],
    seconds: 0,
  };

  await controlCheck(world, control);
  let before = await collect();
  let pending: Array<{ id: string; registryKey: string }> = [];
  let arrived = 0;
  const truths = new Map<string, TruthTrajectory>();
  let erased = 0;
  // Until every erased youth's leaving has been published.
  while (erased < options.targets || pending.length > 0) {
    if (mode === 'service') arrived += (await arrivals.arrive(arrivals.take(arrivals.count(options.naturalRate)))).length;
    // Published youths with a single trajectory (her erasure takes one trajectory away), not erased yet.
    const { rows } = await world.database.query<{ id: string; registry_key: string }>(
      `with single as (select s.registry_key from trajectories t join subjects s on s.id = t.subject_id
                        group by s.registry_key having count(*) = 1)
       select r.trajectory_id as id, s.registry_key from statistics_trajectories r
         join trajectories t on t.id = r.trajectory_id join subjects s on s.id = t.subject_id
         join single using (registry_key)
        order by r.trajectory_id`,
    );
    const count = mode === 'service' ? options.erasuresPerCheck : 1;
    for (let index = 0; index < count && erased < options.targets && rows.length > 0; index += 1) {
      const chosen = rows.splice(Math.floor(random.next() * rows.length), 1)[0]!;
      const truth = (await truthOf(world.database, [chosen.id])).get(chosen.id);
      if (truth) truths.set(chosen.id, truth);
      await arrivals.eraseRegistryKey(chosen.registry_key);
      pending.push({ id: chosen.id, registryKey: chosen.registry_key });
      erased += 1;
    }
    const checked = mode === 'service' ? await serviceCheck(world) : await controlCheck(world, control);
    result.checks += 1;
    result.failed += checked.failed;
    if (!checked.published || !membershipReleased(checked.entries)) continue;
    result.releases += 1;
    const after = await collect();
    const changes = countChanges(before, after);
    const guesses = Object.fromEntries(
      GUESSED.map((attribute) => [attribute, guessesFor(changes, attribute, 'departure', prior[attribute])]),
    );
    for (const entry of pending) {
      const truth = truths.get(entry.id);
      if (!truth) continue;
      for (const attribute of GUESSED) result.tally.add(attribute, truth[attribute], guesses[attribute]!);
    }
    result.arrivalsPerRelease.push(arrived);
    result.erasuresPerRelease.push(pending.length);
    options.log?.(`release: ${pending.length} erased youths left beside ${arrived} arrivals`);
    pending = [];
    arrived = 0;
    before = after;
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
