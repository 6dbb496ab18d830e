import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { todayIso } from '../../lib/dates';
import { requireRole } from '../../plugins/authentication';
import { createBulkIngest } from './bulk-ingest';
import { createErasureService } from './erasure.service';
import { ingestRoutes } from './ingest.routes';
import { createIngestService } from './ingest.service';
import { createRecordsRepository } from './records.repository';
import { recordsRoutes } from './records.routes';
import { createRecordsService } from './records.service';

/** The institutions' REST API: their own records in, one by one or as a stream, and read back. */
export async function ingestModule(
  app: FastifyInstance,
  options: { database: Database; config: Pick<Config, 'ingest'> & { registryPseudonymKey: Buffer }; today?: () => string },
) {
  const { database, config } = options;
  const today = options.today ?? (() => todayIso());
  const ingest = createIngestService(database, {
    registryPseudonymKey: config.registryPseudonymKey,
    toleranceDays: config.ingest.toleranceDays,
    batchSize: config.ingest.batchSize,
    today,
  });
  const reads = createRecordsRepository(database.orm);

  // Every route here is for institution systems, acting for their own institution only.
  app.addHook('preHandler', requireRole('institution'));
  // Writes queue the trajectories they touched; work the queue off once the answer is out.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && reply.statusCode < 300) app.indicators.kick();
  });
  await app.register(recordsRoutes, {
    prefix: '/api/v1',
    records: createRecordsService(database, ingest, today),
    reads,
    erasure: createErasureService(database, config.registryPseudonymKey),
  });
  await app.register(ingestRoutes, {
    prefix: '/api/v1',
    database,
    bulkIngest: createBulkIngest(database, ingest, { maxBytes: config.ingest.maxBytes, maxLineBytes: config.ingest.maxLineBytes }),
  });
}
