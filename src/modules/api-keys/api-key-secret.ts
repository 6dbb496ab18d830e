import { createHash, randomBytes } from 'node:crypto';

// An API key is `crr_` followed by 256 random bits in base64url. Only its SHA-256 is stored.
const KEY_PREFIX = 'crr_';
const KEY_PATTERN = /^crr_[A-Za-z0-9_-]{43}$/;

export function generateApiKeySecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function isWellFormedApiKey(candidate: string): boolean {
  return KEY_PATTERN.test(candidate);
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What a listing shows of a key: enough to recognise it, too little to use it. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, KEY_PREFIX.length + 6);
}
