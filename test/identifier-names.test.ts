import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

// Names and addresses a request carries that the registry keeps or exports (issue #27): GraphQL
// operation names (audit trail, metrics labels), X-Forwarded-For behind a trusted proxy (the
// audit's source address, the failed-login lockout), API key names in any script's digits, and
// GraphQL's own error messages, which quote the request. Each holds an identifier here; none may
// be stored, exported or sent back.

const PROXY = '10.0.0.2';
/** A second proxy, for the lockout test: its refusals must not hold up the other tests (any order). */
const LOCKOUT_PROXY = '10.0.0.3';
/** Synthetic: 123456782 and 111222333 pass the BSN eleven-test; 0612345678 is a phone number. */
const OPERATION_NAMES = ['Op123456782', 'Bsn123456782', 'Phone0612345678', 'B1a2b3c4d5e6f7g8h2'];
const DIGIT_RUNS = /123456782|0612345678|1a2b3c4d5e6f7g8h2/;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ TRUST_PROXY: `${PROXY}, ${LOCKOUT_PROXY}`, RATE_LIMIT_AUTH_FAILURES: '3', METRICS_ALLOW_FROM: '127.0.0.1' });
});
afterAll(() => t.close());

async function eventOf(requestId: string) {
  await t.app.auditLog.settle();
  const { rows } = await t.database.query<{ operation: string; source_address: string; outcome: string; event: string }>(
    'select operation, source_address, outcome, row_to_json(e)::text as event from audit_events e where request_id = $1',
    [requestId],
  );
  return rows[0];
}

describe('GraphQL operation names', () => {
  it('are withheld from the audit trail and the metrics when they may identify someone', async () => {
    const { authorization } = await t.authorization('researcher');
    for (const name of OPERATION_NAMES) {
      for (const payload of [{ query: `query ${name} { apiVersion }` }, { query: `query ${name} { apiVersion }`, operationName: name }]) {
        const response = await t.app.inject({ method: 'POST', url: '/graphql', headers: { authorization }, payload });
        expect(response.json(), name).toEqual({ data: { apiVersion: 'v1' } });
        const event = await eventOf(String(response.headers['x-request-id']));
        expect(event?.operation, name).toBe('graphql withheld');
        expect(event?.event, name).not.toMatch(DIGIT_RUNS);
      }
    }
    const plain = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization },
      payload: { query: 'query Version2 { apiVersion }' },
    });
    expect((await eventOf(String(plain.headers['x-request-id'])))?.operation).toBe('graphql Version2');
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('operation="withheld"');
    expect(metrics).toContain('operation="Version2"');
    expect(metrics).not.toMatch(DIGIT_RUNS);
  });

  it('validation messages do not repeat what the client sent', async () => {
    const { authorization } = await t.authorization('researcher');
    const queries = ['{ Bsn123456782 }', '{ apiVersion(x111222333: 1) }', 'query ($v: Int) { apiVersion }', '{ apiVersion @x123456782 }'];
    for (const query of queries) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization },
        payload: { query, variables: { v: '١٢٣٤٥٦٧٨٢' } },
      });
      expect(response.statusCode, query).toBeLessThan(500);
      const body = response.json();
      expect(body.errors?.length, query).toBeGreaterThan(0);
      expect(body.errors[0].extensions.code, query).toBe('VALIDATION_FAILED');
      expect(response.body, query).not.toMatch(/\d{6,}|١٢٣٤٥٦٧٨٢/);
    }
  });
});

describe('X-Forwarded-For from the trusted proxy', () => {
  const FORGED = ['123456782', '<script>alert(1)</script>', 'not-an-ip', 'x'.repeat(300), '١٢٣٤٥٦٧٨٢'];

  it('is recorded only when it is an IP address; otherwise the connection address is', async () => {
    const { authorization } = await t.authorization('institution');
    for (const forged of FORGED) {
      const response = await t.app.inject({
        url: '/api/v1/trajectories',
        remoteAddress: PROXY,
        headers: { authorization, 'x-forwarded-for': forged },
      });
      expect(response.statusCode, `${forged} ${response.body}`).toBe(200);
      expect((await eventOf(String(response.headers['x-request-id'])))?.source_address, forged).toBe(PROXY);
    }
  });

  it('cannot be rotated to escape the failed-login lockout', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await t.app.inject({
        url: '/api/v1/trajectories',
        remoteAddress: LOCKOUT_PROXY,
        headers: { authorization: 'Bearer crr_not_a_key', 'x-forwarded-for': `not-an-ip-${attempt}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('API key names', () => {
  it('are refused when they hold a BSN in any script’s digits, and nothing is stored', async () => {
    const admin = await t.authorization('admin');
    for (const name of ['dashboard ١٢٣٤٥٦٧٨٢', 'dashboard ۱۱۱۲۲۲۳۳۳', 'dashboard १२३४५६७८२']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/admin/api-keys',
        headers: { authorization: admin.authorization },
        payload: { name, role: 'funder' },
      });
      expect(response.statusCode, name).toBe(400);
      expect(response.json(), name).toMatchObject({ code: 'PII_DETECTED', field: 'name' });
      const { rows } = await t.database.query<{ n: number }>('select count(*)::int as n from api_keys where name = $1', [name]);
      expect(rows[0]!.n, name).toBe(0);
      expect((await eventOf(String(response.headers['x-request-id'])))?.outcome, name).toBe('refused');
    }
  });
});
