import { createHmac } from 'node:crypto';
import { normaliseBsn, passesElevenTest } from './bsn';

// Source pseudonym, format version 1 — what an institution sends instead of a citizen service
// number. It is made on the institution's side, under a key the six institutions share, so the
// same youth gets the same pseudonym everywhere:
//
//   sp1.<base64url(HMAC-SHA-256(sharedKey, "bsn:" + normalisedBsn))>   (4 + 43 characters)
//
// The registry accepts only this shape, keys it once more with its own secret (pseudonym.ts)
// and stores only that. A new format gets a new prefix (sp2.) so both can be told apart.

export const SOURCE_PSEUDONYM_VERSION = 'sp1';
export const SOURCE_PSEUDONYM_PATTERN = /^sp1\.[A-Za-z0-9_-]{43}$/;

export class InvalidBsnError extends Error {
  constructor() {
    // Never echo the number: it is a direct identifier.
    super('Not a valid citizen service number: it must be nine digits (or eight) passing the eleven-test.');
    this.name = 'InvalidBsnError';
  }
}

/** Makes the source pseudonym of a BSN; refuses numbers that fail the eleven-test. */
export function pseudonymiseBsn(bsn: string, sharedKey: Buffer): string {
  if (sharedKey.length < 32) throw new Error('The shared pseudonym key must be at least 32 bytes.');
  const normalised = normaliseBsn(bsn);
  if (!normalised || !passesElevenTest(normalised)) throw new InvalidBsnError();
  const digest = createHmac('sha256', sharedKey).update(`bsn:${normalised}`, 'utf8').digest('base64url');
  return `${SOURCE_PSEUDONYM_VERSION}.${digest}`;
}

export function isSourcePseudonym(candidate: string): boolean {
  return SOURCE_PSEUDONYM_PATTERN.test(candidate);
}
