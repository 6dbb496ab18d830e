// OWASP API Security Top 10 (2023), continued (see owasp-api-top10.test.ts for the index):
//   API2 broken authentication — every documented operation and GraphQL refuse a missing, garbled, unknown,
//        expired or revoked key alike, and a key is taken from the headers only;
//   injection (API8:2019; in the 2023 edition part of API8 and API10) — SQL and NoSQL meta-characters, template
//        and path tricks, unicode and huge values in every REST path and query parameter and every GraphQL filter
//        argument: a 4xx with a code, never a 5xx, and no effect.

import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiKeys } from '../src/db/schema';
import { type JsonSchema, type Operation, fillPath, isPublic, openApiDocument, operationsOf } from './helpers/api-surface';
import { enumValuesOf, kindOf, namedType, schemaOf } from './helpers/graphql-surface';
import { createScopedWorld, recordFingerprint, referencesOf, type ScopedWorld } from './helpers/scoped-world';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
let world: ScopedWorld;
let operations: Operation[];

beforeAll(async () => {
  // This file sends hundreds of failed authentications from one address on purpose.
  t = await createTestApp({ RATE_LIMIT_AUTH_FAILURES: '100000' });
  operations = operationsOf(await openApiDocument(t.app)).filter((operation) => !isPublic(operation));
});
afterAll(() => t.close());
// A world of its own per test: two fresh institutions, so no test sees what another wrote.
beforeEach(async () => {
  world = await createScopedWorld(t);
});

const PATH_VALUES = () => ({ reference: world.a.trajectory, id: world.a.reportId, measure: 'overview' });
const request = (operation: Operation, headers: Record<string, string>, url = fillPath(operation.path, PATH_VALUES())) => ({
  method: operation.method,
  url,
  headers: { ...headers, ...(operation.requestBody ? { 'content-type': Object.keys(operation.requestBody.content)[0]! } : {}) },
  ...(operation.requestBody ? { payload: operation.method === 'POST' && operation.path.endsWith('/ingest') ? '\n' : '{}' } : {}),
});

