import { describe, expect, it } from 'vitest';
import { displayPrefix, generateApiKeySecret, hashApiKeySecret, isWellFormedApiKey } from './api-key-secret';

describe('API key secrets', () => {
  it('are 256-bit random tokens with a recognisable prefix', () => {
    const first = generateApiKeySecret();
    const second = generateApiKeySecret();
    expect(first).not.toBe(second);
    expect(isWellFormedApiKey(first)).toBe(true);
    expect(Buffer.from(first.slice(4), 'base64url')).toHaveLength(32);
  });

  it('hash to 64 hex characters and show only a short prefix', () => {
    const secret = generateApiKeySecret();
    expect(hashApiKeySecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKeySecret(secret)).toBe(hashApiKeySecret(secret));
    expect(displayPrefix(secret)).toHaveLength(10);
    expect(secret.startsWith(displayPrefix(secret))).toBe(true);
  });

  it('rejects malformed keys before any lookup', () => {
    for (const candidate of ['', 'crr_', 'crr_short', `xyz_${'a'.repeat(43)}`, `crr_${'a'.repeat(42)}!`]) {
      expect(isWellFormedApiKey(candidate)).toBe(false);
    }
  });
});
