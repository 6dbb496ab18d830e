import { describe, expect, it } from 'vitest';
import { createApiKeyCache } from './api-key-cache';
import type { ApiKeyRecord } from './api-keys.repository';

const record = (id: string): ApiKeyRecord => ({
  id,
  name: 'test',
  prefix: 'crr_abcdef',
  role: 'researcher',
  institutionId: null,
  institutionCode: null,
  createdAt: new Date(0),
  expiresAt: null,
  revokedAt: null,
});

describe('the API key cache', () => {
  it('holds nothing until its listener listens, and nothing after it is lost', () => {
    const cache = createApiKeyCache();
    cache.set('h1', record('k1'), cache.generation());
    expect(cache.get('h1')).toBeUndefined();
    cache.listening();
    cache.set('h1', record('k1'), cache.generation());
    expect(cache.get('h1')?.id).toBe('k1');
    cache.lost();
    expect(cache.get('h1')).toBeUndefined();
    cache.listening();
    expect(cache.get('h1')).toBeUndefined(); // Emptied: changes may have passed unseen.
  });

  it('does not store a lookup that began before an invalidation', () => {
    const cache = createApiKeyCache();
    cache.listening();
    const since = cache.generation();
    cache.invalidate(); // A change notice arrives while the lookup is in the database.
    cache.set('h1', record('k1'), since);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('is bounded', () => {
    const cache = createApiKeyCache({ maxEntries: 3 });
    cache.listening();
    for (let index = 0; index < 10; index += 1) cache.set(`h${index}`, record(`k${index}`), cache.generation());
    expect(cache.size()).toBe(3);
    expect(cache.get('h9')?.id).toBe('k9');
    expect(cache.get('h0')).toBeUndefined();
  });
});
