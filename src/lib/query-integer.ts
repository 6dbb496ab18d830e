import { z } from 'zod';

// Query strings are text. z.coerce.number() reads them with Number(), which takes "0x10" as 16,
// "1e2" as 100, " 5 " as 5 and "" as 0: a typo or a probe passes as a number. Here only decimal
// digits are read, and anything else is refused naming the parameter. The document still says
// integer, with its bounds.

const DECIMAL_DIGITS = /^[0-9]{1,16}$/;

/** A whole number in a query string, written in decimal digits, within the bounds; `fallback` when absent. */
export function queryInteger(bounds: { min: number; max: number; fallback: number }) {
  // The default sits inside, where the document shows it (on the outside it is left out).
  return z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value),
    z
      .number({ error: 'must be a whole number written in decimal digits (0-9)' })
      .int()
      .min(bounds.min)
      .max(bounds.max)
      .default(bounds.fallback),
  );
}
