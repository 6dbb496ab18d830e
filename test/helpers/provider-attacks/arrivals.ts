import type { Database } from '../../../src/db/client';
import { registryKeyFor } from '../../../src/lib/pseudonym';
import { createRandom, type Random } from '../../../src/lib/random';
import { insertSyntheticTrajectories } from '../../../src/modules/demo/demo-data.service';
import { generateSyntheticTrajectories, type SyntheticTrajectory } from '../../../src/modules/demo/synthetic-trajectories';
import { createSubjectsRepository } from '../../../src/modules/subjects';

// The youths whose data arrives on its own while an attack runs (synthetic, from the demo
// generator at random institutions: the generator's own mix), a Poisson number per release check,
// and the targets: new youths of another institution than the attacker's. Written as the demo
// loader writes them; erased as the privacy officer's registry erasure does (the same repository
// call the route makes).

/** Youths per quarter at the demo generator's rate: ~400 trajectories over ~6 years (24 quarters). */
export const DEMO_RATE_PER_QUARTER = 400 / 24;

export function poisson(random: Random, mean: number): number {
  // Knuth's method; means here are below ~100.
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random.next();
  while (product > limit) {
    count += 1;
    product *= random.next();
  }
  return count;
}

export interface ArrivingYouth {
  youth: SyntheticTrajectory;
  id: string;
}

/** Youths of the demo generator (another seed), relabelled as youthsToAdd does, generated as they are taken. */
function* stream(options: { seed: number; asOf: string; label: string }): Generator<SyntheticTrajectory> {
  const relabel = (reference: string) => `${options.label}-${reference}`;
  for (const trajectory of generateSyntheticTrajectories({ trajectories: 1_000_000, seed: options.seed, asOf: options.asOf })) {
    yield {
      ...trajectory,
      subject: { ...trajectory.subject, key: `${options.label}:${trajectory.subject.key}` },
      reference: relabel(trajectory.reference),
      placements: trajectory.placements.map((placement) => ({ ...placement, reference: relabel(placement.reference) })),
      activities: trajectory.activities.map((activity) => ({ ...activity, reference: relabel(activity.reference) })),
      measurements: trajectory.measurements.map((measurement) => ({ ...measurement, reference: relabel(measurement.reference) })),
    };
  }
}

export class Arrivals {
  private readonly pool: Generator<SyntheticTrajectory>;
  private readonly random: Random;

  constructor(
    private readonly database: Database,
    private readonly registryKey: Buffer,
    options: { seed: number; asOf: string; label: string },
  ) {
    this.pool = stream(options);
    this.random = createRandom(options.seed * 7 + 1);
  }

  /** A Poisson number of youths with this mean. */
  count(mean: number): number {
    return poisson(this.random, mean);
  }

  /** The next youths of the stream (at whatever institution the generator put them). */
  take(count: number): SyntheticTrajectory[] {
    return Array.from({ length: count }, () => this.pool.next().value as SyntheticTrajectory);
  }

  /**
   * The next youth of the stream who is at none of these institutions, new (not returning) and
   * counted by the statistics (research consent granted or unknown): a target.
   */
  takeOutside(institutions: string[]): SyntheticTrajectory {
    for (;;) {
      const [youth] = this.take(1);
      const counted = youth!.researchConsent === 'granted' || youth!.researchConsent === 'unknown';
      if (counted && !institutions.includes(youth!.institutionCode) && !this.seenBefore(youth!)) return youth!;
    }
  }

  private readonly subjects = new Set<string>();
  private seenBefore(youth: SyntheticTrajectory): boolean {
    return this.subjects.has(youth.subject.key);
  }

  /** Writes the youths' records and returns their trajectories' ids (in order). */
  async arrive(youths: SyntheticTrajectory[]): Promise<ArrivingYouth[]> {
    if (youths.length === 0) return [];
    for (const youth of youths) this.subjects.add(youth.subject.key);
    await insertSyntheticTrajectories(this.database, this.registryKey, youths);
    const { rows } = await this.database.query<{ id: string; code: string; reference: string }>(
      `select t.id, i.code, t.reference from trajectories t join institutions i on i.id = t.institution_id
        where t.reference = any($1::text[])`,
      [youths.map((youth) => youth.reference)],
    );
    const ids = new Map(rows.map((row) => [`${row.code}|${row.reference}`, row.id]));
    return youths.map((youth) => ({ youth, id: ids.get(`${youth.institutionCode}|${youth.reference}`)! }));
  }

  /** The privacy officer erases the youth from the whole registry (every institution's records of her). */
  eraseRegistryWide(youth: SyntheticTrajectory): Promise<number> {
    return this.eraseRegistryKey(registryKeyFor(`demo:${youth.subject.key}`, this.registryKey));
  }

  /** The same, for a youth known by her registry key. */
  async eraseRegistryKey(registryKey: string): Promise<number> {
    const result = await this.database.transaction((connection) => createSubjectsRepository(connection).objectRegistryWide(registryKey));
    return result.trajectories;
  }
}
