import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
let authorization: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ authorization } = await t.authorization('researcher'));
});
afterAll(() => t.close());

const query = (body: unknown, headers: Record<string, string> = { authorization }) =>
  t.app.inject({ method: 'POST', url: '/graphql', headers, payload: body as object });

describe('GraphQL', () => {
  it('requires a key', async () => {
    const response = await query({ query: '{ apiVersion }' }, {});
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('UNAUTHENTICATED');
  });

  it('serves the catalogues and programmes with their fixed offer', async () => {
    const response = await query({ query: '{ programmes { code settings fixedOffer { activityTypeCode period coreElement } } instruments { code informants } }' });
    const { data } = response.json();
    expect(data.programmes).toHaveLength(8);
    const settings = new Set(data.programmes.flatMap((programme: { settings: string[] }) => programme.settings));
    expect([...settings].sort()).toEqual(['ambulatory', 'closed_residential', 'open_residential', 'small_scale_residential']);
    for (const programme of data.programmes) {
      const cores = new Set(programme.fixedOffer.map((item: { coreElement: string | null }) => item.coreElement).filter(Boolean));
      expect(cores.has('diagnostics_safety') && cores.has('mentor_conversations')).toBe(true);
    }
    const youthPerspective = data.instruments.filter((instrument: { code: string }) => instrument.code.startsWith('youth_perspective_'));
    expect(youthPerspective).toHaveLength(10);
  });

  it('answers a malformed query with the registry error code', async () => {
    const response = await query({ query: '{ noSuchField }' });
    expect(response.json().errors[0].extensions.code).toBe('VALIDATION_FAILED');
  });

  it('refuses queries deeper than the limit, also when hidden in a named fragment', async () => {
    const deep = '__schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }';
    for (const body of [`{ ${deep} }`, `query Q { ...Hidden } fragment Hidden on Query { ${deep} }`]) {
      const response = await query({ query: body });
      const errors = response.json().errors;
      expect(errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      expect(errors[0].message).toMatch(/depth/i);
      expect(response.json().data ?? null).toBeNull();
    }
    const shallow = await query({ query: '{ __schema { queryType { name } } }' });
    expect(shallow.json().data.__schema.queryType.name).toBe('Query');
  });

  it('refuses batched queries', async () => {
    // Refused before GraphQL runs, so in the REST error shape (README, "Security").
    const response = await query([{ query: '{ apiVersion }' }, { query: '{ apiVersion }' }]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'body' });
    expect(response.json().data).toBeUndefined();
  });
});
