import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { todayIso } from '../../lib/dates';
import { requireRole } from '../../plugins/authentication';
import { kickIndicatorsAfterWrites } from '../indicators';
import { createBulkIngest } from './bulk-ingest';
import { createIngestReportsService } from './ingest-reports.service';
import { ingestRoutes } from './ingest.routes';
import { createIngestService } from './ingest.service';

// The ingest engine (validation, the PII guard, batched upserts under the youths' row locks) and
// the bulk NDJSON endpoint on top of it. The single-record routes (modules/records) use the same
// engine, so both apply exactly the same rules.

export { IngestReportBuilder, type IngestMode, type IngestReport, MAX_LISTED_REJECTIONS } from './ingest-report';
export { type BulkIngest, createBulkIngest } from './bulk-ingest';
export { createIngestService, type IngestService, type IngestSettings } from './ingest.service';
export {
  type CareActivityBody,
  careActivityBodySchema,
  idempotencyHeadersSchema,
  type MeasurementBody,
  measurementBodySchema,
  type PlacementBody,
  placementBodySchema,
  type RecordType,
  referenceSchema,
  subjectInputSchema,
  trajectoryBodySchema,
} from './ingest.schemas';

export interface IngestModuleOptions {
  database: Database;
  config: Pick<Config, 'ingest'> & { registryPseudonymKey: Buffer };
  today?: () => string;
}

/** The engine's settings from the service's configuration. */
export const ingestSettingsOf = (options: IngestModuleOptions) => ({
  registryPseudonymKey: options.config.registryPseudonymKey,
  toleranceDays: options.config.ingest.toleranceDays,
  batchSize: options.config.ingest.batchSize,
  today: options.today ?? (() => todayIso()),
});

/** The bulk endpoint and its reports, for institution systems acting for their own institution. */
export async function ingestModule(app: FastifyInstance, options: IngestModuleOptions) {
  const { database, config } = options;
  const ingest = createIngestService(database, ingestSettingsOf(options));
  app.addHook('preHandler', requireRole('institution'));
  // Writes queue the trajectories they touched; work the queue off once the answer is out.
  app.addHook('onResponse', kickIndicatorsAfterWrites);
  await app.register(ingestRoutes, {
    prefix: '/api/v1',
    reports: createIngestReportsService(database),
    bulkIngest: createBulkIngest(database, ingest, { maxBytes: config.ingest.maxBytes, maxLineBytes: config.ingest.maxLineBytes }),
  });
}
