// OWASP API Security Top 10 (2023), continued (see owasp-api-top10.test.ts for the index):
//   API4 unrestricted resource consumption — request bodies, bulk streams and their lines, page sizes, GraphQL
//        depth, aliases, directives, estimated cost and batching each have a limit, and every route but the
//        health checks has a rate limit per API key (per address without one) and a lockout after failed
//        authentications. Each refusal is a 4xx with the registry's code and writes nothing.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Operation, fillPath, isPublic, openApiDocument, operationsOf } from './helpers/api-surface';
import { measurementBody, ndjson, trajectoryBody, uniqueReference } from './helpers/records';
import { createScopedWorld, recordFingerprint, type ScopedWorld } from './helpers/scoped-world';
import { createTestApp, type TestApp } from './helpers/test-app';

const BODY_LIMIT = 4_096;

describe('API4 size, page and query limits', () => {
  let t: TestApp;
  let world: ScopedWorld;
  let operations: Operation[];
  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT_BYTES: String(BODY_LIMIT), INGEST_MAX_BYTES: '8192', INGEST_MAX_LINE_BYTES: '1024' });
    operations = operationsOf(await openApiDocument(t.app)).filter((operation) => !isPublic(operation));
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    world = await createScopedWorld(t);
  });

  const keyFor = (operation: Operation) =>
    operation.path.startsWith('/api/v1/audit')
      ? world.keys.auditor
      : operation.path.startsWith('/api/v1/admin')
        ? world.keys.admin
        : world.a.authorization;
  const graphql = (query: string, variables: Record<string, unknown> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: world.keys.researcher, 'x-purpose-of-use': 'system_test' },
      payload: { query, variables },
    });
  const graphqlCodes = async (query: string) =>
    ((await graphql(query)).json().errors ?? []).map((error: { extensions: { code: string } }) => error.extensions.code);

  it('refuses a JSON body over the limit on every route that takes one, and on GraphQL: 413, nothing written', async () => {
    const before = await recordFingerprint(t);
    const withJsonBody = operations.filter((operation) => operation.requestBody?.content['application/json']);
    expect(withJsonBody.length).toBeGreaterThan(8);
    const oversized = JSON.stringify({ ...trajectoryBody(), padding: 'x'.repeat(BODY_LIMIT) });
    for (const operation of withJsonBody) {
      const response = await t.app.inject({
        method: operation.method,
        url: fillPath(operation.path, { reference: uniqueReference('BIG'), id: world.a.reportId, measure: 'overview' }),
        headers: { authorization: keyFor(operation), 'content-type': 'application/json' },
        payload: oversized,
      });
      expect(response.statusCode, `${operation.method} ${operation.path}`).toBe(413);
      expect(response.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
    const query = `{ apiVersion } # ${'x'.repeat(BODY_LIMIT)}`;
    const response = await graphql(query);
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('PAYLOAD_TOO_LARGE');
    expect(await recordFingerprint(t)).toEqual(before);
  });

  it('bulk streams: a stream over INGEST_MAX_BYTES is 413 and a line over INGEST_MAX_LINE_BYTES is refused; nothing written', async () => {
    const before = await recordFingerprint(t);
    const line = (index: number) => ({
      type: 'measurement',
      reference: uniqueReference(`S${index}`),
      ...measurementBody(world.a.trajectory),
    });
    const headers = { authorization: world.a.authorization, 'content-type': 'application/x-ndjson' };
    const tooLong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers,
      payload: ndjson([{ ...line(0), trajectoryReference: world.a.trajectory, padding: 'x'.repeat(2_000) }]),
    });
    expect(tooLong.statusCode).toBeGreaterThanOrEqual(400);
    expect(tooLong.statusCode).toBeLessThan(500);
    expect(JSON.stringify(tooLong.json())).toContain('LINE_TOO_LONG');
    const tooMuch = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers,
      payload: ndjson(Array.from({ length: 80 }, (_, index) => line(index))),
    });
    expect(tooMuch.statusCode).toBe(413);
    expect(tooMuch.json().code).toBe('PAYLOAD_TOO_LARGE');
    expect(await recordFingerprint(t)).toEqual(before);
  });

  it('refuses a page larger than documented on every paged REST route, and on GraphQL', async () => {
    const paged = operations.flatMap((operation) =>
      operation.parameters
        .filter((parameter) => parameter.in === 'query' && parameter.name === 'limit')
        .map((parameter) => ({ operation, maximum: parameter.schema.maximum! })),
    );
    expect(paged.map(({ operation }) => operation.path).sort()).toEqual(['/api/v1/audit/events', '/api/v1/trajectories']);
    for (const { operation, maximum } of paged) {
      expect(maximum).toBeLessThanOrEqual(1_000);
      for (const limit of [maximum + 1, 0, 10 ** 12]) {
        const response = await t.app.inject({ url: `${operation.path}?limit=${limit}`, headers: { authorization: keyFor(operation) } });
        expect(response.statusCode, `${operation.path}?limit=${limit}`).toBe(400);
        expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'querystring.limit' });
      }
    }
    for (const first of [101, 0, -1]) {
      const response = (await graphql(`{ trajectories(first: ${first}) { nodes { id } } }`)).json();
      expect(response.errors[0].extensions, `first: ${first}`).toMatchObject({ code: 'VALIDATION_FAILED', field: 'first' });
    }
    // The page size in a variable is checked the same way.
    const variable = (await graphql('query($n: Int) { trajectories(first: $n) { nodes { id } } }', { n: 1_000 })).json();
    expect(variable.errors[0].extensions.code).toBe('VALIDATION_FAILED');
  });

  it('GraphQL: depth, aliases, directives, estimated cost, fragment cycles and batches are refused before anything runs', async () => {
    // Data nested past the depth limit (10); graphql.test.ts shows the limit apart from the cost estimate.
    const nest = (levels: number) =>
      `{ trajectories(first: 1) { nodes { ${'otherTrajectoriesOfSubject { '.repeat(levels)}id${' }'.repeat(levels)} } } }`;
    expect(await graphqlCodes(nest(2))).toEqual([]);
    expect(await graphqlCodes(nest(8))).toContain('VALIDATION_FAILED');
    const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, index) => `a${index}: apiVersion`).join(' ')} }`;
    expect(await graphqlCodes(aliases(15))).toEqual([]);
    expect(await graphqlCodes(aliases(16))).toEqual(['VALIDATION_FAILED']);
    expect(await graphqlCodes(`{ apiVersion ${'@include(if: true) '.repeat(11)}}`)).toContain('VALIDATION_FAILED');
    const costly = `{ trajectories(first: 100) { nodes { series { observations { value } } careActivities { day } otherTrajectoriesOfSubject { series { observations { value } } } } } }`;
    const refused = (await graphql(costly)).json();
    expect(refused.errors[0].extensions.code).toBe('VALIDATION_FAILED');
    expect(refused.errors[0].message).toMatch(/estimated cost/);
    expect(refused.data ?? null).toBeNull();
    expect(await graphqlCodes('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }')).toContain('VALIDATION_FAILED');
    const batch = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: world.keys.researcher },
      payload: Array.from({ length: 50 }, () => ({ query: '{ apiVersion }' })),
    });
    expect(batch.statusCode).toBe(400);
    expect(batch.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
    expect(batch.json().data).toBeUndefined();
  });
});

describe('API4 rate limits', () => {
  let t: TestApp;
  const LIMIT = 5;
  const FAILURES = 3;
  // An app per test: the limits count per address, and every test here comes from the same one,
  // so a test run after another found the address already counted (or locked out).
  beforeEach(async () => {
    t = await createTestApp({ RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_AUTH_FAILURES: String(FAILURES), RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterEach(() => t.close());

  const expectRateLimited = (response: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> }) => {
    expect(response.statusCode).toBe(429);
    expect(response.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Object.keys(response.json()).sort()).toEqual(['code', 'message', 'requestId', 'status']);
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  };

  it('counts per API key: over the limit a key gets 429 RATE_LIMITED with Retry-After on REST and GraphQL, nothing written; another key is unaffected', async () => {
    const { authorization } = await t.authorization('institution', 'vuurtorenhuis');
    const other = await t.authorization('institution', 'vuurtorenhuis');
    for (let index = 1; index <= LIMIT; index += 1) {
      const response = await t.app.inject({ url: '/api/v1/programmes', headers: { authorization } });
      expect(response.statusCode).toBe(200);
      expect(Number(response.headers['x-ratelimit-remaining'])).toBe(LIMIT - index);
    }
    const before = await recordFingerprint(t);
    expectRateLimited(await t.app.inject({ url: '/api/v1/programmes', headers: { authorization } }));
    expectRateLimited(
      await t.app.inject({
        method: 'PUT',
        url: `/api/v1/trajectories/${uniqueReference('RL')}`,
        headers: { authorization },
        payload: trajectoryBody(),
      }),
    );
    expectRateLimited(
      await t.app.inject({ method: 'POST', url: '/graphql', headers: { authorization }, payload: { query: '{ apiVersion }' } }),
    );
    expect(await recordFingerprint(t)).toEqual(before);
    // The same address, another key: its own count.
    expect((await t.app.inject({ url: '/api/v1/programmes', headers: { authorization: other.authorization } })).statusCode).toBe(200);
  });

  it('never limits the health checks', async () => {
    for (let index = 0; index < LIMIT * 3; index += 1) {
      const response = await t.app.inject({ url: index % 2 ? '/health/live' : '/health/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('counts public pages and unknown routes per address', async () => {
    for (let index = 0; index < LIMIT; index += 1) expect((await t.app.inject({ url: `/no/such/route/${index}` })).statusCode).toBe(404);
    expectRateLimited(await t.app.inject({ url: '/no/such/route' }));
    expectRateLimited(await t.app.inject({ url: '/docs/json' }));
  });

  it('refuses an address after too many failed authentications, even with a valid key, before the key is looked up', async () => {
    const valid = await t.authorization('researcher');
    for (let index = 0; index < FAILURES; index += 1) {
      expect(
        (await t.app.inject({ url: '/api/v1/programmes', headers: { authorization: `Bearer crr_${String(index).repeat(43)}` } }))
          .statusCode,
      ).toBe(401);
    }
    expectRateLimited(await t.app.inject({ url: '/api/v1/programmes', headers: { authorization: valid.authorization } }));
    expectRateLimited(
      await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: valid.authorization },
        payload: { query: '{ apiVersion }' },
      }),
    );
    // Health checks still answer: a locked-out address can still be told the service is up.
    expect((await t.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    // And the refusals are in the audit trail.
    const [event] = await t.database
      .query<{ status_code: number; outcome: string; details: { code?: string } }>(
        'select status_code, outcome, details from audit_events order by chain_position desc limit 1',
      )
      .then((result) => result.rows);
    expect(event).toMatchObject({ status_code: 429, outcome: 'refused', details: { code: 'RATE_LIMITED' } });
  });
});
