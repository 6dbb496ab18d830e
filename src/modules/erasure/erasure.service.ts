import { type UnitOfWork, writeSummary } from '../../db/unit-of-work';
import { registryKeyFor } from '../../lib/pseudonym';
import { createSubjectsRepository, type ErasedAtInstitution, type ObjectionResult } from '../subjects';

// Erasure at two levels (issue #11). An institution erases its own records of a youth when she
// withdraws consent there; nothing at another institution is read or changed, and the answer
// counts only its own records. The data protection officer erases her registry-wide when she
// (or a parent) objects to the registry itself: every record everywhere goes, and every later
// push of her by any institution is refused with SUBJECT_OBJECTED — the one deliberate case in
// which an institution learns something about a youth from outside its own records. The audit
// trail keeps only that it happened: the registry key, never a pseudonym.

export function createErasureService(registryPseudonymKey: Buffer) {
  return {
    eraseAtInstitution(work: UnitOfWork, institutionId: string, pseudonym: string): Promise<ErasedAtInstitution> {
      const registryKey = registryKeyFor(pseudonym, registryPseudonymKey);
      return work.transaction(
        async ({ connection }) => {
          const result = await createSubjectsRepository(connection).eraseAtInstitution(institutionId, registryKey);
          return { result, written: writeSummary({ subjectKeys: [registryKey], deleted: result.trajectories }) };
        },
        { last: true },
      );
    },

    eraseRegistryWide(work: UnitOfWork, pseudonym: string): Promise<ObjectionResult> {
      const registryKey = registryKeyFor(pseudonym, registryPseudonymKey);
      return work.transaction(
        async ({ connection }) => {
          const result = await createSubjectsRepository(connection).objectRegistryWide(registryKey);
          return { result, written: writeSummary({ subjectKeys: [registryKey], deleted: result.trajectories }) };
        },
        { last: true },
      );
    },
  };
}

export type ErasureService = ReturnType<typeof createErasureService>;
