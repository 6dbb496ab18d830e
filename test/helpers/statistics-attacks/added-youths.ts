import type { Database, SqlConnection } from '../../../src/db/client';
import { insertSyntheticTrajectories } from '../../../src/modules/demo/demo-data.service';
import { generateSyntheticTrajectories, type SyntheticTrajectory } from '../../../src/modules/demo/synthetic-trajectories';
import { loadTruth } from '../statistics-truth';
import type { Attribute } from './before-after';

// Youths whose data arrives during an attack: synthetic trajectories from the demo generator
// (another seed), relabelled so that their references and pseudonyms are new to the registry.

export function youthsToAdd(count: number, options: { seed: number; asOf: string; label: string }): SyntheticTrajectory[] {
  const relabel = (reference: string) => `${options.label}-${reference}`;
  return [...generateSyntheticTrajectories({ trajectories: count, seed: options.seed, asOf: options.asOf })].map((trajectory) => ({
    ...trajectory,
    subject: { ...trajectory.subject, key: `${options.label}:${trajectory.subject.key}` },
    reference: relabel(trajectory.reference),
    placements: trajectory.placements.map((placement) => ({ ...placement, reference: relabel(placement.reference) })),
    activities: trajectory.activities.map((activity) => ({ ...activity, reference: relabel(activity.reference) })),
    measurements: trajectory.measurements.map((measurement) => ({ ...measurement, reference: relabel(measurement.reference) })),
  }));
}

/** Writes one youth's trajectory and returns its id. */
export async function addYouth(database: Database, registryPseudonymKey: Buffer, youth: SyntheticTrajectory): Promise<string> {
  await insertSyntheticTrajectories(database, registryPseudonymKey, [youth]);
  const { rows } = await database.query<{ id: string }>(
    'select t.id from trajectories t join institutions i on i.id = t.institution_id where i.code = $1 and t.reference = $2',
    [youth.institutionCode, youth.reference],
  );
  return rows[0]!.id;
}

export async function attributesOf(
  connection: Pick<SqlConnection, 'query'>,
  ids: string[],
): Promise<Map<string, Record<Attribute, string>>> {
  const rows = await loadTruth(connection, ids);
  return new Map(rows.map((row) => [row.id, { programme: row.programme, gender: row.gender, outcome: row.outcome }]));
}

/** The most common value of each attribute (the guess of an attacker without the answers). */
export async function priorOf(connection: Pick<SqlConnection, 'query'>): Promise<Record<Attribute, string>> {
  const rows = await loadTruth(connection);
  const mode = (values: string[]) =>
    [...values.reduce((counts, value) => counts.set(value, (counts.get(value) ?? 0) + 1), new Map<string, number>())].sort(
      (a, b) => b[1] - a[1],
    )[0]![0];
  return {
    programme: mode(rows.map((row) => row.programme)),
    gender: mode(rows.map((row) => row.gender)),
    outcome: mode(rows.map((row) => row.outcome)),
  };
}
