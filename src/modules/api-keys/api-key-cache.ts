import { LRUCache } from 'lru-cache';
import type { ApiKeyRecord } from './api-keys.repository';

// Keys found in the database, by the SHA-256 of their secret, so that a request does not look
// its key up. Trusted only while this instance listens for key changes (PostgreSQL NOTIFY from
// migrations/0010): a change empties it, and so does losing or regaining the listener, since
// changes may have passed unseen in between. The TTL is a backstop, not the mechanism. Unknown
// keys are never cached (a flood of made-up keys cannot fill memory), and the LRU bound holds
// the rest. A revoked key can still pass here in the moment before its notification arrives:
// the audit writer confirms every key against the database in the transaction that makes the
// request's audit event durable, before any answer leaves (plugins/audit.ts).

/** The channel migrations/0010 notifies on every change to api_keys. */
export const API_KEY_CHANGES_CHANNEL = 'api_keys_changed';

export interface ApiKeyCacheOptions {
  maxEntries?: number;
  ttlMs?: number;
}

export type ApiKeyCacheState = 'listening' | 'not listening';

export function createApiKeyCache(options: ApiKeyCacheOptions = {}) {
  const entries = new LRUCache<string, ApiKeyRecord>({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 30_000 });
  let listening = false;
  let timesLost = 0;
  // Bumped by every invalidation: a lookup that began before it may not store what it read.
  let generation = 0;
  const invalidate = () => {
    generation += 1;
    entries.clear();
  };
  return {
    get: (secretHash: string): ApiKeyRecord | undefined => (listening ? entries.get(secretHash) : undefined),
    /** The generation to pass to `set` for a lookup that starts now. */
    generation: () => generation,
    set(secretHash: string, record: ApiKeyRecord, since: number): void {
      if (listening && since === generation) entries.set(secretHash, record);
    },
    /** A key changed somewhere: forget them all (key changes are rare). */
    invalidate,
    listening(): void {
      invalidate();
      listening = true;
    },
    lost(): void {
      listening = false;
      timesLost += 1;
      invalidate();
    },
    state: (): ApiKeyCacheState => (listening ? 'listening' : 'not listening'),
    /** How often the listener was lost since start. */
    timesLost: () => timesLost,
    size: () => entries.size,
  };
}

export type ApiKeyCache = ReturnType<typeof createApiKeyCache>;
