import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app';
import { type Database, openDatabase } from '../src/db/client';
import { hashApiKeySecret } from '../src/modules/api-keys/api-key-secret';
import { trajectoryBody, uniqueReference } from './helpers/records';
import { createTestApp, type TestApp, testConfig } from './helpers/test-app';
import { testLogger } from './helpers/test-log';

// Two service instances on one database, each with its own key cache: a key revoked or expired
// through one is refused by the other on its very next request, whether the change's
// notification has reached it yet or not.

let a: TestApp;
let bDatabase: Database;
let b: FastifyInstance;

beforeAll(async () => {
  a = await createTestApp();
  // On PostgreSQL a second pool on the same database; PGlite is one embedded instance, so the
  // second app shares it (its LISTEN/NOTIFY works in process).
  bDatabase = a.testDatabase.url ? await openDatabase({ kind: 'postgres', url: a.testDatabase.url, poolMax: 4 }) : a.database;
  b = await buildApp({ config: testConfig(), database: bDatabase, logger: testLogger() });
  await b.ready();
  await vi.waitFor(() => expect([a.app.apiKeyCache.state(), b.apiKeyCache.state()]).toEqual(['listening', 'listening']), {
    timeout: 10_000,
  });
});
afterAll(async () => {
  await b.close();
  if (bDatabase !== a.database) await bDatabase.close();
  await a.close();
});

const programmes = (app: FastifyInstance, authorization: string) => app.inject({ url: '/api/v1/programmes', headers: { authorization } });

/** A key that instance B has just admitted, so that B holds it in its cache. */
async function keyCachedByB(role: 'researcher' | 'funder' | 'institution' = 'researcher', extra: { expiresAt?: Date } = {}) {
  const key = await a.authorization(role, undefined, extra);
  const secretHash = hashApiKeySecret(key.authorization.slice('Bearer '.length));
  // Retried: an earlier test's change notice may still arrive and empty the cache once.
  await vi.waitFor(async () => {
    expect((await programmes(b, key.authorization)).statusCode).toBe(200);
    expect(b.apiKeyCache.get(secretHash)).toBeDefined();
  });
  return key;
}

describe('API keys cached in each instance', () => {
  it('a key revoked through one instance is refused by the other on its next request', async () => {
    const { authorization, keyId } = await keyCachedByB();
    const admin = await a.authorization('admin');
    expect((await a.app.inject({ method: 'DELETE', url: `/api/v1/admin/api-keys/${keyId}`, headers: admin })).statusCode).toBe(204);
    const response = await programmes(b, authorization);
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('API_KEY_REVOKED');
  });

  it('a key expired in the database is refused by the other instance on its next request', async () => {
    const { authorization, keyId } = await keyCachedByB('funder', { expiresAt: new Date(Date.now() + 3_600_000) });
    await a.database.query("update api_keys set expires_at = now() - interval '1 second' where id = $1", [keyId]);
    const response = await programmes(b, authorization);
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('API_KEY_EXPIRED');
  });

  it('a revocation whose notification has not arrived is refused all the same (confirmed when the audit event is written)', async () => {
    const { authorization, keyId } = await keyCachedByB();
    // Revoked without any notification: the window between a revocation's commit and its notice.
    await a.testDatabase.asOwner(async (connection) => {
      await connection.query('alter table api_keys disable trigger api_keys_notify_change');
      await connection.query('update api_keys set revoked_at = now() where id = $1', [keyId]);
      await connection.query('alter table api_keys enable trigger api_keys_notify_change');
    });
    expect(b.apiKeyCache.get(hashApiKeySecret(authorization.slice('Bearer '.length)))).toBeDefined();
    const response = await programmes(b, authorization);
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('API_KEY_REVOKED');
    const graphql = await b.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization, 'content-type': 'application/json' },
      payload: { query: '{ apiVersion }' },
    });
    expect(graphql.statusCode).toBe(401);
  });

  it('a record write with a key revoked a moment ago commits nothing', async () => {
    const { authorization, keyId } = await keyCachedByB('institution');
    await a.testDatabase.asOwner(async (connection) => {
      await connection.query('alter table api_keys disable trigger api_keys_notify_change');
      await connection.query('update api_keys set revoked_at = now() where id = $1', [keyId]);
      await connection.query('alter table api_keys enable trigger api_keys_notify_change');
    });
    const reference = uniqueReference('R');
    const write = await b.inject({
      method: 'PUT',
      url: `/api/v1/trajectories/${reference}`,
      headers: { authorization },
      payload: trajectoryBody(),
    });
    expect(write.statusCode).toBe(401);
    expect(write.json().code).toBe('API_KEY_REVOKED');
    const reader = await a.authorization('institution');
    expect((await a.app.inject({ url: `/api/v1/trajectories/${reference}`, headers: reader })).statusCode).toBe(404);
  });

  it('expiry is checked against the clock on every request, without any notification', async () => {
    const { authorization } = await keyCachedByB('researcher', { expiresAt: new Date(Date.now() + 1_500) });
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const response = await programmes(b, authorization);
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('API_KEY_EXPIRED');
  });

  it('does not cache unknown keys', async () => {
    const sizeBefore = b.apiKeyCache.size();
    for (let index = 0; index < 50; index += 1) {
      const response = await programmes(b, `Bearer crr_${randomBytes(32).toString('base64url')}`);
      expect(response.statusCode).toBe(401);
    }
    expect(b.apiKeyCache.size()).toBeLessThanOrEqual(sizeBefore);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('empties the cache when the listener is lost, so changes it missed are seen', async () => {
    const { authorization, keyId } = await keyCachedByB('researcher');
    const adminRoute = () => b.inject({ url: '/api/v1/admin/api-keys', headers: { authorization } });
    expect((await adminRoute()).statusCode).toBe(403);
    // A change nobody is told of, then the listening connections are cut.
    await a.testDatabase.asOwner(async (connection) => {
      await connection.query('alter table api_keys disable trigger api_keys_notify_change');
      await connection.query(`update api_keys set role = 'admin' where id = $1`, [keyId]);
      await connection.query('alter table api_keys enable trigger api_keys_notify_change');
    });
    expect((await adminRoute()).statusCode).toBe(403); // Still the cached role: nothing said otherwise.
    const lostBefore = b.apiKeyCache.timesLost();
    await bDatabase.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'registry listener api_keys_changed'`,
    );
    await vi.waitFor(() => expect(b.apiKeyCache.timesLost()).toBeGreaterThan(lostBefore), { timeout: 10_000 });
    await vi.waitFor(() => expect(b.apiKeyCache.state()).toBe('listening'), { timeout: 10_000 });
    expect(b.apiKeyCache.size()).toBe(0);
    expect((await adminRoute()).statusCode).toBe(200);
  });
});
