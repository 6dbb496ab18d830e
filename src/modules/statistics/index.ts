import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client';
import { createStatisticsRepository } from './statistics.repository';
import { registerStatisticsGraphql } from './statistics.graphql';
import { statisticsRoutes } from './statistics.routes';
import { createStatisticsService } from './statistics.service';

export async function statisticsModule(app: FastifyInstance, options: { database: Database; minimumCellSize: number }) {
  const statistics = createStatisticsService(createStatisticsRepository(options.database), options.minimumCellSize);
  await app.register(statisticsRoutes, { prefix: '/api/v1', statistics });
  registerStatisticsGraphql(app, statistics);
}
