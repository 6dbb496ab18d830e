import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client';
import { createCatalogueRepository } from './catalogue.repository';
import { registerCatalogueGraphql } from './catalogue.graphql';
import { catalogueRoutes } from './catalogue.routes';

// What other modules may use: the catalogue's reads (never its tables) and the seeder.
export { type CatalogueRepository, createCatalogueRepository } from './catalogue.repository';
export { seedReferenceData } from './reference-data.service';
export { ACTIVITY_TYPES, INSTITUTIONS, INSTRUMENTS, type InstrumentSeed, type OfferItemSeed, type ProgrammeSeed } from './reference-data';

/** Reference data: institutions, programmes with their fixed offer, instruments and activity types. */
export async function catalogueModule(app: FastifyInstance, options: { database: Database }) {
  const catalogue = createCatalogueRepository(options.database);
  registerCatalogueGraphql(app, catalogue);
  await app.register(catalogueRoutes, { prefix: '/api/v1', catalogue });
}
