import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client';

export type TestDatabaseTarget =
  | { kind: 'postgres'; adminUrl: string; templateName: string; runPid: number }
  | { kind: 'pglite'; dumpFile: string };

export interface TestDatabase {
  database: Database;
  /** Set on PostgreSQL: the URL of this test's own database. */
  url?: string;
  destroy(): Promise<void>;
}

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A database of this run on the test server, copied from a template; dropped by `destroy`. */
async function ownPostgresDatabase(
  target: Extract<TestDatabaseTarget, { kind: 'postgres' }>,
  template: string,
  options: { poolMax: number; statementTimeoutMs?: number },
): Promise<TestDatabase> {
  const name = `registry_test_${target.runPid}_${randomBytes(6).toString('hex')}`;
  await adminQuery(target.adminUrl, `create database "${name}" template "${template}"`);
  const url = new URL(target.adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), ...options });
  return {
    database,
    url: url.toString(),
    destroy: async () => {
      await database.close().catch(() => undefined);
      await adminQuery(target.adminUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}

/** An empty database (no migrations), for tests of the migrations themselves. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const target = inject('testDatabase');
  if (target.kind === 'postgres') return ownPostgresDatabase(target, 'template0', { poolMax: 2 });
  const database = await openDatabase({ kind: 'pglite' });
  return { database, destroy: () => database.close() };
}

/** A migrated database with reference data, for this test file alone. */
export async function createTestDatabase(options: { statementTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const target = inject('testDatabase');
  if (target.kind === 'postgres') return ownPostgresDatabase(target, target.templateName, { poolMax: 4, statementTimeoutMs: options.statementTimeoutMs });
  const database = await openDatabase({ kind: 'pglite', loadDataDir: new Blob([fs.readFileSync(target.dumpFile)]) });
  return { database, destroy: () => database.close() };
}
