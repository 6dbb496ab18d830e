import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { readPerturbationTable } from '../../lib/statistics/perturbation-table-file';
import { createCatalogueRepository } from '../catalogue';
import { createStatisticsReleasesRepository } from './statistics-releases.repository';
import { createStatisticsRepository } from './statistics.repository';
import { registerStatisticsGraphql } from './statistics.graphql';
import { statisticsRoutes } from './statistics.routes';
import { createStatisticsService } from './statistics.service';

export async function statisticsModule(app: FastifyInstance, options: { database: Database; settings: Config['statistics'] }) {
  const { database, settings } = options;
  const statistics = createStatisticsService(
    {
      repository: createStatisticsRepository(database),
      releases: createStatisticsReleasesRepository(database),
      catalogue: createCatalogueRepository(database.orm),
    },
    {
      table: readPerturbationTable(settings.table),
      noiseShare: settings.noiseShare,
      minimumBase: settings.minimumBase,
      releaseMinimumYouths: settings.releaseMinimumYouths,
    },
  );
  await app.register(statisticsRoutes, { prefix: '/api/v1', statistics });
  registerStatisticsGraphql(app, statistics);
}
