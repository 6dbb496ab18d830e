import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors } from '../lib/errors';
import type { Role } from '../lib/vocabulary';

// One typed scope per request (issue #16), like supabase/storage's tenant hook: who calls
// (principal and role), for which institution if the key belongs to one, and for which declared
// purpose. Set once, after authentication and the purpose header have been read; repositories of
// records take it as a required argument instead of a bare institution id.

export interface RequestScope {
  principalId: string;
  role: Role;
  /** The one institution the key acts for; null for every role but `institution`. */
  institution: { id: string; code: string } | null;
  /** The declared purpose of use (x-purpose-of-use) in its stored form, or null. */
  purpose: string | null;
}

/** The scope of an institution's own records: an institution key's. */
export interface InstitutionScope extends RequestScope {
  role: 'institution';
  institution: { id: string; code: string };
}

/**
 * The registry's own maintenance (the indicator maintainer): every record, no request behind it.
 * Never set on a request; code that reads with it says so by naming REGISTRY_SCOPE.
 */
export interface RegistryScope {
  role: 'registry';
}
export const REGISTRY_SCOPE: RegistryScope = Object.freeze({ role: 'registry' });

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once in onRequest on every authenticated route; null on public ones. */
    scope: RequestScope | null;
  }
}

export const requestScopePlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('scope', null);
    app.addHook('onRequest', async (request) => {
      const { principal } = request;
      if (!principal) return;
      const institution =
        principal.institutionId && principal.institutionCode ? { id: principal.institutionId, code: principal.institutionCode } : null;
      request.scope = { principalId: principal.keyId, role: principal.role, institution, purpose: request.purposeOfUse };
    });
  },
  // Its hook runs after theirs: the principal and the purpose are known by then.
  { name: 'request-scope', dependencies: ['authentication', 'request-metadata'] },
);

/** The scope of an authenticated route; throws if a route forgot to require a key. */
export function scopeOf(request: FastifyRequest): RequestScope {
  if (!request.scope) throw errors.unauthenticated();
  return request.scope;
}

/** The scope of a route for institutions: refused for a key that acts for none. */
export function institutionScopeOf(request: FastifyRequest): InstitutionScope {
  const scope = scopeOf(request);
  if (scope.role !== 'institution' || !scope.institution) throw errors.forbidden('This resource is for role institution.');
  return scope as InstitutionScope;
}
