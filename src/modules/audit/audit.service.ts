import type { KeyObject } from 'node:crypto';
import type { Database } from '../../db/client';
import { transactionWithoutRecords } from '../../db/unit-of-work';
import { errors } from '../../lib/errors';
import { createCatalogueRepository } from '../catalogue';
import type { StoredAuditEvent } from './audit-event.schema';
import { auditEventPages, exportAuditEvents, type ReadRunner } from './audit-export';
import { compareWithCheckpoints } from './audit-checkpoints';
import { type AuditFilters, chainView, listAuditEvents, verifyAuditChain } from './audit.repository';

// The auditors' reads of the log. Each read is a transaction of its own, opened here and not by
// the routes; an export opens one per page, so a long export holds no transaction open.

/** The filters of the routes: an institution by its code. */
export type AuditQuery = Omit<AuditFilters, 'institutionId'> & { institutionCode?: string };

/** What a subject-access report tells of each access. */
export type SubjectAccess = Pick<
  StoredAuditEvent,
  'occurredAt' | 'principalId' | 'role' | 'institutionId' | 'action' | 'resourceType' | 'operation' | 'purpose' | 'outcome'
>;

export function createAuditService(database: Database) {
  const read: ReadRunner = (reader) => transactionWithoutRecords(database, reader);
  // Institutions are the catalogue's: their codes are looked up through its repository.
  const institutions = createCatalogueRepository(database);

  return {
    /** The query as repository filters; an unknown institution code is the caller's error. */
    async filtersOf(query: AuditQuery): Promise<AuditFilters> {
      const { institutionCode, ...rest } = query;
      if (!institutionCode) return rest;
      const institutionId = await institutions.findInstitutionId(institutionCode);
      if (!institutionId) throw errors.validation(`There is no institution "${institutionCode}".`, 'querystring.institutionCode');
      return { ...rest, institutionId };
    },

    /** Events after `after`, oldest first, at most `limit`, with the cursor of the next page (null: none). */
    async list(filters: AuditFilters, after: number, limit: number): Promise<{ events: StoredAuditEvent[]; nextCursor: number | null }> {
      const events = await read((connection) => listAuditEvents(connection, filters, after, limit + 1));
      const page = events.slice(0, limit);
      return { events: page, nextCursor: events.length > limit ? page[page.length - 1]!.chainPosition : null };
    },

    /** The filtered log as NDJSON chunks. */
    export: (filters: AuditFilters) => exportAuditEvents(read, filters),

    verifyChain: () => read((connection) => verifyAuditChain(connection)),

    /** The chain against signed checkpoints (the text of a checkpoint file), in one transaction. */
    checkCheckpoints: (publicKey: KeyObject, checkpoints: string) =>
      read(async (connection) => compareWithCheckpoints(publicKey, checkpoints, await chainView(connection))),

    /** Every access to one youth's records, oldest first. */
    async subjectAccesses(subjectKey: string): Promise<SubjectAccess[]> {
      const accesses: SubjectAccess[] = [];
      for await (const page of auditEventPages(read, { subjectKey })) {
        for (const { occurredAt, principalId, role, institutionId, action, resourceType, operation, purpose, outcome } of page) {
          accesses.push({ occurredAt, principalId, role, institutionId, action, resourceType, operation, purpose, outcome });
        }
      }
      return accesses;
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
