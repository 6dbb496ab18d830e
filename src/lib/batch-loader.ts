// A per-request batch loader: every load() made in the same tick becomes one call of the batch
// function, so the number of SQL statements for a page does not grow with the page size.

export type BatchFunction<Key, Value> = (keys: readonly Key[]) => Promise<Map<Key, Value>>;

export function createBatchLoader<Key, Value>(batch: BatchFunction<Key, Value>, missing: () => Value) {
  const cache = new Map<Key, Promise<Value>>();
  let pending: Array<{ key: Key; resolve: (value: Value) => void; reject: (error: unknown) => void }> = [];

  const dispatch = async () => {
    const queue = pending;
    pending = [];
    try {
      const results = await batch([...new Set(queue.map((entry) => entry.key))]);
      for (const entry of queue) entry.resolve(results.has(entry.key) ? results.get(entry.key)! : missing());
    } catch (error) {
      for (const entry of queue) entry.reject(error);
    }
  };

  return {
    load(key: Key): Promise<Value> {
      const cached = cache.get(key);
      if (cached) return cached;
      const promise = new Promise<Value>((resolve, reject) => {
        if (pending.length === 0) setImmediate(() => void dispatch());
        pending.push({ key, resolve, reject });
      });
      cache.set(key, promise);
      return promise;
    },
    /** Seeds the cache with values loaded another way (for example with the page itself). */
    prime(key: Key, value: Value): void {
      if (!cache.has(key)) cache.set(key, Promise.resolve(value));
    },
  };
}

export type BatchLoader<Key, Value> = ReturnType<typeof createBatchLoader<Key, Value>>;
