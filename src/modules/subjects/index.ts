// The youths behind the records (one row per institution that has her in care), their
// tombstones and objections: what ingest and erasure need of them, behind one entry point.
export {
  createSubjectsRepository,
  type ErasedAtInstitution,
  type ObjectionResult,
  type Refusal,
  type SubjectsRepository,
} from './subjects.repository';
