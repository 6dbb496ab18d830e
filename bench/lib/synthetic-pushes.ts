import { passesElevenTest } from '../../src/lib/bsn';

/**
 * A valid BSN (eleven-test) for every n from 0 to 44,999,999, distinct for distinct n: the check
 * digit follows from an eight-digit prefix, and n owns two prefixes in case the first would need
 * a check digit of 10. Synthetic numbers for benchmarks; the pushes pseudonymise them first.
 */
export function syntheticBsn(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 45_000_000) throw new RangeError(`syntheticBsn: n out of range: ${n}`);
  for (let offset = 0; offset < 2; offset += 1) {
    const prefix = String(10_000_000 + n * 2 + offset);
    let sum = 0;
    for (let position = 0; position < 8; position += 1) sum += Number(prefix[position]) * (9 - position);
    const check = sum % 11;
    if (check < 10 && passesElevenTest(`${prefix}${check}`)) return `${prefix}${check}`;
  }
  throw new Error(`no valid BSN for ${n}`);
}

/** Instrument, informant and top of the range for the measurements the push benchmarks send, in turn. */
export const PUSHED_SERIES = [
  ['trauma_symptoms', 'youth', 60],
  ['emotional_behavioural', 'parent', 40],
  ['resilience', 'mentor', 100],
  ['participation', 'teacher', 40],
] as const;
