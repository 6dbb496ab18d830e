import type { Database } from '../../db/client';
import { errors } from '../../lib/errors';
import { registryKeyFor } from '../../lib/pseudonym';
import type { IngestRequest } from './ingest.service';

// Erasure at a consent withdrawal: every record of the youth goes, at every institution, and a
// tombstone holding only the registry key refuses later pushes of her. Her audit events stay:
// they hold only the registry key.

export interface ErasureResult {
  status: 'erased' | 'already_erased';
  trajectories: number;
}

export function createErasureService(database: Database, registryPseudonymKey: Buffer) {
  return {
    async erase(institutionId: string, pseudonym: string, onWrite?: IngestRequest['onWrite']): Promise<ErasureResult> {
      const registryKey = registryKeyFor(pseudonym, registryPseudonymKey);
      return database.transaction(async (connection) => {
        // Only the institution that erased her learns that she was erased; to others she does not exist.
        const tombstone = await connection.query('select 1 from erased_subjects where registry_key = $1 and institution_id = $2', [registryKey, institutionId]);
        if (tombstone.rows.length > 0) {
          await onWrite?.(connection, { subjectKeys: new Set([registryKey]), created: 0, updated: 0 });
          return { status: 'already_erased' as const, trajectories: 0 };
        }
        // Only an institution that cares (or cared) for the youth may erase her; to any other
        // the subject does not exist, so the answer reveals nothing.
        const { rows } = await connection.query<{ id: string }>(
          `select s.id from subjects s
            where s.registry_key = $1
              and exists (select 1 from trajectories t where t.subject_id = s.id and t.institution_id = $2)
            for update`,
          [registryKey, institutionId],
        );
        const subject = rows[0];
        if (!subject) throw errors.notFound('A youth with this pseudonym at your institution');
        // Placements, activities and measurements go with their trajectory (ON DELETE CASCADE).
        const removed = await connection.query('delete from trajectories where subject_id = $1 returning id', [subject.id]);
        await connection.query('delete from subjects where id = $1', [subject.id]);
        await connection.query('insert into erased_subjects (registry_key, institution_id) values ($1, $2)', [registryKey, institutionId]);
        await onWrite?.(connection, { subjectKeys: new Set([registryKey]), created: 0, updated: removed.rows.length });
        return { status: 'erased' as const, trajectories: removed.rows.length };
      });
    },
  };
}
