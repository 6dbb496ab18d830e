import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';
import { uniqueReference } from './helpers/records';

// Small holes of issue #27, item 3: integers in query strings read strictly, content
// negotiation on the statistics routes, and aliases of __typename counted. Each refusal is a 4xx
// in the error shape, naming the field, writes nothing and is audited.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function auditedRefusal(response: { headers: Record<string, unknown> }, code: string) {
  await t.app.auditLog.settle();
  const { rows } = await t.database.query<{ outcome: string; details: { code?: string } | null }>(
    'select outcome, details from audit_events where request_id = $1',
    [String(response.headers['x-request-id'])],
  );
  expect(rows[0]).toMatchObject({ outcome: 'refused', details: { code } });
}

describe('integers in query strings', () => {
  const NOT_DECIMAL = ['0x10', '1e2', ' 5 ', '5 ', '', '+5', '5.0', '٥', '1_0', 'Infinity'];

  it('are refused unless written in decimal digits, naming the parameter', async () => {
    const institution = await t.authorization('institution');
    const auditor = await t.authorization('auditor');
    const routes = [
      { url: '/api/v1/trajectories', parameter: 'limit', authorization: institution.authorization },
      { url: '/api/v1/audit/events', parameter: 'limit', authorization: auditor.authorization },
      { url: '/api/v1/audit/events', parameter: 'after', authorization: auditor.authorization },
    ];
    for (const { url, parameter, authorization } of routes) {
      for (const value of NOT_DECIMAL) {
        const what = `${url}?${parameter}=${JSON.stringify(value)}`;
        const response = await t.app.inject({ url, query: { [parameter]: value }, headers: { authorization } });
        expect(response.statusCode, what).toBe(400);
        expect(response.json(), what).toMatchObject({ code: 'VALIDATION_FAILED', field: `querystring.${parameter}` });
      }
      const plain = await t.app.inject({ url, query: { [parameter]: '16' }, headers: { authorization } });
      expect(plain.statusCode, `${url}?${parameter}=16`).toBe(200);
    }
    const refused = await t.app.inject({ url: '/api/v1/trajectories?limit=0x10', headers: { authorization: institution.authorization } });
    await auditedRefusal(refused, 'VALIDATION_FAILED');
  });
});

describe('the statistics routes', () => {
  it('answer 406 in the error shape when Accept allows neither JSON nor CSV', async () => {
    const { authorization } = await t.authorization('funder');
    for (const url of ['/api/v1/statistics/overview', '/api/v1/statistics/releases']) {
      for (const accept of ['application/xml', 'text/html', 'application/json;q=0']) {
        const response = await t.app.inject({ url, headers: { authorization, accept } });
        expect(response.statusCode, `${url} ${accept}`).toBe(406);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.json(), `${url} ${accept}`).toMatchObject({
          status: 406,
          code: 'NOT_ACCEPTABLE',
          field: 'headers.accept',
          requestId: response.headers['x-request-id'],
        });
        await auditedRefusal(response, 'NOT_ACCEPTABLE');
      }
    }
    const browser = await t.app.inject({
      url: '/api/v1/statistics/releases',
      headers: { authorization, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(browser.statusCode).toBe(200);
  });
});

describe('GraphQL aliases', () => {
  it('of __typename count towards the alias limit', async () => {
    const { authorization } = await t.authorization('researcher');
    const aliases = Array.from({ length: 10_000 }, (_, index) => `t${index}: __typename`).join(' ');
    const response = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization, 'x-request-id': uniqueReference('aliases') },
      payload: { query: `{ ${aliases} }` },
    });
    expect(response.statusCode).toBeLessThan(500);
    const body = response.json();
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    await auditedRefusal(response, 'VALIDATION_FAILED');
    const few = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization },
      payload: { query: '{ a: __typename b: __typename }' },
    });
    expect(few.json()).toEqual({ data: { a: 'Query', b: 'Query' } });
  });
});
