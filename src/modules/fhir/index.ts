import type { FastifyInstance } from 'fastify';
import { kickIndicatorsAfterWrites } from '../indicators';
import { createCatalogueRepository } from '../catalogue';
import { createBulkIngest, createIngestService, type IngestModuleOptions, ingestSettingsOf } from '../ingest';
import { codeSystems } from './code-systems';
import { createFhirIngest } from './fhir-ingest.service';
import { fhirRoutes } from './fhir.routes';

// HL7 FHIR R4 beside the REST API (issue #28): the same keys, roles, scope, PII guard,
// idempotency and audit, because a Bundle is mapped to the ingest's records and written by the
// ingest engine itself. No second data model. docs/fhir.md documents the mapping.

export async function fhirModule(app: FastifyInstance, options: IngestModuleOptions) {
  const { database, config } = options;
  const ingest = createIngestService(database, ingestSettingsOf(options));
  const bulkIngest = createBulkIngest(database, ingest, { maxBytes: config.ingest.maxBytes, maxLineBytes: config.ingest.maxLineBytes });
  const catalogue = createCatalogueRepository(database);
  // Writes queue the trajectories they touched; work the queue off once the answer is out.
  app.addHook('onResponse', kickIndicatorsAfterWrites);
  await app.register(fhirRoutes, {
    prefix: '/fhir/R4',
    fhirIngest: createFhirIngest(bulkIngest),
    codeSystems: async () => {
      const [programmes, activityTypes, instruments] = await Promise.all([
        catalogue.listProgrammes(),
        catalogue.listActivityTypes(),
        catalogue.listInstruments(),
      ]);
      return codeSystems({ programmes, activityTypes, instruments });
    },
  });
}
