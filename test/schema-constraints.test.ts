import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measurements, placements, programmes, trajectories } from '../src/db/schema';
import { databaseError, insertTrajectory, institutionId, programmeId } from './helpers/fixtures';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

// The database refuses bad rows by itself, whatever code writes them.

let testDatabase: TestDatabase;
beforeAll(async () => {
  testDatabase = await createTestDatabase();
});
afterAll(() => testDatabase.destroy());

const orm = () => testDatabase.database.orm;

async function measurement(overrides: Partial<typeof measurements.$inferInsert> = {}) {
  const trajectory = await insertTrajectory(orm());
  return orm()
    .insert(measurements)
    .values({
      institutionId: trajectory.institutionId,
      trajectoryId: trajectory.id,
      reference: `M-${Math.random().toString(36).slice(2, 10)}`,
      instrumentCode: 'trauma_symptoms',
      informant: 'youth',
      measuredOn: '2024-02-01',
      value: 30,
      ...overrides,
    })
    .returning();
}

describe('database constraints', () => {
  it('accepts a valid measurement', async () => {
    const [row] = await measurement();
    expect(row!.value).toBe(30);
  });

  it('refuses a measurement value outside its instrument range', async () => {
    const error = await databaseError(measurement({ value: 61 }));
    expect(error.code).toBe('23514');
    expect(error.constraint).toBe('measurements_value_in_instrument_range');
    expect((await databaseError(measurement({ value: -1 }))).constraint).toBe('measurements_value_in_instrument_range');
  });

  it('refuses a status value that is not one of the instrument levels', async () => {
    const error = await databaseError(measurement({ instrumentCode: 'exploitation_status', informant: 'mentor', value: 5 }));
    expect(error.constraint).toBe('measurements_value_in_instrument_range');
    const [ok] = await measurement({ instrumentCode: 'exploitation_status', informant: 'mentor', value: 9 });
    expect(ok!.value).toBe(9);
  });

  it('refuses an informant the instrument does not allow, and an unknown informant', async () => {
    const notAllowed = await databaseError(measurement({ instrumentCode: 'trauma_symptoms', informant: 'parent' }));
    expect(notAllowed.code).toBe('23503');
    expect(notAllowed.constraint).toBe('measurements_instrument_informant_fk');
    const unknown = await databaseError(measurement({ informant: 'neighbour' as never }));
    expect(unknown.code).toBe('23514');
    expect(unknown.constraint).toBe('measurements_informant_valid');
  });

  it('refuses an update that moves a value out of range', async () => {
    const [row] = await measurement();
    const error = await databaseError(orm().update(measurements).set({ value: 100 }).where(eq(measurements.id, row!.id)));
    expect(error.constraint).toBe('measurements_value_in_instrument_range');
  });

  it('refuses a trajectory that ends before it starts, or an end without a reason', async () => {
    const endsEarly = await databaseError(
      insertTrajectory(orm(), { startDate: '2024-05-01', endDate: '2024-04-30', endReason: 'completed' }),
    );
    expect(endsEarly.constraint).toBe('trajectories_end_not_before_start');
    const noReason = await databaseError(insertTrajectory(orm(), { endDate: '2024-06-01' }));
    expect(noReason.constraint).toBe('trajectories_end_reason_with_end');
  });

  it('refuses a placement ending before it starts and an unknown setting', async () => {
    const trajectory = await insertTrajectory(orm());
    const base = { institutionId: trajectory.institutionId, trajectoryId: trajectory.id, setting: 'closed_residential' as const };
    const early = await databaseError(
      orm()
        .insert(placements)
        .values({ ...base, reference: 'P-1', startDate: '2024-03-01', endDate: '2024-02-01' }),
    );
    expect(early.constraint).toBe('placements_end_not_before_start');
    const setting = await databaseError(
      orm()
        .insert(placements)
        .values({ ...base, reference: 'P-2', startDate: '2024-03-01', setting: 'prison' as never }),
    );
    expect(setting.constraint).toBe('placements_setting_valid');
  });

  it('refuses a record under another institution’s trajectory', async () => {
    const trajectory = await insertTrajectory(orm());
    const other = await institutionId(orm(), 'zeehaven');
    const error = await databaseError(
      orm()
        .insert(placements)
        .values({ institutionId: other, trajectoryId: trajectory.id, reference: 'P-X', setting: 'ambulatory', startDate: '2024-02-01' }),
    );
    expect(error.constraint).toBe('placements_trajectory_fk');
  });

  it('refuses a trajectory in a programme of another institution', async () => {
    const error = await databaseError(insertTrajectory(orm(), { programmeId: await programmeId(orm(), 'zeehaven-haven') }));
    expect(error.constraint).toBe('trajectories_programme_of_institution_fk');
  });

  it('keeps each institution’s references unique, but lets two institutions use the same one', async () => {
    const first = await insertTrajectory(orm(), { reference: 'SAME-REF' });
    const duplicate = await databaseError(insertTrajectory(orm(), { reference: 'SAME-REF' }));
    expect(duplicate.code).toBe('23505');
    expect(duplicate.constraint).toBe('trajectories_institution_reference_unique');
    const [haven] = await orm().select().from(programmes).where(eq(programmes.code, 'zeehaven-haven'));
    const second = await insertTrajectory(orm(), { reference: 'SAME-REF', institutionId: haven!.institutionId, programmeId: haven!.id });
    expect(second.id).not.toBe(first.id);
    const rows = await orm().select().from(trajectories).where(eq(trajectories.reference, 'SAME-REF'));
    expect(rows).toHaveLength(2);
  });

  it('refuses references with characters outside the documented format', async () => {
    const badReference = await databaseError(insertTrajectory(orm(), { reference: 'has space' }));
    expect(badReference.constraint).toBe('trajectories_reference_format');
  });
});
