import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsBsn, normaliseBsn, passesElevenTest } from './bsn';
import { findPii } from './pii-guard';
import { InvalidBsnError, pseudonymiseBsn } from './source-pseudonym';

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

  it('normalises separators, eight-digit numbers and full-width digits', () => {
    expect(normaliseBsn('1112.22.333')).toBe('111222333');
    expect(normaliseBsn(' 111-222-333 ')).toBe('111222333');
    expect(normaliseBsn('123-45-6782')).toBe('123456782');
    expect(normaliseBsn('123.45.6782')).toBe('123456782');
    expect(normaliseBsn('123_456_782')).toBe('123456782');
    expect(normaliseBsn('１２３４５６７８２')).toBe('123456782');
    expect(normaliseBsn('12345678')).toBe('012345678');
    expect(normaliseBsn('12345')).toBeUndefined();
    expect(normaliseBsn('11122233a')).toBeUndefined();
    expect(normaliseBsn('111--222--333')).toBeUndefined();
    expect(normaliseBsn('1112223330')).toBeUndefined();
  });

  it('finds a number only as a whole, never as a piece of a longer run of digits', () => {
    expect(containsBsn('REF-111222333-X')).toBe(true);
    expect(containsBsn('1111222333')).toBe(false); // ten digits
    expect(containsBsn('1-111-222-333')).toBe(false); // ten digits, grouped
    expect(containsBsn('111222333-4')).toBe(false);
  });
});

/** Nine digits that pass the eleven-test, from any eight leading digits. */
const validBsn = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 })
  .map((digits) => {
    for (let check = 0; check < 10; check += 1) {
      const candidate = `${digits.join('')}${check}`;
      if (passesElevenTest(candidate)) return candidate;
    }
    return undefined;
  })
  .filter((value): value is string => value !== undefined);

/** The number written with a separator (or none) in each gap, dropping a leading zero at will. */
const writtenForm = validBsn.chain((digits) =>
  fc
    .tuple(fc.array(fc.constantFrom('', '', '', ' ', '.', '-', '_'), { minLength: 8, maxLength: 8 }), fc.boolean())
    .map(([separators, dropZero]) => {
      const shown = dropZero && digits.startsWith('0') ? digits.slice(1) : digits;
      const gaps = separators.slice(0, shown.length - 1);
      return { digits, form: [...shown].map((digit, index) => digit + (gaps[index] ?? '')).join('') };
    }),
);

describe('the PII guard and the pseudonymise tool agree', () => {
  // Seen failing with the guard's form narrowed to space, dot and dash (the tool's still taking an
  // underscore): counterexample 67504_4029.
  it('every form the tool accepts as a BSN is refused by the guard, alone or inside a reference', () => {
    fc.assert(
      fc.property(writtenForm, ({ digits, form }) => {
        expect(() => pseudonymiseBsn(form, Buffer.alloc(32, 1))).not.toThrow();
        expect(normaliseBsn(form)).toBe(digits);
        expect(findPii(form)).toBeDefined();
        expect(findPii(`EHR-${form}-x`)).toBeDefined();
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('the tool refuses what the guard lets pass as a number', () => {
    for (const notABsn of ['123456789', '12-34-56', '1111222333']) {
      expect(() => pseudonymiseBsn(notABsn, Buffer.alloc(32, 1))).toThrow(InvalidBsnError);
    }
  });
});
