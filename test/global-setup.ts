import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client';
import { createDatabaseRoles } from '../src/db/roles';
import { prepareSchema } from '../src/runtime/prepare-database';
import type { TestDatabaseTarget } from './helpers/test-database';
import { roleUrl, TEST_ROLES } from './helpers/test-roles';

// Chooses the integration tests' database, in this order: TEST_DATABASE_URL; else a
// Testcontainers PostgreSQL when a Docker engine answers; else PGlite. TEST_DATABASE=pglite
// skips the first two. Migrations and reference data are applied once, to a template that
// every test file copies into a database of its own. On PostgreSQL this is done as in
// production: two roles (created here if missing), migrations as the owner, and the service
// (every test app) as the service role, which may only append to and read the audit trail.

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: TestDatabaseTarget;
  }
}

async function startContainer(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:15-alpine').start();
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  } catch {
    return undefined; // No Docker engine here.
  }
}

/** True when the database name's run pid (registry_t…_<pid>_<suffix>) is a live process. */
function isLiveRun(databaseName: string): boolean {
  const pid = Number(/_(\d+)_[0-9a-z]+$/.exec(databaseName)?.[1]);
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function preparePostgresTemplate(adminUrl: string): Promise<{ templateName: string; drop: () => Promise<void> }> {
  const templateName = `registry_template_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Databases left by an interrupted earlier run; not those of a run still going (names carry its pid).
    const stale = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'registry_t%' and not datistemplate",
    );
    for (const { datname } of stale.rows) {
      if (!isLiveRun(datname)) await admin.query(`drop database if exists "${datname}" with (force)`);
    }
    await createDatabaseRoles(admin, TEST_ROLES);
    await admin.query(`create database "${templateName}" owner "${TEST_ROLES.owner}"`);
  } finally {
    await admin.end();
  }
  const owner = await openDatabase({ kind: 'postgres', url: roleUrl(adminUrl, templateName, 'owner'), poolMax: 2 });
  try {
    await prepareSchema(owner, TEST_ROLES.app);
  } finally {
    await owner.close();
  }
  return {
    templateName,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists "${templateName}" with (force)`);
      await client.end();
    },
  };
}

/** This run's test databases still there at its end: the worlds kept as templates (helpers/demo-world.ts), any a test left. */
async function dropRunDatabases(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `registry_test_${process.pid}_%`,
    ]);
    for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await admin.end();
  }
}

async function preparePgliteDump(): Promise<{ dumpFile: string; remove: () => void }> {
  const database = await openDatabase({ kind: 'pglite' });
  try {
    await prepareSchema(database);
    if (database.kind !== 'pglite') throw new Error('unreachable');
    const dump = await database.pglite.dumpDataDir('none');
    const dumpFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-test-')), 'template.tar');
    fs.writeFileSync(dumpFile, Buffer.from(await dump.arrayBuffer()));
    return { dumpFile, remove: () => fs.rmSync(path.dirname(dumpFile), { recursive: true, force: true }) };
  } finally {
    await database.close();
  }
}

interface Prepared {
  target: TestDatabaseTarget;
  teardown: () => Promise<void>;
}

/**
 * Both integration projects (vitest.config.ts: one shares modules between files, one does not)
 * run this setup in the same process: the first prepares the database, the second gets the same,
 * and the last teardown removes it (a second template would have dropped the first's as stale).
 */
const shared = globalThis as typeof globalThis & { registryTestDatabase?: { prepared: Promise<Prepared>; users: number } };

export default async function setup(project: TestProject) {
  shared.registryTestDatabase ??= { prepared: prepare(), users: 0 };
  const entry = shared.registryTestDatabase;
  entry.users += 1;
  const { target, teardown } = await entry.prepared;
  project.provide('testDatabase', target);
  return async () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    shared.registryTestDatabase = undefined;
    await teardown();
  };
}

async function prepare(): Promise<Prepared> {
  const forcePglite = process.env.TEST_DATABASE === 'pglite';
  let adminUrl = forcePglite ? undefined : process.env.TEST_DATABASE_URL;
  let container: Awaited<ReturnType<typeof startContainer>>;
  if (!adminUrl && !forcePglite) {
    container = await startContainer();
    adminUrl = container?.url;
  }

  // The run's own directory: the worlds every worker shares (helpers/test-database.ts, sharedSnapshot).
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-test-run-'));
  const removeRunDir = () => fs.rmSync(runDir, { recursive: true, force: true });
  if (adminUrl) {
    const template = await preparePostgresTemplate(adminUrl);
    console.info(`[tests] database: PostgreSQL ${container ? '(Testcontainers)' : '(TEST_DATABASE_URL)'}`);
    return {
      target: { kind: 'postgres', adminUrl, templateName: template.templateName, runPid: process.pid, runDir },
      teardown: async () => {
        await template.drop();
        await dropRunDatabases(adminUrl!);
        await container?.stop();
        removeRunDir();
      },
    };
  }

  const { dumpFile, remove } = await preparePgliteDump();
  console.info('[tests] database: PGlite (embedded)');
  return {
    target: { kind: 'pglite', dumpFile, runDir },
    teardown: async () => {
      remove();
      removeRunDir();
    },
  };
}
