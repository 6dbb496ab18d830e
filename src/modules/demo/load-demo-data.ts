import { and, eq, sql } from 'drizzle-orm';
import type { Orm, Transaction } from '../../db/client';
import { careActivities, institutions, measurements, placements, programmes, subjects, trajectories } from '../../db/schema';
import { registryKeyFor } from '../../lib/pseudonym';
import { generateSyntheticTrajectories, type GeneratorOptions, type SyntheticTrajectory } from './synthetic-trajectories';

const BATCH_ROWS = 1_000;

export interface DemoLoadResult {
  trajectories: number;
  measurements: number;
  activities: number;
}

/**
 * Writes a synthetic dataset straight into the database, in one transaction, flagged
 * `synthetic`. Reference data must be loaded first.
 */
export async function loadDemoData(orm: Orm, registryPseudonymKey: Buffer, options: GeneratorOptions): Promise<DemoLoadResult> {
  return insertSyntheticTrajectories(orm, registryPseudonymKey, generateSyntheticTrajectories(options));
}

/**
 * Writes synthetic trajectories (from the generator) in one transaction. A youth already in the
 * registry (a later trajectory of hers) is found by her registry key.
 */
export async function insertSyntheticTrajectories(orm: Orm, registryPseudonymKey: Buffer, synthetics: Iterable<SyntheticTrajectory>): Promise<DemoLoadResult> {
  return orm.transaction(async (tx) => {
    const institutionIds = new Map(
      (await tx.select({ id: institutions.id, code: institutions.code }).from(institutions)).map((row) => [row.code, row.id]),
    );
    const programmeIds = new Map(
      (await tx.select({ id: programmes.id, code: programmes.code }).from(programmes)).map((row) => [row.code, row.id]),
    );
    const subjectIds = new Map<string, string>();
    const pending = { placements: [] as (typeof placements.$inferInsert)[], activities: [] as (typeof careActivities.$inferInsert)[], measurements: [] as (typeof measurements.$inferInsert)[] };
    const totals: DemoLoadResult = { trajectories: 0, measurements: 0, activities: 0 };

    const flush = async (force: boolean) => {
      if (pending.placements.length >= BATCH_ROWS || (force && pending.placements.length)) {
        await tx.insert(placements).values(pending.placements.splice(0));
      }
      if (pending.activities.length >= BATCH_ROWS || (force && pending.activities.length)) {
        await insertInBatches(tx, careActivities, pending.activities.splice(0));
      }
      if (pending.measurements.length >= BATCH_ROWS || (force && pending.measurements.length)) {
        await insertInBatches(tx, measurements, pending.measurements.splice(0));
      }
    };

    for (const synthetic of synthetics) {
      const institutionId = institutionIds.get(synthetic.institutionCode)!;
      // Each institution keeps its own row of a youth; the same youth elsewhere shares the registry key.
      const subjectKey = `${institutionId}:${synthetic.subject.key}`;
      let subjectId = subjectIds.get(subjectKey);
      if (!subjectId) {
        const { key, ...attributes } = synthetic.subject;
        const registryKey = registryKeyFor(`demo:${key}`, registryPseudonymKey);
        // A later call (a benchmark adding youths one at a time) may meet a youth this institution already holds.
        const [row] = await tx.insert(subjects).values({ institutionId, registryKey, ...attributes }).onConflictDoNothing().returning({ id: subjects.id });
        subjectId =
          row?.id ??
          (await tx.select({ id: subjects.id }).from(subjects).where(and(eq(subjects.institutionId, institutionId), eq(subjects.registryKey, registryKey))))[0]!.id;
        subjectIds.set(subjectKey, subjectId);
      }
      const [trajectory] = await tx
        .insert(trajectories)
        .values({
          institutionId,
          reference: synthetic.reference,
          subjectId,
          programmeId: programmeIds.get(synthetic.programmeCode)!,
          startDate: synthetic.startDate,
          endDate: synthetic.endDate,
          endReason: synthetic.endReason,
          exploitationAtIntake: synthetic.exploitationAtIntake,
          researchConsent: synthetic.researchConsent,
          synthetic: true,
        })
        .returning({ id: trajectories.id });
      const trajectoryId = trajectory!.id;
      const owned = { institutionId, trajectoryId };
      pending.placements.push(...synthetic.placements.map((placement) => ({ ...placement, ...owned })));
      pending.activities.push(...synthetic.activities.map((activity) => ({ ...activity, ...owned })));
      pending.measurements.push(...synthetic.measurements.map((measurement) => ({ ...measurement, ...owned })));
      totals.trajectories += 1;
      totals.activities += synthetic.activities.length;
      totals.measurements += synthetic.measurements.length;
      await flush(false);
    }
    await flush(true);
    return totals;
  });
}

async function insertInBatches<Row extends Record<string, unknown>>(
  tx: Transaction,
  table: typeof careActivities | typeof measurements,
  rows: Row[],
): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += BATCH_ROWS) {
    await tx.insert(table).values(rows.slice(offset, offset + BATCH_ROWS) as never);
  }
}

/** True when the database holds no trajectories yet (the demo data is loaded only then). */
export async function isRegistryEmpty(orm: Orm): Promise<boolean> {
  const result = (await orm.execute(sql`select not exists (select 1 from trajectories) as empty`)) as unknown as {
    rows: Array<{ empty: boolean }>;
  };
  return result.rows[0]!.empty;
}
