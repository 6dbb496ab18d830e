import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

// One log line per answered request, naming the route pattern (/api/v1/trajectories/:reference),
// never the path or query string as sent: those carry references, registry keys and whatever a
// client put in them, refused identifiers included. (Fastify's own request logging, which logs
// the raw URL, is turned off in app.ts.)

/** The matched route's pattern, or a fixed word for a request that matched none. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? '(no route)';
}

export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(
        { method: request.method, route: routeOf(request), statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime) },
        'request completed',
      );
    });
  },
  { name: 'request-log' },
);
