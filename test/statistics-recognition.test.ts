import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

// `recognition` is the outcome by problem recognition at intake: its groups are the recognition
// classes. A groupBy used to be ignored without a word; now it is refused, with the field.

let t: TestApp;
let funder: string;
beforeAll(async () => {
  t = await createTestApp();
  funder = (await t.authorization('funder')).authorization;
});
afterAll(() => t.close());

describe('recognition statistics', () => {
  it('refuse a groupBy over REST and GraphQL, and answer without one', async () => {
    const rest = await t.app.inject({ url: '/api/v1/statistics/recognition?groupBy=programme', headers: { authorization: funder } });
    expect(rest.statusCode).toBe(400);
    expect(rest.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'querystring.groupBy' });
    const graphql = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: funder },
      payload: { query: '{ statistics(measure: recognition, groupBy: programme) { groupBy } }' },
    });
    expect(graphql.json().errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'groupBy' });
    expect((await t.app.inject({ url: '/api/v1/statistics/recognition', headers: { authorization: funder } })).statusCode).toBe(200);
  });
});
