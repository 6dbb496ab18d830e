import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema';

// One Drizzle schema and one migration set, two drivers: node-postgres against a server,
// PGlite (PostgreSQL compiled to WASM, in-process) as the embedded default.

/** Drizzle's type over the database: the migrator's and the tests' orm, and queryBuilder (no connection). */
export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * What a repository runs its statements on: the connection of the caller's transaction (the unit
 * of work's, src/db/unit-of-work.ts), or for a read on its own the Database, whose `query` is the same.
 */
export interface SqlConnection {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

interface DatabaseBase {
  readonly orm: Orm;
  /** Runs one statement outside a transaction (reads). */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** Runs `work` in a transaction on one connection; commits if it resolves, rolls back if it throws. */
  transaction<T>(work: (connection: SqlConnection) => Promise<T>): Promise<T>;
  /** Throws when the database cannot answer a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresDatabase extends DatabaseBase {
  readonly kind: 'postgres';
  readonly pool: pg.Pool;
}

export interface PgliteDatabase extends DatabaseBase {
  readonly kind: 'pglite';
  readonly pglite: PGlite;
  /** Statements and transactions asked of the one connection and not yet finished (long work gives way while any wait). */
  waiting(): number;
}

export type Database = PostgresDatabase | PgliteDatabase;

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolMax?: number; statementTimeoutMs?: number }
  | { kind: 'pglite'; dataDir?: string; loadDataDir?: Blob; statementTimeoutMs?: number };

export interface DatabaseEvents {
  /** An idle pooled connection failed (for example the server restarted); the pool replaces it. */
  onConnectionError?: (error: Error) => void;
}

export async function openDatabase(target: DatabaseTarget, events: DatabaseEvents = {}): Promise<Database> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolMax ?? 10,
      statement_timeout: target.statementTimeoutMs ?? 15_000,
      // Fail fast while the server is away instead of queueing requests for minutes.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'care-trajectory-registry',
    });
    // Without a listener an idle client's error (server restart, terminated backend) kills the process.
    pool.on('error', (error) => events.onConnectionError?.(error));
    const orm = drizzlePg(pool, { schema }) as unknown as Orm;
    return {
      kind: 'postgres',
      pool,
      orm,
      query: (text, params) => pool.query(text, params) as never,
      transaction: async (work) => {
        const client = await pool.connect();
        // The pool listens for errors only on idle clients. A connection lost while checked out,
        // between two statements (terminated backend, server restart), is otherwise an
        // unhandled 'error' event that ends the process; here it only fails the next statement.
        let broken: Error | undefined;
        const onLost = (error: Error) => {
          broken = error;
        };
        client.on('error', onLost);
        try {
          await client.query('begin');
          const result = await work({ query: (text, params) => client.query(text, params) as never });
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch((rollbackError: Error) => {
            broken = rollbackError; // The connection itself failed: do not return it to the pool.
          });
          throw error;
        } finally {
          client.removeListener('error', onLost);
          client.release(broken);
        }
      },
      ping: async () => {
        await pool.query('select 1');
      },
      close: () => pool.end(),
    };
  }

  const pglite = await PGlite.create({
    ...(target.dataDir ? { dataDir: target.dataDir } : {}),
    ...(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {}),
  });
  const orm = drizzlePglite(pglite, { schema }) as unknown as Orm;
  let waiting = 0;
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    waiting += 1;
    try {
      return await work();
    } finally {
      waiting -= 1;
    }
  };
  return {
    kind: 'pglite',
    pglite,
    orm,
    waiting: () => waiting,
    query: (text, params) => counted(() => pglite.query(text, params)) as never,
    transaction: (work) => counted(() => pglite.transaction((tx) => work({ query: (text, params) => tx.query(text, params) as never }))),
    ping: async () => {
      await pglite.query('select 1');
    },
    close: async () => {
      if (!pglite.closed) await pglite.close();
    },
  };
}

/**
 * Drizzle's query builder with no connection of its own: a repository builds a statement with it
 * (or with `sql`) and runs it with `runOn` on the connection of the caller's transaction.
 */
export const queryBuilder = drizzlePg.mock({ schema }) as unknown as Orm;

const dialect = new PgDialect();

/**
 * Runs a statement built with Drizzle (`sql`, or a query builder's) on a transaction's
 * connection. Rows come back as the statement names its columns: Drizzle maps none of them.
 */
export async function runOn<Row = Record<string, unknown>>(
  connection: SqlConnection,
  query: SQL | { toSQL(): { sql: string; params: unknown[] } },
): Promise<Row[]> {
  const { sql: text, params } = 'toSQL' in query ? query.toSQL() : dialect.sqlToQuery(query);
  return (await connection.query<Row>(text, params)).rows;
}

/** Runs a raw statement through Drizzle and returns its rows, the same way on both drivers (for tests). */
export async function selectRows<Row>(orm: Orm, query: SQL): Promise<Row[]> {
  const result = (await orm.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}

export { sql };
