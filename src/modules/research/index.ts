import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client';
import { type ResearchSettings, registerResearchGraphql } from './research.graphql';

/** Record-level research reads through GraphQL, scoped per role where the data is read. */
export async function researchModule(app: FastifyInstance, options: { database: Database; settings: ResearchSettings }) {
  registerResearchGraphql(app, options.database, options.settings);
}
