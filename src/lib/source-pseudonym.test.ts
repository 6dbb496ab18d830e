import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidBsnError, isSourcePseudonym, pseudonymiseBsn } from './source-pseudonym';

const KEY = Buffer.alloc(32, 1);

describe('source pseudonym v1', () => {
  it('is sp1. and the base64url HMAC-SHA-256 of "bsn:" + the normalised number', () => {
    const expected = createHmac('sha256', KEY).update('bsn:111222333').digest('base64url');
    expect(pseudonymiseBsn('111222333', KEY)).toBe(`sp1.${expected}`);
    expect(isSourcePseudonym(pseudonymiseBsn('111222333', KEY))).toBe(true);
  });

  it('gives the same pseudonym however the number is written, and another under another key', () => {
    expect(pseudonymiseBsn('1112.22.333', KEY)).toBe(pseudonymiseBsn('111222333', KEY));
    expect(pseudonymiseBsn('111222333', Buffer.alloc(32, 2))).not.toBe(pseudonymiseBsn('111222333', KEY));
  });

  it('refuses numbers failing the eleven-test without echoing them', () => {
    expect(() => pseudonymiseBsn('123456789', KEY)).toThrow(InvalidBsnError);
    try {
      pseudonymiseBsn('123456789', KEY);
    } catch (error) {
      expect((error as Error).message).not.toContain('123456789');
    }
  });

  it('refuses a short key', () => {
    expect(() => pseudonymiseBsn('111222333', Buffer.alloc(8))).toThrow(/32 bytes/);
  });

  it('recognises only the documented shape', () => {
    expect(isSourcePseudonym(`sp1.${'A'.repeat(43)}`)).toBe(true);
    for (const candidate of [`sp1.${'A'.repeat(42)}`, `sp2.${'A'.repeat(43)}`, '111222333', `sp1.${'A'.repeat(42)}=`]) {
      expect(isSourcePseudonym(candidate)).toBe(false);
    }
  });
});
