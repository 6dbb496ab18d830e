import { describe, expect, it } from 'vitest';
import { foldDigits } from './digits';

describe('foldDigits', () => {
  it('writes the decimal digits of every script as ASCII', () => {
    expect(foldDigits('١٢٣٤٥٦٧٨٢')).toBe('123456782'); // Arabic-Indic
    expect(foldDigits('۱۲۳۴۵۶۷۸۲')).toBe('123456782'); // Extended Arabic-Indic (Persian)
    expect(foldDigits('१२३४५६७८२')).toBe('123456782'); // Devanagari
    expect(foldDigits('๑๒๓๔๕๖๗๘๒')).toBe('123456782'); // Thai
    expect(foldDigits('１２３')).toBe('123'); // full-width
    expect(foldDigits('\u{1D7D9}\u{1D7E6}')).toBe('14'); // mathematical double-struck 1, sans-serif 4
  });

  it('agrees with NFKC on every digit NFKC folds, and folds every one (770 in the Unicode tables of Node 20)', () => {
    let folded = 0;
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += 1) {
      const character = String.fromCodePoint(codePoint);
      if (!/\p{Nd}/u.test(character)) continue;
      const ascii = foldDigits(character);
      expect(ascii, codePoint.toString(16)).toMatch(/^[0-9]$/);
      const nfkc = character.normalize('NFKC');
      if (/^[0-9]$/.test(nfkc)) expect(ascii, codePoint.toString(16)).toBe(nfkc);
      folded += 1;
    }
    expect(folded).toBeGreaterThanOrEqual(770);
  });

  it('leaves other text as it is', () => {
    expect(foldDigits('SYN-T000123 ٪ é')).toBe('SYN-T000123 ٪ é');
  });
});
