import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { institutionScopeOf, scopeOf } from '../src/plugins/request-scope';
import { createInstitution } from './helpers/institution-fixture';
import { createTestApp, type TestApp } from './helpers/test-app';

// One typed scope per request (plugins/request-scope.ts): set once from the key and the declared
// purpose, and what the record repositories are given instead of a bare institution id.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, (app) => {
    // Routes of this test only (hidden from the OpenAPI document), answering with the scope they were given.
    app.get('/test/scope', { schema: { hide: true } }, async (request: FastifyRequest) => ({ scope: scopeOf(request) }));
    app.get('/test/institution-scope', { schema: { hide: true } }, async (request: FastifyRequest) => ({
      scope: institutionScopeOf(request),
    }));
  });
});
afterAll(() => t.close());

const ask = (url: string, headers: Record<string, string>) => t.app.inject({ url, headers });

describe('the request scope', () => {
  it("holds an institution key's principal, role and institution", async () => {
    const institution = await createInstitution(t);
    const response = await ask('/test/scope', { authorization: institution.authorization });
    expect(response.json().scope).toEqual({
      principalId: institution.keyId,
      role: 'institution',
      institution: { id: institution.id, code: institution.code },
      purpose: null,
    });
    expect((await ask('/test/institution-scope', { authorization: institution.authorization })).json().scope.institution.id).toBe(
      institution.id,
    );
  });

  it("holds a researcher's declared purpose and no institution, and refuses her an institution's scope", async () => {
    const { authorization, keyId } = await t.authorization('researcher');
    const response = await ask('/test/scope', { authorization, 'x-purpose-of-use': 'programme_evaluation' });
    expect(response.json().scope).toEqual({ principalId: keyId, role: 'researcher', institution: null, purpose: 'programme_evaluation' });
    const refused = await ask('/test/institution-scope', { authorization, 'x-purpose-of-use': 'programme_evaluation' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('FORBIDDEN');
  });

  it('is never set without a key', async () => {
    const response = await ask('/test/scope', {});
    expect(response.statusCode).toBe(401);
  });
});