describe('API2 broken authentication', () => {
  it('refuses a missing, garbled or unknown key on every operation and on GraphQL, with one answer that reveals nothing', async () => {
    const valid = world.a.authorization.slice('Bearer '.length);
    const garbled: Array<Record<string, string>> = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `Bearer crr_${'A'.repeat(43)}` },
      { authorization: 'Bearer crr_short' },
      { authorization: `Bearer ${valid}x` },
      { authorization: `Bearer ${valid.slice(0, -1)}` },
      { authorization: `Bearer ${valid.slice(0, -1)}${valid.endsWith('A') ? 'B' : 'A'}` },
      { authorization: `Bearer ${valid} ${valid}` },
      { authorization: `Token ${valid}` },
      { authorization: `Basic ${Buffer.from(`user:${valid}`).toString('base64')}` },
      { authorization: `Bearer ${valid}'--` },
      { 'x-api-key': '' },
      { 'x-api-key': `${valid}' OR '1'='1` },
      // A garbled Authorization header is not rescued by a valid X-API-Key.
      { authorization: 'Bearer nonsense', 'x-api-key': valid },
    ];
    const before = await recordFingerprint(t);
    const targets = [
      ...operations.map((operation) => ({
        name: `${operation.method} ${operation.path}`,
        build: (headers: Record<string, string>) => request(operation, headers),
      })),
      {
        name: 'POST /graphql',
        build: (headers: Record<string, string>) => ({
          method: 'POST' as const,
          url: '/graphql',
          headers,
          payload: { query: '{ apiVersion }' },
        }),
      },
    ];
    // Every variant on GraphQL and one REST route; on the others a missing, an unknown and an almost-right key.
    const sample = [garbled[0]!, garbled[4]!, garbled[8]!];
    for (const [index, target] of targets.entries()) {
      const bodies = new Set<string>();
      for (const headers of index === 0 || index === targets.length - 1 ? garbled : sample) {
        const presented = Boolean(headers.authorization || 'x-api-key' in headers);
        const response = await t.app.inject(target.build(headers));
        expect(response.statusCode, `${target.name} ${JSON.stringify(headers)}: ${response.body}`).toBe(401);
        const { requestId, ...body } = response.json();
        expect(requestId).toBe(response.headers['x-request-id']);
        expect(body.code).toBe('UNAUTHENTICATED');
        expect(response.headers['x-ratelimit-remaining'], 'refused before any rate-limit bucket of a key').toBeUndefined();
        if (presented) bodies.add(JSON.stringify(body));
        else expect(body.message).toMatch(/An API key is required/);
      }
      // Unknown, malformed and almost-right keys get the same answer: no oracle for guessing.
      expect([...bodies], target.name).toHaveLength(1);
      expect(JSON.parse([...bodies][0]!).message).toBe('The API key is not valid.');
    }
    expect(await recordFingerprint(t)).toEqual(before);
  });

  it('takes a key from the headers only, never from the query string or the body', async () => {
    const valid = world.a.authorization.slice('Bearer '.length);
    for (const url of [
      `/api/v1/trajectories?api_key=${valid}`,
      `/api/v1/trajectories?access_token=${valid}`,
      `/api/v1/trajectories?authorization=Bearer%20${valid}`,
    ]) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(401);
    }
    const inBody = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: '{ apiVersion }', authorization: `Bearer ${valid}`, extensions: { apiKey: valid } },
    });
    expect(inBody.statusCode).toBe(401);
  });

  it('refuses an expired and a revoked key everywhere, at once, with their own codes', async () => {
    const expired = await t.authorization('institution', world.a.code, { expiresAt: new Date(Date.now() + 60_000) });
    const revoked = await t.authorization('institution', world.a.code);
    const graphql = (authorization: string) => ({
      method: 'POST' as const,
      url: '/graphql',
      headers: { authorization },
      payload: { query: '{ trajectories(first: 1) { nodes { id } } }' },
    });
    // Both work first, so a refusal below is the expiry or revocation and nothing else.
    expect((await t.app.inject(graphql(expired.authorization))).statusCode).toBe(200);
    expect((await t.app.inject(graphql(revoked.authorization))).statusCode).toBe(200);
    await t.database.orm
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(apiKeys.id, expired.keyId));
    const revocation = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/api-keys/${revoked.keyId}`,
      headers: { authorization: world.keys.admin },
    });
    expect(revocation.statusCode).toBe(204);
    for (const [key, code] of [
      [expired.authorization, 'API_KEY_EXPIRED'],
      [revoked.authorization, 'API_KEY_REVOKED'],
    ] as const) {
      for (const build of [...operations.map((operation) => (authorization: string) => request(operation, { authorization })), graphql]) {
        const response = await t.app.inject(build(key));
        expect(response.statusCode, `${code} ${response.body}`).toBe(401);
        expect(response.json().code, `${build(key).method} ${build(key).url}`).toBe(code);
      }
    }
  });

  it('issues no key that is expired already or has no role', async () => {
    const before = await recordFingerprint(t);
    for (const payload of [
      { name: 'x', role: 'researcher', expiresAt: '2020-01-01T00:00:00Z' },
      { name: 'x' },
      { name: 'x', role: 'root' },
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/admin/api-keys',
        headers: { authorization: world.keys.admin },
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.body).not.toMatch(/crr_/);
    }
    expect(await recordFingerprint(t)).toEqual(before);
  });
});

/** Strings an attacker tries in any parameter. */
const INJECTIONS = [
  "' OR '1'='1",
  '1; DROP TABLE trajectories; --',
  '") OR 1=1 --',
  "x' UNION SELECT registry_key FROM subjects --",
  "vuurtorenhuis' OR institution_id IS NOT NULL --",
  '$ne',
  '{"$gt": ""}',
  '../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload, sent as literal text
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '\u202Egnp.exe',
  'Ａ＇ ＯＲ ＇１＇＝＇１',
  'e\u0301\u0301\u0301\u0301',
  '🙂'.repeat(40),
  '\u0000',
  'x\u0000y',
  '\uFFFE\uFFFF',
  'x'.repeat(5_000),
  '9'.repeat(400),
  '1e309',
  '-1',
  'NaN',
  '[]',
  'null',
  'true',
];

/** A sample for REST parameters, whose schemas refuse by pattern, enum or range: one of each kind of trick. */
const REST_INJECTIONS = [
  "' OR '1'='1",
  "x' UNION SELECT registry_key FROM subjects --",
  '{"$gt": ""}',
  '../../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload, sent as literal text
  '${7*7}{{7*7}}',
  '\u202Egnp.exe',
  'Ａ＇ ＯＲ ＇１＇＝＇１',
  '🙂'.repeat(40),
  '\u0000',
  'x'.repeat(5_000),
  '9'.repeat(400),
  '1e309',
  '-1',
  'NaN',
];

/** Does the parameter's documented schema admit this value (as it arrives, a string)? */
function accepts(schema: JsonSchema, value: string): boolean {
  if (schema.enum) return schema.enum.includes(value);
  if (schema.type === 'integer' || schema.type === 'number') {
    const number = Number(value);
    return (
      value.trim() !== '' &&
      Number.isFinite(number) &&
      (schema.type === 'number' || Number.isInteger(number)) &&
      number >= (schema.minimum ?? -Infinity) &&
      number <= (schema.maximum ?? Infinity)
    );
  }
  if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return false;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
  return !(schema.minLength !== undefined && value.length < schema.minLength);
}

describe('injection in every REST parameter', () => {
  /** The role whose job the operation is (so the parameter is what refuses, not the role check). */
  const roleOf = (operation: Operation) =>
    operation.path.startsWith('/api/v1/audit')
      ? world.keys.auditor
      : operation.path.startsWith('/api/v1/admin')
        ? world.keys.admin
        : world.a.authorization;

  it('path and query parameters: a 4xx with a code, never a 5xx, nothing written, nothing disclosed', async () => {
    const before = await recordFingerprint(t);
    const referencesOfB = await referencesOf(t, world.b.code);
    let tried = 0;
    for (const operation of operations) {
      const parameters = operation.parameters.filter((parameter) => parameter.in === 'path' || parameter.in === 'query');
      for (const parameter of parameters) {
        for (const payload of REST_INJECTIONS) {
          const values = { ...PATH_VALUES(), ...(parameter.in === 'path' ? { [parameter.name]: payload } : {}) };
          const path =
            parameter.in === 'path' ? operation.path.replace(`{${parameter.name}}`, encodeURIComponent(payload)) : operation.path;
          const query = parameter.in === 'query' ? `?${parameter.name}=${encodeURIComponent(payload)}` : '';
          const response = await t.app.inject(
            request(
              operation,
              { authorization: roleOf(operation), 'x-purpose-of-use': 'system_test' },
              `${fillPath(path, values)}${query}`,
            ),
          );
          const name = `${operation.method} ${operation.path} ${parameter.name}=${JSON.stringify(payload).slice(0, 40)}`;
          expect(response.statusCode, `${name}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
          if (accepts(parameter.schema, payload)) {
            // A legitimate value of the parameter (a reference may be "1e309"): answered as such, within scope.
            for (const reference of referencesOfB) expect(response.body, name).not.toContain(reference);
          } else {
            expect(response.statusCode, `${name}: ${response.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
            expect(response.json().code, name).toMatch(/^[A-Z_]+$/);
          }
          // The refusal does not echo a hostile value back.
          if (payload.length > 5 && /[^A-Za-z0-9]/.test(payload)) expect(response.body, name).not.toContain(payload);
          tried += 1;
        }
      }
    }
    expect(tried).toBeGreaterThan(200);
    expect(await recordFingerprint(t)).toEqual(before);
  });

  it('parameter names and shapes: prototype keys, repeated and nested parameters are refused', async () => {
    const before = await recordFingerprint(t);
    const auditor = { authorization: world.keys.auditor };
    const institution = { authorization: world.a.authorization };
    const cases = [
      { url: '/api/v1/trajectories?__proto__[limit]=1', headers: institution },
      { url: '/api/v1/trajectories?constructor[prototype][limit]=1', headers: institution },
      { url: '/api/v1/trajectories?limit=1&limit=2', headers: institution },
      { url: '/api/v1/trajectories?after[$gt]=', headers: institution },
      { url: '/api/v1/statistics/overview?groupBy=programme&groupBy=gender', headers: institution },
      { url: '/api/v1/statistics/overview?groupBy[]=programme', headers: institution },
      { url: '/api/v1/audit/events?action=read&action=update', headers: auditor },
      { url: '/api/v1/audit/events?institutionCode[$ne]=x', headers: auditor },
      { url: '/api/v1/audit/events?orderBy=registry_key', headers: auditor },
    ];
    for (const request of cases) {
      const response = await t.app.inject(request);
      expect(response.statusCode, `${request.url}: ${response.body}`).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
    expect(({} as Record<string, unknown>).limit).toBeUndefined();
    expect(await recordFingerprint(t)).toEqual(before);
  });
});

describe('injection in every GraphQL filter argument', () => {
  const graphql = async (authorization: string, query: string, variables: Record<string, unknown> = {}) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization, 'x-purpose-of-use': 'system_test' },
      payload: { query, variables },
    });
    expect(response.statusCode, response.body).toBeLessThan(500);
    return response.json() as {
      data?: Record<string, { nodes: Array<{ id: string }> }> | null;
      errors?: Array<{ extensions: { code: string } }>;
    };
  };

  it('free-text filters match nothing and fail nothing; typed filters refuse the wrong type with VALIDATION_FAILED', async () => {
    const filter = schemaOf(t.app).getType('TrajectoryFilter') as unknown as {
      getFields(): Record<string, { name: string; type: Parameters<typeof namedType>[0] }>;
    };
    const fields = Object.values(filter.getFields());
    expect(fields.length).toBeGreaterThan(8);
    const before = await recordFingerprint(t);
    for (const key of [world.a.authorization, world.keys.researcher]) {
      for (const field of fields) {
        const type = namedType(field.type);
        if (type.name !== 'String' && key !== world.keys.researcher) continue;
        const query = `query($filter: TrajectoryFilter) { trajectories(first: 100, filter: $filter) { nodes { id } } }`;
        // The filter works with a real value, so "no rows" below means the payload matched nothing.
        const real =
          kindOf(type) === 'enum'
            ? enumValuesOf(type)[0]
            : type.name === 'Int'
              ? 10
              : type.name === 'Boolean'
                ? true
                : field.name === 'institution'
                  ? world.a.code
                  : field.name === 'programme'
                    ? world.a.programme
                    : '2024-01';
        const baseline = await graphql(key, query, { filter: { [field.name]: real } });
        expect(baseline.errors, `${field.name}=${real}: ${JSON.stringify(baseline.errors)}`).toBeUndefined();
        if (['institution', 'programme'].includes(field.name))
          expect(baseline.data!.trajectories!.nodes.length, field.name).toBeGreaterThan(0);
        // Free text reaches SQL (as a parameter): every payload. Typed values stop at GraphQL's coercion: a sample.
        const payloads =
          type.name === 'String'
            ? [...INJECTIONS, { $ne: null }, ['vuurtorenhuis']]
            : ["' OR '1'='1", '\u0000', 'x'.repeat(5_000), 2 ** 31, -(2 ** 53), 1.5, { $ne: null }, ['x']];
        for (const payload of payloads) {
          const result = await graphql(key, query, { filter: { [field.name]: payload } });
          const name = `${field.name}=${JSON.stringify(payload).slice(0, 40)}`;
          const codes = (result.errors ?? []).map((error) => error.extensions.code);
          expect(
            codes.filter((code) => code !== 'VALIDATION_FAILED'),
            name,
          ).toEqual([]);
          if (codes.length === 0) {
            // Accepted as a value of its type: it must select nothing beyond what a real value could.
            expect(['institution', 'programme'], name).toContain(field.name);
            expect(result.data!.trajectories!.nodes, name).toEqual([]);
          }
        }
      }
    }
    expect(await recordFingerprint(t)).toEqual(before);
  });

  it('ids, cursors, page sizes and N=1 arguments: refused or empty, never an error of ours', async () => {
    const probes: Array<[string, Record<string, unknown>]> = [];
    for (const payload of INJECTIONS) {
      probes.push(['query($id: ID!) { trajectory(id: $id) { id } }', { id: payload }]);
      probes.push(['query($after: String) { trajectories(first: 5, after: $after) { nodes { id } } }', { after: payload }]);
      probes.push([
        'query($after: String) { trajectories(first: 5, after: $after) { nodes { id } } }',
        { after: Buffer.from(payload).toString('base64url') },
      ]);
      probes.push([
        `query($type: String) { trajectory(id: "${world.a.ids.granted}") { series { nonOverlap(phaseStartActivityType: $type) { reason } } } }`,
        { type: payload },
      ]);
    }
    for (const first of [0, -1, 2 ** 31 - 1, 2 ** 31, 1e100, '10', null])
      probes.push(['query($first: Int) { trajectories(first: $first) { nodes { id } } }', { first }]);
    for (const day of [-(2 ** 31), 2 ** 31 - 1, 0.5, 'NaN'])
      probes.push([
        `query($day: Int) { trajectory(id: "${world.a.ids.granted}") { series { nonOverlap(phaseStartDay: $day) { nap } } } }`,
        { day },
      ]);
    for (const [query, variables] of probes) {
      const result = await graphql(world.keys.researcher, query, variables);
      const codes = (result.errors ?? []).map((error) => error.extensions.code);
      expect(
        codes.filter((code) => code !== 'VALIDATION_FAILED'),
        `${query} ${JSON.stringify(variables).slice(0, 60)}`,
      ).toEqual([]);
      if (codes.length === 0 && 'id' in variables) expect(result.data!.trajectory).toBeNull();
      if (codes.length === 0 && 'after' in variables) expect(result.data!.trajectories!.nodes).toEqual([]);
    }
  });
});
