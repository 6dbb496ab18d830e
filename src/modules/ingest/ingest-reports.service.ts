import type { Database } from '../../db/client';
import { transactionWithoutRecords } from '../../db/unit-of-work';
import { errors } from '../../lib/errors';
import type { InstitutionScope } from '../../plugins/request-scope';
import type { IngestReport } from './ingest-report';
import { createIngestReportsRepository } from './ingest-reports.repository';

/** Stored ingest reports, read back by the institution that pushed them. */
export function createIngestReportsService(database: Database) {
  return {
    /** The report with this id, when it is the caller's institution's and finished; not found otherwise. */
    async find(scope: InstitutionScope, id: string): Promise<IngestReport> {
      const stored = await transactionWithoutRecords(database, (connection) => createIngestReportsRepository(connection).find(scope, id));
      if (!stored?.report) throw errors.notFound(`Ingest report ${id}`);
      return stored.report;
    },
  };
}

export type IngestReportsService = ReturnType<typeof createIngestReportsService>;
