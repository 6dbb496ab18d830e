import { ROLES } from '../src/lib/vocabulary';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../src/db/client';
import { auditTrailExposure, currentRole } from '../src/db/roles';
import { purgeAuditEvents, verifyAuditChain } from '../src/modules/audit/audit.repository';
import { isRegistryEmpty } from '../src/modules/demo/demo-data.service';
import { prepareDatabase } from '../src/runtime/prepare-database';
import { createInstitution } from './helpers/institution-fixture';
import { uniqueReference } from './helpers/records';
import { createTestApp, testConfig, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

// The service runs as a role that may append to and read the audit trail, nothing more; the
// owner of the schema runs the migrations. On PGlite there is one role: there the triggers and
// the hash chain are what protect the trail (docs/operations.md, "Database roles").

const onPglite = inject('testDatabase').kind === 'pglite';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** The PostgreSQL error of a statement run as the service's role. */
async function refusalOf(statement: string): Promise<{ code?: string; message: string }> {
  try {
    await t.database.transaction((connection) => connection.query(statement));
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error(`the service role was allowed: ${statement}`);
}

describe.skipIf(onPglite)('the service role on PostgreSQL', () => {
  it('appends and reads audit events, through the service', async () => {
    const institution = await createInstitution(t);
    const response = await institution.put(`/api/v1/trajectories/${uniqueReference('T')}`, institution.trajectoryBody());
    expect(response.statusCode).toBe(201);
    const { rows } = await t.database.query<{ outcome: string }>('select outcome from audit_events where request_id = $1', [
      response.headers['x-request-id'],
    ]);
    expect(rows).toEqual([{ outcome: 'success' }]);
    expect(await t.database.transaction((connection) => verifyAuditChain(connection))).toMatchObject({ valid: true });
  });

  it('cannot disable the triggers, alter, update, delete or truncate audit events, or move the chain head', async () => {
    for (const statement of [
      'alter table audit_events disable trigger audit_events_no_update',
      'alter table audit_events disable trigger all',
      'drop trigger audit_events_no_delete on audit_events',
      'alter table audit_events add column note text',
      'drop table audit_events',
    ]) {
      expect((await refusalOf(statement)).message, statement).toMatch(/must be owner/);
    }
    for (const statement of [
      `update audit_events set outcome = 'success'`,
      'delete from audit_events',
      'truncate audit_events',
      `update audit_chain_head set hash = repeat('0', 64)`,
      'delete from audit_chain_head',
      `create or replace function audit_events_refuse_change() returns trigger language plpgsql as $$ begin return null; end $$`,
    ]) {
      const refusal = await refusalOf(statement);
      expect(refusal.code, statement).toBe('42501'); // insufficient_privilege
      expect(refusal.message, statement).not.toMatch(/append-only/); // refused by rights, before any trigger
    }
  });

  it('holds no right on the audit trail beyond appending and reading, and the owner does', async () => {
    expect(await auditTrailExposure(t.database)).toEqual([]);
    const owner = await openDatabase({ kind: 'postgres', url: t.testDatabase.ownerUrl!, poolMax: 1 });
    try {
      expect(await auditTrailExposure(owner)).toContain('owns audit_events (may alter it and disable its triggers)');
    } finally {
      await owner.close();
    }
  });

  it('purges past retention only through the owner’s function, which keeps five years', async () => {
    await expect(
      t.database.transaction((connection) =>
        connection.query(`select set_config('registry.audit_purge_before', '2000-01-01', true); delete from audit_events`),
      ),
    ).rejects.toThrow();
    expect(await t.database.transaction((connection) => purgeAuditEvents(connection, new Date('2001-01-01')))).toBe(0);
    await expect(t.database.transaction((connection) => purgeAuditEvents(connection, new Date()))).rejects.toThrow(/append-only/);
  });

  it('gets its rights from a start with DATABASE_OWNER_URL, and refuses one role given twice', async () => {
    const fresh = await createTestDatabase();
    try {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-roles-'));
      const config = testConfig({ DATABASE_URL: fresh.url!, DATABASE_OWNER_URL: fresh.ownerUrl!, DATA_DIR: dataDir });
      const settings = { ...config, registryPseudonymKey: Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), loadDemoData: false };
      // The grants are applied again (idempotent) after the migrations: the role keeps exactly its rights.
      await fresh.asOwner((connection) => connection.query('grant update, delete on audit_events to registry_test_app'));
      expect(await auditTrailExposure(fresh.database)).not.toEqual([]);
      await prepareDatabase(fresh.database, settings, { info: () => undefined });
      expect(await auditTrailExposure(fresh.database)).toEqual([]);
      const sameRole = testConfig({ DATABASE_URL: fresh.url!, DATABASE_OWNER_URL: fresh.url!, DATA_DIR: dataDir });
      await expect(
        prepareDatabase(fresh.database, { ...settings, database: sameRole.database }, { info: () => undefined }),
      ).rejects.toThrow(/same role/);
      fs.rmSync(dataDir, { recursive: true, force: true });
    } finally {
      await fresh.destroy();
    }
  });
});

describe.skipIf(!onPglite)('the embedded database (PGlite)', () => {
  it('has one role, a superuser: the triggers and the hash chain protect the trail instead', async () => {
    // Row triggers fire only for rows: make sure there is an event.
    expect(
      (await t.app.inject({ url: '/api/v1/programmes', headers: { authorization: (await t.authorization('funder')).authorization } }))
        .statusCode,
    ).toBe(200);
    expect(await currentRole(t.database)).toBe('postgres');
    expect(await auditTrailExposure(t.database)).toContain('is a superuser');
    for (const statement of [`update audit_events set outcome = 'success'`, 'delete from audit_events', 'truncate audit_events']) {
      await expect(t.database.transaction((connection) => connection.query(statement))).rejects.toThrow(/append-only/);
    }
  });
});

describe('demo data on first start', () => {
  it('writes the demo keys before it loads the data, so an unusable DATA_DIR fails with nothing loaded', async () => {
    const fresh = await createTestDatabase();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-demo-'));
    try {
      const blocker = path.join(scratch, 'not-a-directory');
      fs.writeFileSync(blocker, '');
      const config = testConfig({
        DATA_DIR: path.join(blocker, 'data'),
        ...(fresh.ownerUrl ? { DATABASE_URL: fresh.url!, DATABASE_OWNER_URL: fresh.ownerUrl } : {}),
      });
      const settings = {
        ...config,
        registryPseudonymKey: Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'),
        loadDemoData: true,
        demoTrajectories: 5,
      };
      await expect(prepareDatabase(fresh.database, settings, { info: () => undefined })).rejects.toThrow(/ENOTDIR/);
      expect(await isRegistryEmpty(fresh.database)).toBe(true);
      // A DATA_DIR that does not exist yet is made.
      const missing = path.join(scratch, 'nested', 'data');
      await prepareDatabase(fresh.database, { ...settings, dataDir: missing }, { info: () => undefined });
      expect(Object.keys(JSON.parse(fs.readFileSync(path.join(missing, 'demo-api-keys.json'), 'utf8')).keys)).toEqual([...ROLES]);
      expect(await isRegistryEmpty(fresh.database)).toBe(false);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
      await fresh.destroy();
    }
  });
});
