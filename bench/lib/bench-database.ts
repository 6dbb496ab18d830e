import pg from 'pg';

// A database of a benchmark's own on the bench server (BENCH_DATABASE_URL, else the local
// PostgreSQL), made fresh before a run and dropped after it.

export const BENCH_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Drops and creates the named database; returns its URL and how to drop it again. */
export async function freshBenchDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const url = new URL(BENCH_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
