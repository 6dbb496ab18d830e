import type { Database } from '../../db/client';
import { transactionWithoutRecords } from '../../db/unit-of-work';
import { writeReferenceData } from './reference-data.repository';

/** Loads the catalogues, institutions and programmes in one transaction (idempotent: reference-data.repository.ts). */
export function seedReferenceData(database: Database): Promise<void> {
  return transactionWithoutRecords(database, writeReferenceData);
}
