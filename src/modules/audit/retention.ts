import type { Database } from '../../db/client';
import { transactionWithoutRecords } from '../../db/unit-of-work';
import { purgeAuditEvents } from './audit.repository';

/** The cut-off: events older than this many years may go. */
export function retentionCutoff(years: number, now = new Date()): Date {
  const cutoff = new Date(now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff;
}

/** Deletes audit events past retention; the only deletion of audit events there is. */
export function purgeExpiredAuditEvents(database: Database, years: number, now = new Date()): Promise<number> {
  return transactionWithoutRecords(database, (connection) => purgeAuditEvents(connection, retentionCutoff(years, now)));
}
