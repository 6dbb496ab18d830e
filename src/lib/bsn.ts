// The Dutch citizen service number (BSN): nine digits passing the "eleven-test"
// (9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 mod 11). Eight-digit numbers are written with a leading
// zero. See https://www.rvig.nl (Logius, "Elfproef BSN").
//
// One definition of how a BSN may be written serves both sides: the pseudonymise tool accepts
// exactly these forms, and the PII guard looks for exactly these forms in any text, so nothing
// the tool would take as a BSN can slip past the guard in another spelling.

import { foldDigits } from './digits';

const SEPARATOR = String.raw`[\s._-]`;
/** 8 or 9 digits; between any two of them at most one space, dot, dash or underscore. */
const BSN_FORM = String.raw`\d(?:${SEPARATOR}?\d){7,8}`;
const WHOLE_FORM = new RegExp(`^${BSN_FORM}$`);
/** In running text: a form not glued to further digits on either side (with or without a separator). */
const FORM_IN_TEXT = new RegExp(`(?<!\\d${SEPARATOR}?)${BSN_FORM}(?!${SEPARATOR}?\\d)`, 'g');

/**
 * The nine digits of a BSN written in one of the accepted forms (surrounding space ignored,
 * full-width, Arabic-Indic and every other script's digits folded to ASCII); undefined if it is not one.
 */
export function normaliseBsn(input: string): string | undefined {
  const trimmed = foldDigits(input.normalize('NFKC')).trim();
  if (!WHOLE_FORM.test(trimmed)) return undefined;
  return trimmed.replace(/\D/g, '').padStart(9, '0');
}

/** True when nine digits pass the BSN eleven-test (and are not all zeros). */
export function passesElevenTest(nineDigits: string): boolean {
  if (!/^\d{9}$/.test(nineDigits) || /^0+$/.test(nineDigits)) return false;
  let sum = 0;
  for (let position = 0; position < 8; position += 1) sum += Number(nineDigits[position]) * (9 - position);
  sum -= Number(nineDigits[8]);
  return sum % 11 === 0;
}

/** True when the text holds, anywhere, a number the pseudonymise tool would accept as a BSN. */
export function containsBsn(text: string): boolean {
  const folded = foldDigits(text.normalize('NFKC'));
  FORM_IN_TEXT.lastIndex = 0;
  for (let match = FORM_IN_TEXT.exec(folded); match; match = FORM_IN_TEXT.exec(folded)) {
    const digits = normaliseBsn(match[0]);
    if (digits && passesElevenTest(digits)) return true;
  }
  return false;
}
