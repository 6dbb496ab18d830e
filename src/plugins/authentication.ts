import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors } from '../lib/errors';
import type { Role } from '../lib/vocabulary';
import type { ApiKeysService, Principal } from '../modules/api-keys/api-keys.service';
import { replyWithError } from './error-handler';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes that answer without an API key (health checks, documentation). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The caller, resolved once in onRequest; null only on public routes. */
    principal: Principal | null;
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? '';
  }
  const alternative = request.headers['x-api-key'];
  return typeof alternative === 'string' ? alternative : undefined;
}

export const authenticationPlugin = fp(
  async (app: FastifyInstance, options: { apiKeys: ApiKeysService }) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request, reply) => {
      // Unknown routes fall through to the not-found handler; the route list is public anyway.
      if (request.routeOptions.config.public || request.routeOptions.url === undefined) return;
      try {
        const key = presentedKey(request);
        if (key === undefined) throw errors.unauthenticated();
        request.principal = await options.apiKeys.authenticate(key);
      } catch (error) {
        // Answered here rather than thrown: a route with an error handler of its own (Mercurius
        // formats errors for GraphQL) would answer an expired or revoked key as a missing one.
        return replyWithError(request, reply, error);
      }
    });
  },
  { name: 'authentication', dependencies: ['error-handler'] },
);

/** The principal of an authenticated route; throws if a route forgot to require one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw errors.unauthenticated();
  return request.principal;
}

/** A preHandler that admits only the given roles. */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = principalOf(request);
    if (!roles.includes(principal.role)) {
      throw errors.forbidden(`This resource is for role ${roles.join(' or ')}; your key has role ${principal.role}.`);
    }
  };
}
