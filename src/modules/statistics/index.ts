import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { readPerturbationTable } from '../../lib/statistics/perturbation-table-file';
import type { StatisticsReleases } from './statistics-releases';
import { createStatisticsReleasesRepository } from './statistics-releases.repository';
import { statisticsReleasesRoutes } from './statistics-releases.routes';
import { registerStatisticsGraphql } from './statistics.graphql';
import { statisticsRoutes } from './statistics.routes';
import { createStatisticsService } from './statistics.service';

export async function statisticsModule(
  app: FastifyInstance,
  options: { database: Database; settings: Config['statistics']; releases: StatisticsReleases },
) {
  const { database, settings } = options;
  const statistics = createStatisticsService(
    { releases: createStatisticsReleasesRepository(database, database.kind) },
    {
      table: readPerturbationTable(settings.table),
      noiseShare: settings.noiseShare,
      minimumBase: settings.minimumBase,
      releaseMinimumYouths: settings.releaseMinimumYouths,
      releaseMinimumOthers: settings.releaseMinimumOthers,
      releaseCalendar: settings.releaseCalendar,
    },
  );
  await app.register(statisticsRoutes, { prefix: '/api/v1', statistics });
  await app.register(statisticsReleasesRoutes, { prefix: '/api/v1', releases: options.releases });
  registerStatisticsGraphql(app, statistics);
}
