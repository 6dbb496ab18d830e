import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../src/db/schema';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const programmes = (headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: '/api/v1/programmes', headers });

describe('authentication', () => {
  it('refuses a request without a key', async () => {
    const response = await programmes();
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(response.json().requestId).toBe(response.headers['x-request-id']);
  });

  it('refuses an unknown or malformed key', async () => {
    for (const authorization of [`Bearer crr_${'x'.repeat(43)}`, 'Bearer nonsense', 'Basic dXNlcjpwYXNz']) {
      const response = await programmes({ authorization });
      expect(response.statusCode).toBe(401);
      expect(response.json().code).toBe('UNAUTHENTICATED');
    }
  });

  it('admits a valid key, as a bearer token or in X-API-Key', async () => {
    const { authorization } = await t.authorization('researcher');
    expect((await programmes({ authorization })).statusCode).toBe(200);
    expect((await programmes({ 'x-api-key': authorization.slice('Bearer '.length) })).statusCode).toBe(200);
  });

  it('refuses a revoked key', async () => {
    const { authorization, keyId } = await t.authorization('funder');
    expect((await programmes({ authorization })).statusCode).toBe(200);
    await t.database.orm.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, keyId));
    const response = await programmes({ authorization });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('API_KEY_REVOKED');
  });

  it('refuses an expired key', async () => {
    const { authorization, keyId } = await t.authorization('auditor', undefined, { expiresAt: new Date(Date.now() + 60_000) });
    expect((await programmes({ authorization })).statusCode).toBe(200);
    await t.database.orm
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(apiKeys.id, keyId));
    const response = await programmes({ authorization });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('API_KEY_EXPIRED');
  });

  it('stores only a hash of the key', async () => {
    const { authorization, keyId } = await t.authorization('researcher');
    const secret = authorization.slice('Bearer '.length);
    const [row] = await t.database.orm.select().from(apiKeys).where(eq(apiKeys.id, keyId));
    expect(JSON.stringify(row)).not.toContain(secret.slice(10));
    expect(row!.secretHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('key management through the admin API', () => {
  it('is for role admin only', async () => {
    for (const role of ['institution', 'researcher', 'funder', 'auditor'] as const) {
      const { authorization } = await t.authorization(role);
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/admin/api-keys', headers: { authorization } });
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('FORBIDDEN');
    }
  });

  it('creates a key shown once, lists it without its secret, and revokes it', async () => {
    const { authorization } = await t.authorization('admin');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/api-keys',
      headers: { authorization },
      payload: { name: 'EHR push', role: 'institution', institutionCode: 'lindehof' },
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json();
    expect((await programmes({ authorization: `Bearer ${key}` })).statusCode).toBe(200);

    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/admin/api-keys', headers: { authorization } });
    expect(listed.body).not.toContain(key);
    expect(listed.json().apiKeys).toContainEqual(
      expect.objectContaining({ id, role: 'institution', institutionCode: 'lindehof', revokedAt: null }),
    );

    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/v1/admin/api-keys/${id}`, headers: { authorization } });
    expect(revoked.statusCode).toBe(204);
    expect((await programmes({ authorization: `Bearer ${key}` })).json().code).toBe('API_KEY_REVOKED');
    const again = await t.app.inject({ method: 'DELETE', url: `/api/v1/admin/api-keys/${id}`, headers: { authorization } });
    expect(again.statusCode).toBe(404);
  });

  it('refuses an institution key without an institution, and unknown fields', async () => {
    const { authorization } = await t.authorization('admin');
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/api-keys',
      headers: { authorization },
      payload: { name: 'x', role: 'institution' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'institutionCode' });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/api-keys',
      headers: { authorization },
      payload: { name: 'x', role: 'funder', superuser: true },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().field).toBe('body.superuser');
    expect(unknown.json().errors[0].code).toBe('UNKNOWN_FIELD');
  });
});
