import { and, eq, exists, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { erasedSubjects, subjects, trajectories } from '../../db/schema';
import { errors } from '../../lib/errors';
import { registryKeyFor } from '../../lib/pseudonym';

// Erasure at a consent withdrawal: every record of the youth goes, at every institution, and a
// tombstone holding only the registry key refuses later pushes of her.

export interface ErasureResult {
  status: 'erased' | 'already_erased';
  trajectories: number;
}

export function createErasureService(database: Database, registryPseudonymKey: Buffer) {
  return {
    async erase(institutionId: string, pseudonym: string): Promise<ErasureResult> {
      const registryKey = registryKeyFor(pseudonym, registryPseudonymKey);
      return database.orm.transaction(async (tx) => {
        const [tombstone] = await tx.select().from(erasedSubjects).where(eq(erasedSubjects.registryKey, registryKey));
        if (tombstone) return { status: 'already_erased', trajectories: 0 };
        // Only an institution that cares (or cared) for the youth may erase her; to any other
        // the subject does not exist, so the answer reveals nothing.
        const [subject] = await tx
          .select({ id: subjects.id })
          .from(subjects)
          .where(
            and(
              eq(subjects.registryKey, registryKey),
              exists(tx.select({ one: sql`1` }).from(trajectories).where(and(eq(trajectories.subjectId, subjects.id), eq(trajectories.institutionId, institutionId)))),
            ),
          )
          .for('update');
        if (!subject) throw errors.notFound('A youth with this pseudonym at your institution');
        // Placements, activities and measurements go with their trajectory (ON DELETE CASCADE).
        const removed = await tx.delete(trajectories).where(inArray(trajectories.subjectId, [subject.id])).returning({ id: trajectories.id });
        await tx.delete(subjects).where(eq(subjects.id, subject.id));
        await tx.insert(erasedSubjects).values({ registryKey, institutionId });
        return { status: 'erased', trajectories: removed.length };
      });
    },
  };
}
