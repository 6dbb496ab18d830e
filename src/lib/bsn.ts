// The Dutch citizen service number (BSN): nine digits passing the "eleven-test"
// (9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 mod 11). Eight-digit numbers are written with a leading
// zero. See https://www.rvig.nl (Logius, "Elfproef BSN").

/** Strips spaces, dots and dashes; pads eight digits to nine. Returns undefined if not a number. */
export function normaliseBsn(input: string): string | undefined {
  const digits = input.replace(/[\s.-]/g, '');
  if (!/^\d{8,9}$/.test(digits)) return undefined;
  return digits.padStart(9, '0');
}

/** True when nine digits pass the BSN eleven-test (and are not all zeros). */
export function passesElevenTest(nineDigits: string): boolean {
  if (!/^\d{9}$/.test(nineDigits) || /^0+$/.test(nineDigits)) return false;
  let sum = 0;
  for (let position = 0; position < 8; position += 1) sum += Number(nineDigits[position]) * (9 - position);
  sum -= Number(nineDigits[8]);
  return sum % 11 === 0;
}
