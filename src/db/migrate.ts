import path from 'node:path';
import { findAbove } from '../lib/find-above';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase as DrizzlePglite } from 'drizzle-orm/pglite';
import type { Database } from './client';

/** The migrations folder: the nearest `migrations/` above this module that holds a journal. */
export const MIGRATIONS_FOLDER = findAbove(import.meta.url, 'migrations', path.join('meta', '_journal.json'));

// Arbitrary constant: serialises migration runs of several service instances on one server.
const MIGRATION_LOCK_KEY = 7_461_302_118;

/** Applies every pending migration; safe to call at each start and from several instances. */
export async function migrateDatabase(database: Database, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.orm as unknown as DrizzlePglite, { migrationsFolder });
    return;
  }
  const lockClient = await database.pool.connect();
  // Checked out, so the pool does not listen for its errors: a lost connection must fail the
  // migration, not end the process with an unhandled 'error' event.
  let lost: Error | undefined;
  const onLost = (error: Error) => {
    lost = error;
  };
  lockClient.on('error', onLost);
  try {
    await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migratePostgres(database.orm as unknown as NodePgDatabase, { migrationsFolder });
  } finally {
    await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((error: Error) => {
      lost ??= error;
    });
    lockClient.removeListener('error', onLost);
    lockClient.release(lost);
  }
}
