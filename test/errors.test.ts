import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, (app) => {
    app.get('/boom', { config: { public: true } }, async () => {
      throw new Error('secret internal detail: password=hunter2');
    });
  });
});
afterAll(() => t.close());

describe('the error shape', () => {
  it('names an unknown route', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });

  it('never shows the details of a 5xx', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(response.body).not.toContain('hunter2');
    expect(response.json().requestId).toBeTruthy();
  });

  it('uses a well-formed request id from the caller and ignores a hostile one', async () => {
    const kept = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': 'ehr-0001-abcdef' } });
    expect(kept.headers['x-request-id']).toBe('ehr-0001-abcdef');
    const replaced = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': 'bad id\twith tab' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports invalid JSON as INVALID_JSON on the body', async () => {
    const { authorization } = await t.authorization('admin');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/api-keys',
      headers: { 'content-type': 'application/json', authorization },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'INVALID_JSON', field: 'body' });
  });

  it('reports a wrong type with the field at fault', async () => {
    const { authorization } = await t.authorization('admin');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/api-keys',
      headers: { authorization },
      payload: { name: 'x', role: 'superuser' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.role' });
  });
});
