import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase, type SqlConnection } from '../../src/db/client';
import { roleUrl, TEST_ROLES } from './test-roles';

export type TestDatabaseTarget = (
  | { kind: 'postgres'; adminUrl: string; templateName: string; runPid: number }
  | { kind: 'pglite'; dumpFile: string }
) & {
  /** A directory of this run, removed at its end: worlds built once for every file (demo-world.ts). */
  runDir: string;
};

export interface TestDatabase {
  /** Connected as the service role (on PostgreSQL): what the service itself may do. */
  database: Database;
  /** Set on PostgreSQL: the URL of this test's own database, as the service role. */
  url?: string;
  /** Set on PostgreSQL: the same database as the owner of the schema. */
  ownerUrl?: string;
  /** Runs `work` in a transaction as the schema's owner (on PGlite, its one role). */
  asOwner<T>(work: (connection: SqlConnection) => Promise<T>): Promise<T>;
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

/**
 * A database of this run on the test server, copied from a template and owned by the schema's
 * owner role; connected as the service role (or, for migration tests, as the owner).
 */
async function ownPostgresDatabase(
  target: Extract<TestDatabaseTarget, { kind: 'postgres' }>,
  template: string,
  options: { poolMax: number; statementTimeoutMs?: number; connectAs: 'app' | 'owner' },
): Promise<TestDatabase> {
  // Letters only after the run's pid: a database's name turns up in errors the test apps log, and
  // random hex now and then held nine digits the log scan (rightly) takes for a BSN.
  const suffix = randomBytes(6)
    .toString('hex')
    .replace(/\d/g, (digit) => 'ghijklmnop'[Number(digit)]!);
  const name = `registry_test_${target.runPid}_${suffix}`;
  await adminQuery(target.adminUrl, `create database "${name}" template "${template}" owner "${TEST_ROLES.owner}"`);
  const url = roleUrl(target.adminUrl, name, options.connectAs);
  const ownerUrl = roleUrl(target.adminUrl, name, 'owner');
  const database = await openDatabase({ kind: 'postgres', url, poolMax: options.poolMax, statementTimeoutMs: options.statementTimeoutMs });
  return {
    database,
    url,
    ownerUrl,
    asOwner: async (work) => {
      const owner = await openDatabase({ kind: 'postgres', url: ownerUrl, poolMax: 1 });
      try {
        return await owner.transaction(work);
      } finally {
        await owner.close();
      }
    },
    destroy: async () => {
      await database.close().catch(() => undefined);
      await adminQuery(target.adminUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}

/** An empty database (no migrations), for tests of the migrations themselves: connected as the owner, who migrates. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const target = inject('testDatabase');
  if (target.kind === 'postgres') return ownPostgresDatabase(target, 'template0', { poolMax: 2, connectAs: 'owner' });
  const database = await openDatabase({ kind: 'pglite' });
  return { database, asOwner: (work) => database.transaction(work), destroy: () => database.close() };
}

/** A test database frozen to be copied (snapshotTestDatabase): a template on PostgreSQL, a dump on PGlite. */
export type TestDatabaseSnapshot = { kind: 'postgres'; template: string } | { kind: 'pglite'; dump: Blob };

/**
 * A snapshot shared by every worker of the run, by `key`: the first to ask builds it while the
 * others wait (a lock directory, made atomically), and it is kept in the run's directory (a
 * template's name on PostgreSQL, the dump on PGlite). A build that fails leaves no lock behind.
 */
export async function sharedSnapshot(key: string, build: () => Promise<TestDatabaseSnapshot>): Promise<TestDatabaseSnapshot> {
  const { runDir } = inject('testDatabase');
  const name = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const lock = path.join(runDir, `${name}.lock`);
  const stored = path.join(runDir, `${name}.snapshot`);
  const read = (): TestDatabaseSnapshot => {
    const bytes = fs.readFileSync(stored);
    const template = /^template:(.*)$/.exec(bytes.subarray(0, 200).toString('latin1'))?.[1];
    return template !== undefined ? { kind: 'postgres', template } : { kind: 'pglite', dump: new Blob([bytes]) };
  };
  for (;;) {
    if (fs.existsSync(stored)) return read();
    try {
      fs.mkdirSync(lock);
    } catch {
      // Another worker builds it: wait for it (or for its lock to go, if its build failed).
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    try {
      const snapshot = await build();
      const bytes =
        snapshot.kind === 'postgres' ? Buffer.from(`template:${snapshot.template}`) : Buffer.from(await snapshot.dump.arrayBuffer());
      // Written whole, then renamed: a reader never sees half a file.
      fs.writeFileSync(`${stored}.partial`, bytes);
      fs.renameSync(`${stored}.partial`, stored);
      return snapshot;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * A migrated database with reference data, for this test file alone; `from` a snapshot, a copy of
 * it (a world built once and copied for each test that changes it).
 */
export async function createTestDatabase(
  options: { statementTimeoutMs?: number; from?: TestDatabaseSnapshot } = {},
): Promise<TestDatabase> {
  const target = inject('testDatabase');
  if (target.kind === 'postgres')
    return ownPostgresDatabase(target, options.from?.kind === 'postgres' ? options.from.template : target.templateName, {
      poolMax: 4,
      statementTimeoutMs: options.statementTimeoutMs,
      connectAs: 'app',
    });
  const dump = options.from?.kind === 'pglite' ? options.from.dump : new Blob([fs.readFileSync(target.dumpFile)]);
  const database = await openDatabase({ kind: 'pglite', loadDataDir: dump });
  return { database, asOwner: (work) => database.transaction(work), destroy: () => database.close() };
}

/**
 * Freezes a test database to copy it: on PostgreSQL its connections close and it stays as a
 * template until the run ends (global-setup.ts drops the run's databases); on PGlite it is dumped
 * and closed.
 */
export async function snapshotTestDatabase(testDatabase: TestDatabase): Promise<TestDatabaseSnapshot> {
  const { database } = testDatabase;
  if (database.kind === 'pglite') {
    const dump = await database.pglite.dumpDataDir('none');
    await database.close();
    return { kind: 'pglite', dump };
  }
  await database.close();
  const template = new URL(testDatabase.url!).pathname.slice(1);
  return { kind: 'postgres', template };
}
