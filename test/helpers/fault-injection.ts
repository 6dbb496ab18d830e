import pg from 'pg';
import type { Database, SqlConnection } from '../../src/db/client';

// Fault tests strike at an exact point of the service's work (say, once the first batch of a
// bulk ingest is written) instead of sleeping and hoping. The service gets the same database
// with its transactions observed; a test decides what happens at a statement.

export interface TransactionObserver {
  /** Called after each statement of a transaction has completed, in order. */
  afterStatement?: (text: string) => Promise<void> | void;
}

export interface ObservedDatabase {
  database: Database;
  observe(observer: TransactionObserver | undefined): void;
  /**
   * Emulates a database that is away: until `back()`, every transaction fails as on a lost
   * connection (new ones at the start, open ones at their next statement), and so does every
   * statement outside one (the audit writer's flushes, key lookups).
   */
  goAway(): void;
  back(): void;
}

const lostConnection = () => new Error('Connection terminated unexpectedly');
const refusedConnection = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

export function observeDatabase(database: Database): ObservedDatabase {
  let observer: TransactionObserver | undefined;
  let away = false;
  const observed = {
    ...database,
    query: ((text: string, params?: unknown[]) =>
      away ? Promise.reject(refusedConnection()) : database.query(text, params)) as Database['query'],
    transaction: <T>(work: (connection: SqlConnection) => Promise<T>): Promise<T> => {
      if (away) return Promise.reject(refusedConnection());
      return database.transaction((connection) =>
        work({
          query: (async (text: string, params?: unknown[]) => {
            if (away) throw lostConnection();
            const result = await connection.query(text, params);
            await observer?.afterStatement?.(text);
            return result;
          }) as SqlConnection['query'],
        }),
      );
    },
  } as Database;
  return {
    database: observed,
    observe: (next) => {
      observer = next;
    },
    goAway: () => {
      away = true;
    },
    back: () => {
      away = false;
    },
  };
}

/**
 * Terminates every other backend of the database at `url` (the service's connections), from a
 * connection of its own, and waits until they are gone.
 */
export async function terminateBackends(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ terminated: number }>(
      // Materialised first, so the filter surely runs before any backend is terminated: other
      // databases on this server belong to other tests.
      `with targets as materialized (
         select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
       )
       select (count(*) filter (where pg_terminate_backend(pid, 5000)))::int as terminated from targets`,
    );
    return rows[0]!.terminated;
  } finally {
    await admin.end();
  }
}

/** Resolves the n-th time `predicate` holds, then runs `strike` before the statement returns. */
export function atStatement(
  predicate: (text: string) => boolean,
  occurrence: number,
  strike: () => Promise<void> | void,
): TransactionObserver & { struck: Promise<void> } {
  let seen = 0;
  let resolve!: () => void;
  const struck = new Promise<void>((done) => (resolve = done));
  return {
    struck,
    afterStatement: async (text) => {
      if (!predicate(text)) return;
      seen += 1;
      if (seen !== occurrence) return;
      await strike();
      resolve();
    },
  };
}
