import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

// Behind a reverse proxy every request comes from the proxy's address. TRUST_PROXY says which
// proxies' X-Forwarded-For to believe, so the audit trail records the client and the rate
// limits count per client; without it the header is ignored, as any client could forge it.

const PROXY = '10.0.0.2';

async function sourceAddressOf(t: TestApp, requestId: string): Promise<string | undefined> {
  await t.app.auditLog.settle();
  const { rows } = await t.database.query<{ source_address: string }>('select source_address from audit_events where request_id = $1', [
    requestId,
  ]);
  return rows[0]?.source_address;
}

/** A request through the proxy on behalf of `client` (a record-level read: audited). */
const viaProxy = (t: TestApp, client: string, headers: Record<string, string> = {}) =>
  t.app.inject({ url: '/api/v1/trajectories', remoteAddress: PROXY, headers: { 'x-forwarded-for': client, ...headers } });

describe('TRUST_PROXY set to the proxy in front', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ TRUST_PROXY: PROXY, RATE_LIMIT_AUTH_FAILURES: '2' });
  });
  afterAll(() => t.close());

  it('records the client address in the audit trail', async () => {
    const { authorization } = await t.authorization('institution');
    const response = await viaProxy(t, '203.0.113.9', { authorization });
    expect(response.statusCode).toBe(200);
    expect(await sourceAddressOf(t, response.headers['x-request-id'] as string)).toBe('203.0.113.9');
  });

  it('counts failed authentications per client, not per proxy', async () => {
    const bad = { authorization: 'Bearer crr_not_a_key' };
    expect((await viaProxy(t, '203.0.113.7', bad)).statusCode).toBe(401);
    expect((await viaProxy(t, '203.0.113.7', bad)).statusCode).toBe(401);
    expect((await viaProxy(t, '203.0.113.7', bad)).statusCode).toBe(429);
    // Another client behind the same proxy is not held up by the first.
    expect((await viaProxy(t, '203.0.113.8', bad)).statusCode).toBe(401);
  });

  it('does not believe the header from an address that is not the proxy', async () => {
    const response = await t.app.inject({
      url: '/api/v1/trajectories',
      remoteAddress: '198.51.100.5',
      headers: { 'x-forwarded-for': '203.0.113.66' },
    });
    expect(response.statusCode).toBe(401);
    expect(await sourceAddressOf(t, response.headers['x-request-id'] as string)).toBe('198.51.100.5');
  });
});

describe('TRUST_PROXY given as a number of proxies', () => {
  it('takes the address the nearest proxy saw', async () => {
    const t = await createTestApp({ TRUST_PROXY: '1' });
    try {
      const response = await viaProxy(t, '192.0.2.10, 203.0.113.20');
      expect(await sourceAddressOf(t, response.headers['x-request-id'] as string)).toBe('203.0.113.20');
    } finally {
      await t.close();
    }
  });
});

describe('without TRUST_PROXY', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_AUTH_FAILURES: '2' });
  });
  afterAll(() => t.close());

  it('ignores X-Forwarded-For: the proxy is the client, for the audit trail and the limits', async () => {
    const bad = { authorization: 'Bearer crr_not_a_key' };
    const first = await viaProxy(t, '203.0.113.7', bad);
    expect(await sourceAddressOf(t, first.headers['x-request-id'] as string)).toBe(PROXY);
    expect((await viaProxy(t, '203.0.113.8', bad)).statusCode).toBe(401);
    expect((await viaProxy(t, '203.0.113.9', bad)).statusCode).toBe(429);
  });
});
