import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../../plugins/authentication';
import { ROLES } from '../../lib/vocabulary';
import type { ApiKeysService } from './api-keys.service';

const apiKeySummary = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  role: z.enum(ROLES),
  institutionCode: z.string().nullable(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});

/** Key management for role admin; the same operations as `npm run keys`. */
export async function apiKeysRoutes(app: FastifyInstance, options: { apiKeys: ApiKeysService }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('preHandler', requireRole('admin'));

  routes.post(
    '/admin/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API key; the key is in this answer and nowhere else',
        body: z.strictObject({
          name: z.string().min(1).max(200),
          role: z.enum(ROLES),
          institutionCode: z.string().min(1).max(64).optional(),
          expiresAt: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 201: z.object({ id: z.uuid(), key: z.string() }) },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...rest } = request.body;
      const created = await options.apiKeys.create({ ...rest, ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}) });
      return reply.status(201).send(created);
    },
  );

  routes.get(
    '/admin/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'List API keys (never their secrets)',
        response: { 200: z.object({ apiKeys: z.array(apiKeySummary) }) },
      },
    },
    async () => ({
      apiKeys: (await options.apiKeys.list()).map(({ institutionId: _institutionId, createdAt, expiresAt, revokedAt, ...key }) => ({
        ...key,
        createdAt: createdAt.toISOString(),
        expiresAt: expiresAt?.toISOString() ?? null,
        revokedAt: revokedAt?.toISOString() ?? null,
      })),
    }),
  );

  routes.delete(
    '/admin/api-keys/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key; it is refused from then on',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await options.apiKeys.revoke(request.params.id);
      return reply.status(204).send(null);
    },
  );
}
