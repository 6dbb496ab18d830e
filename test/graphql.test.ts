import { buildClientSchema, getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
let authorization: string;
let researchHeaders: Record<string, string>;
beforeAll(async () => {
  t = await createTestApp({ GRAPHQL_MAX_COST: String(1e12) });
  ({ authorization } = await t.authorization('researcher'));
  researchHeaders = { authorization, 'x-purpose-of-use': 'system_test' };
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
    const response = await query({
      query: '{ programmes { code settings fixedOffer { activityTypeCode period coreElement } } instruments { code informants } }',
    });
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

  it('refuses data nested deeper than the limit, also when hidden in a named fragment', async () => {
    // Apart from the cost estimate (raised in this file's configuration), so the depth rule alone decides.
    const nest = (levels: number) =>
      `trajectories(first: 1) { nodes { ${'otherTrajectoriesOfSubject { '.repeat(levels)}id${' }'.repeat(levels)} } }`;
    for (const body of [`{ ${nest(8)} }`, `query Q { ...Hidden } fragment Hidden on Query { ${nest(8)} }`]) {
      const response = await query({ query: body }, researchHeaders);
      const errors = response.json().errors;
      expect(errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      expect(errors[0].message).toMatch(/depth limit of 10/);
      expect(response.json().data ?? null).toBeNull();
    }
    const deepest = await query({ query: `{ ${nest(7)} }` }, researchHeaders);
    expect(deepest.json().errors).toBeUndefined();
  });

  it("answers graphql-js's standard introspection query in development, which tools such as GraphiQL and code generators send", async () => {
    const response = await query({ query: getIntrospectionQuery() });
    expect(response.json().errors).toBeUndefined();
    const schema = buildClientSchema(response.json().data);
    expect(schema.getQueryType()?.getFields().trajectories).toBeDefined();
    // Introspection has a limit of its own.
    const deep = `{ __schema { types { fields { type ${'{ ofType '.repeat(20)}{ name }${' }'.repeat(20)} } } } }`;
    expect((await query({ query: deep })).json().errors[0].message).toMatch(/introspection query is nested/);
  });

  it('refuses, without expanding them, fragments that spread the next fragment many times', async () => {
    const levels = 24;
    const fragments = Array.from({ length: levels }, (_, index) =>
      index === levels - 1
        ? `fragment F${index} on Query { apiVersion }`
        : `fragment F${index} on Query { ...F${index + 1} apiVersion ...F${index + 1} }`,
    );
    const started = Date.now();
    const response = await query({ query: `query Q { ...F0 } ${fragments.join(' ')}` });
    expect(
      response
        .json()
        .errors.map((error: { message: string }) => error.message)
        .join(' '),
    ).toMatch(/more than 50000 selections/);
    // 2^24 expansions would take minutes; the bound stops it at once.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses batched queries', async () => {
    // Refused before GraphQL runs, so in the REST error shape (docs/api.md, "Security").
    const response = await query([{ query: '{ apiVersion }' }, { query: '{ apiVersion }' }]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'body' });
    expect(response.json().data).toBeUndefined();
  });
});
