import type { Database } from './client';

// Times every SQL statement, whichever code sends it (Drizzle, the hand-written bulk SQL, the
// migrator), without touching that code: on PostgreSQL each pooled client's `query` is wrapped
// as the pool hands it out; on PGlite the instance's `query`, `exec` and transactions are.
// Observers come and go (each application registers one and removes it when it closes).

export type QueryObserver = (seconds: number, failed: boolean) => void;

const observersOf = new WeakMap<object, Set<QueryObserver>>();
const wrapped = new WeakSet<object>();

// Any signature: the wrappers pass every argument through unchanged.
// biome-ignore lint/suspicious/noExplicitAny: `any` parameters let the typed replacements below stand in for the methods
type Method = (...args: any[]) => unknown;

/** Replaces `target[name]` with a version that reports each call's duration to `notify`. */
function timeMethod(target: Record<string, unknown>, name: string, notify: (started: bigint, failed: boolean) => void): void {
  const original = target[name] as Method;
  target[name] = function timed(this: unknown, ...args: unknown[]) {
    const started = process.hrtime.bigint();
    // node-postgres' callback form (the pool's own `query` uses it).
    const callbackAt = args.findIndex((arg) => typeof arg === 'function');
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as Method;
      args[callbackAt] = (error: unknown, ...rest: unknown[]) => {
        notify(started, Boolean(error));
        return callback(error, ...rest);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          notify(started, false);
          return value;
        },
        (error: unknown) => {
          notify(started, true);
          throw error;
        },
      );
    }
    return result; // A streamed query (COPY, cursor): not timed.
  };
}

function instrument(database: Database, notify: (started: bigint, failed: boolean) => void): void {
  if (database.kind === 'postgres') {
    const pool = database.pool as unknown as Record<string, unknown> & { connect: Method };
    const connect = pool.connect.bind(pool);
    const wrapClient = (client: unknown) => {
      if (client && !wrapped.has(client)) {
        wrapped.add(client);
        timeMethod(client as Record<string, unknown>, 'query', notify);
      }
      return client;
    };
    // The pool's own `query` goes through `this.connect(callback)` too, so this sees every statement.
    pool.connect = (callback?: Method) =>
      callback
        ? connect((error: unknown, client: unknown, release: unknown) => callback(error, wrapClient(client), release))
        : (connect() as Promise<unknown>).then(wrapClient);
    return;
  }
  const pglite = database.pglite as unknown as Record<string, unknown> & { transaction: Method };
  timeMethod(pglite, 'query', notify);
  timeMethod(pglite, 'exec', notify);
  const transaction = pglite.transaction.bind(pglite);
  pglite.transaction = (work: Method) =>
    transaction((tx: Record<string, unknown>) => {
      timeMethod(tx, 'query', notify);
      timeMethod(tx, 'exec', notify);
      return work(tx);
    });
}

/** Reports the duration of every statement on `database` to `observer` until the returned function is called. */
export function observeQueries(database: Database, observer: QueryObserver): () => void {
  const handle = database.kind === 'postgres' ? database.pool : database.pglite;
  let observers = observersOf.get(handle);
  if (!observers) {
    const set = new Set<QueryObserver>();
    observers = set;
    observersOf.set(handle, set);
    instrument(database, (started, failed) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (const notify of set) notify(seconds, failed);
    });
  }
  observers.add(observer);
  return () => void observers.delete(observer);
}
