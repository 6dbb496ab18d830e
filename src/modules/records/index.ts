import type { FastifyInstance } from 'fastify';
import { createUnitOfWork } from '../../db/unit-of-work';
import type { Metrics } from '../../lib/metrics';
import { requireRole } from '../../plugins/authentication';
import { indicatorQueueParticipant, kickIndicatorsAfterWrites } from '../indicators';
import { createIngestService, type IngestModuleOptions, ingestSettingsOf } from '../ingest';
import { createRecordsRepository } from './records.repository';
import { recordsRoutes } from './records.routes';
import { createRecordsService, type RecordsService } from './records.service';

/** Single-record writes count in registry_ingest_records_total beside the bulk stream's records. */
function countedPushes(records: RecordsService, metrics: Metrics): RecordsService {
  return {
    ...records,
    push: async (work, institutionId, type, reference, body) => {
      const status = await records.push(work, institutionId, type, reference, body);
      metrics.ingestRecords.inc({ source: 'single', type, status, outcome: 'committed' });
      return status;
    },
  };
}

/** An institution's own records, one at a time: idempotent upserts by its references, and reads. */
export async function recordsModule(app: FastifyInstance, options: IngestModuleOptions) {
  const { database } = options;
  const settings = ingestSettingsOf(options);
  app.addHook('preHandler', requireRole('institution'));
  // Writes queue the trajectories they touched; work the queue off once the answer is out.
  app.addHook('onResponse', kickIndicatorsAfterWrites);
  await app.register(recordsRoutes, {
    prefix: '/api/v1',
    records: countedPushes(createRecordsService(createIngestService(database, settings), settings.today), app.metrics),
    reads: createRecordsRepository(database),
    // A write commits with its audit event (201 when it created a record) and its indicator queue entries.
    workFor: (request) =>
      createUnitOfWork(database, [
        app.auditLog.participant(request, (written) => ({
          statusCode: written.created > 0 ? 201 : 200,
          facts: written.created > 0 ? { action: 'create' } : {},
        })),
        indicatorQueueParticipant,
      ]),
  });
}
