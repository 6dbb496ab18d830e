import { describe, expect, it } from 'vitest';
import { normaliseBsn, passesElevenTest } from './bsn';

// Test numbers: 111222333 and 123456782 are the well-known valid test BSNs (they pass the
// eleven-test and are not issued); 123456789 fails it.
describe('BSN', () => {
  it('passes valid numbers through the eleven-test', () => {
    expect(passesElevenTest('111222333')).toBe(true);
    expect(passesElevenTest('123456782')).toBe(true);
  });

  it('refuses numbers that fail it, and all zeros', () => {
    expect(passesElevenTest('123456789')).toBe(false);
    expect(passesElevenTest('111222334')).toBe(false);
    expect(passesElevenTest('000000000')).toBe(false);
  });

  it('normalises separators and eight-digit numbers', () => {
    expect(normaliseBsn('1112.22.333')).toBe('111222333');
    expect(normaliseBsn(' 111-222-333 ')).toBe('111222333');
    expect(normaliseBsn('12345678')).toBe('012345678');
    expect(normaliseBsn('12345')).toBeUndefined();
    expect(normaliseBsn('11122233a')).toBeUndefined();
  });
});
