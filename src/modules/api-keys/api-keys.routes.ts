import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../lib/error-body.schema';
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
      config: { audit: { action: 'create', resourceType: 'api_key' } },
      schema: {
        tags: ['admin'],
        summary: 'Create an API key; the key is in this answer and nowhere else',
        description:
          'The registry keeps only a hash of the key: store it now, it cannot be shown again. The name may not hold identifying data.',
        body: z
          .strictObject({
            // Stored as text: no control characters (PostgreSQL refuses U+0000 outright).
            name: z
              .string()
              .min(1)
              .max(200)
              // The control characters (Unicode category Cc) spelled as ranges: a \p{…} class is
              // refused by OpenAPI tools that read patterns as ECMA-262 without the u flag (Spectral).
              // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
              .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters'),
            role: z.enum(ROLES),
            institutionCode: z
              .string()
              .regex(/^[a-z0-9-]{2,63}$/, 'an institution code: lower-case letters, digits and -')
              .optional(),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          })
          .meta({
            example: { name: 'EHR push Lindehof', role: 'institution', institutionCode: 'lindehof', expiresAt: '2027-06-30T00:00:00Z' },
          }),
        response: {
          201: z.object({ id: z.uuid(), key: z.string() }).meta({
            example: { id: '5b0e3f0a-55b4-4a3e-9a55-8f0f4c2f2f11', key: 'crr_…shown once…' },
          }),
        },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...rest } = request.body;
      const created = await options.apiKeys.create({ ...rest, ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}) });
      request.audit.details = { keyId: created.id, role: rest.role, institutionCode: rest.institutionCode ?? null };
      return reply.status(201).send(created);
    },
  );

  routes.get(
    '/admin/api-keys',
    {
      config: { audit: { action: 'read', resourceType: 'api_key' } },
      schema: {
        tags: ['admin'],
        summary: 'List API keys (never their secrets)',
        description:
          'Every key with its name, prefix, role, institution, expiry and revocation; the secrets are never stored, so never listed.',
        response: {
          200: z.object({ apiKeys: z.array(apiKeySummary) }).meta({
            example: {
              apiKeys: [
                {
                  id: '5b0e3f0a-55b4-4a3e-9a55-8f0f4c2f2f11',
                  name: 'EHR push Lindehof',
                  prefix: 'crr_s-Rj5M',
                  role: 'institution',
                  institutionCode: 'lindehof',
                  createdAt: '2026-11-28T09:00:00.000Z',
                  expiresAt: null,
                  revokedAt: null,
                },
              ],
            },
          }),
        },
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
      config: { audit: { action: 'update', resourceType: 'api_key' } },
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key; it is refused from then on',
        description:
          'The key stays listed as revoked, for the audit trail; requests with it are refused with API_KEY_REVOKED. Answers 204 without a body.',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      await options.apiKeys.revoke(request.params.id);
      request.audit.details = { keyId: request.params.id, revoked: true };
      return reply.status(204).send(null);
    },
  );
}
