import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { errors } from '../../lib/errors';

const healthBody = z.object({ status: z.literal('ok') }).meta({ example: { status: 'ok' } });

/** Liveness (the process answers) and readiness (the database answers). */
export async function healthModule(app: FastifyInstance, options: { database: Database; readinessTimeoutMs?: number }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const timeoutMs = options.readinessTimeoutMs ?? 2_000;

  routes.get(
    '/health/live',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        description: 'Answers without touching the database: for a liveness probe (restart the process when it fails).',
        response: { 200: healthBody },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  routes.get(
    '/health/ready',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'The database answers; 503 otherwise',
        description:
          'For a readiness probe: the database must answer within a short timeout; 503 with Retry-After while it does not, or while the service shuts down.',
        response: { 200: healthBody },
      },
    },
    async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('readiness check timed out')), timeoutMs);
      });
      try {
        await Promise.race([options.database.ping(), timeout]);
      } catch (error) {
        throw errors.databaseUnavailable(error);
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ok' as const };
    },
  );
}
