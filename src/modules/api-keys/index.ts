import type { FastifyInstance } from 'fastify';
import type { ApiKeysService } from './api-keys.service';
import { apiKeysRoutes } from './api-keys.routes';

export type { Principal } from './api-keys.service';

export async function apiKeysModule(app: FastifyInstance, options: { apiKeys: ApiKeysService }) {
  await app.register(apiKeysRoutes, { prefix: '/api/v1', apiKeys: options.apiKeys });
}
