import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Orm } from '../../src/db/client';
import { institutions, programmes, subjects, trajectories } from '../../src/db/schema';

export async function institutionId(db: Orm, code: string): Promise<string> {
  const [row] = await db.select({ id: institutions.id }).from(institutions).where(eq(institutions.code, code));
  if (!row) throw new Error(`no institution ${code}`);
  return row.id;
}

export async function programmeId(db: Orm, code: string): Promise<string> {
  const [row] = await db.select({ id: programmes.id }).from(programmes).where(eq(programmes.code, code));
  if (!row) throw new Error(`no programme ${code}`);
  return row.id;
}

/** A subject and an open trajectory at vuurtorenhuis (programme Baken), inserted directly. */
export async function insertTrajectory(db: Orm, overrides: Partial<typeof trajectories.$inferInsert> = {}) {
  const institution = overrides.institutionId ?? (await institutionId(db, 'vuurtorenhuis'));
  const [subject] = await db
    .insert(subjects)
    .values({
      institutionId: institution,
      registryKey: randomBytes(32).toString('hex'),
      birthYear: 2009,
      gender: 'girl',
      mildIntellectualDisability: 'no',
      priorYouthCare: 'yes',
    })
    .returning({ id: subjects.id });
  const [trajectory] = await db
    .insert(trajectories)
    .values({
      institutionId: institution,
      programmeId: await programmeId(db, 'vuurtorenhuis-baken'),
      reference: `T-${randomBytes(4).toString('hex')}`,
      subjectId: subject!.id,
      startDate: '2024-01-15',
      exploitationAtIntake: 'confirmed',
      researchConsent: 'granted',
      ...overrides,
    })
    .returning();
  return trajectory!;
}

/** The PostgreSQL error behind a failed statement (Drizzle wraps it). */
export async function databaseError(promise: Promise<unknown>): Promise<{ code?: string; constraint?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; constraint?: string; message: string } }).cause;
    return cause ?? (error as { code?: string; constraint?: string; message: string });
  }
  throw new Error('expected the statement to fail');
}
