import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

// `viewer` tells a client what its key is (the dashboard lands each role on a page it may read
// without a refused request first), and nothing about any other key.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const viewer = async (headers: Record<string, string>) => {
  const response = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers,
    payload: { query: '{ viewer { role institutionCode purposeOfUse } }' },
  });
  return { status: response.statusCode, body: response.json() };
};

describe('GraphQL viewer', () => {
  it("answers each role with its own role, its institution only for an institution's key, and the purpose it sent", async () => {
    for (const role of ['institution', 'researcher', 'funder', 'auditor', 'admin', 'privacy_officer'] as const) {
      const { authorization } = await t.authorization(role, role === 'institution' ? 'vuurtorenhuis' : undefined);
      const { status, body } = await viewer({ authorization, 'x-purpose-of-use': 'quality_improvement' });
      expect(status).toBe(200);
      expect(body.data.viewer).toEqual({
        role,
        institutionCode: role === 'institution' ? 'vuurtorenhuis' : null,
        purposeOfUse: 'quality_improvement',
      });
    }
    const { authorization } = await t.authorization('funder');
    expect((await viewer({ authorization })).body.data.viewer.purposeOfUse).toBeNull();
  });

  it('is refused without a key', async () => {
    const { status, body } = await viewer({});
    expect(status).toBe(401);
    expect(body.code).toBe('UNAUTHENTICATED');
  });
});
