import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('health', () => {
  it('answers liveness and readiness without a key', async () => {
    expect((await t.app.inject({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok' });
  });

  it('reports not ready, with Retry-After, once the database is gone', async () => {
    // An app of its own: closing the shared one's database failed the other test when it ran later.
    const gone = await createTestApp();
    try {
      await gone.database.close();
      const ready = await gone.app.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(ready.headers['retry-after']).toBe('5');
      // Liveness is about the process, not the database.
      expect((await gone.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await gone.close();
    }
  });
});
