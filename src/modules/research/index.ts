import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client';
import type { ResearchReleases } from './research-releases';
import { type ResearchSettings, registerResearchGraphql } from './research.graphql';

/** Record-level research reads through GraphQL, scoped per role where the data is read. */
export async function researchModule(
  app: FastifyInstance,
  options: { database: Database; settings: ResearchSettings; releases: ResearchReleases },
) {
  registerResearchGraphql(app, options.database, options.settings, options.releases);
}

// What other modules may use: the registry-scoped reads the indicator maintainer computes from.
export { type ActivityRow, createRegistryResearchRepository, type MeasurementRow, type OfferItemRow } from './research.repository';
export { researchReleaseDate } from './research-release';
export { createResearchReleases, type ResearchReleases, type ReleaseView } from './research-releases';
export { researchReleasesAdminRoutes, researchReleasesRoutes } from './research-releases.routes';
