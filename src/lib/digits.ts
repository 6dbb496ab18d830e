// Every Unicode decimal digit (general category Nd: Arabic-Indic ٠-٩, Devanagari, Thai,
// full-width, mathematical and 60-odd more scripts) as its ASCII digit. NFKC folds only the
// compatibility forms (full-width, mathematical), not the digits of other scripts, so an
// identifier written in Arabic-Indic digits would pass patterns built on \d.
//
// Unicode's stability policy encodes each set of decimal digits as ten consecutive code points
// from zero to nine (https://www.unicode.org/policies/stability_policy.html, Numeric_Type=Decimal),
// so a digit's value is its distance from the first digit of its run, modulo ten.

const DECIMAL = /\p{Nd}/u;
const NON_ASCII_DIGIT = /[^\0-\x7f]/u;
const ANY_NON_ASCII_DIGIT = /(?![0-9])\p{Nd}/gu;

const values = new Map<string, string>();

function asciiOf(digit: string): string {
  let known = values.get(digit);
  if (known === undefined) {
    const codePoint = digit.codePointAt(0)!;
    let first = codePoint;
    while (DECIMAL.test(String.fromCodePoint(first - 1))) first -= 1;
    known = String((codePoint - first) % 10);
    values.set(digit, known);
  }
  return known;
}

/** The text with every decimal digit of any script written as 0-9; other characters unchanged. */
export function foldDigits(text: string): string {
  if (!NON_ASCII_DIGIT.test(text)) return text;
  return text.replace(ANY_NON_ASCII_DIGIT, asciiOf);
}
