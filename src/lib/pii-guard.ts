import { containsBsn } from './bsn';
import { foldDigits } from './digits';

// Refuses values that look like a direct identifier. The registry has no free-text fields, so
// any of these in a string field is a leak at the source, not data. Findings never carry the
// value itself.

export type PiiKind = 'bsn' | 'email' | 'phone' | 'date_of_birth' | 'pseudonym';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// Dutch numbers (06-12345678, 020 123 4567, +31 6 1234 5678, 0031…) and other international ones.
const PHONE = /(?:\+|00)\d[\d\s().-]{7,}\d|(?<![\d])0\d(?:[\s.-]?\d){8}(?![\d])/;
// A full calendar date in a field that is not a date field: a date of birth in disguise.
const FULL_DATE =
  /(?<!\d)(?:(?:19|20)\d{2}[-/.]?(?:0[1-9]|1[0-2])[-/.]?(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])[-/.](?:0[1-9]|1[0-2])[-/.](?:19|20)\d{2}|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d{2})(?!\d)/;

/** Cheap pre-check: every pattern needs an @ or at least six digits. Most values have neither. */
function mayHoldPii(value: string): boolean {
  let digits = 0;
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code === 64 /* @ */) return true;
    if (code >= 48 && code <= 57 && ++digits >= 6) return true;
  }
  return false;
}

// A source pseudonym belongs in subject.pseudonym only; anywhere else (a reference, a key) it
// would be stored or echoed as received.
const SOURCE_PSEUDONYM = /sp\d+\.[A-Za-z0-9_-]{20,}/;

// Anything outside ASCII is folded first (NFKC, then the digits of every script), so full-width
// or Arabic-Indic digits or a look-alike "＠" cannot hide an identifier from the patterns below.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII (from NUL), so only non-ASCII matches
const NON_ASCII = /[^\x00-\x7f]/;

/** What identifying pattern, if any, the string holds. */
export function findPii(input: string): PiiKind | undefined {
  const value = NON_ASCII.test(input) ? foldDigits(input.normalize('NFKC')) : input;
  if (value.includes('sp') && SOURCE_PSEUDONYM.test(value)) return 'pseudonym';
  if (!mayHoldPii(value)) return undefined;
  if (EMAIL.test(value)) return 'email';
  // A full date first: "2008-04-19" is more likely a date of birth than an eight-digit BSN.
  if (FULL_DATE.test(value)) return 'date_of_birth';
  if (containsBsn(value)) return 'bsn';
  if (PHONE.test(value)) return 'phone';
  return undefined;
}

export interface PiiFinding {
  path: Array<string | number>;
  kind: PiiKind;
}

export interface PiiScanOptions {
  /** Declared date fields (dotted paths), where an ISO date is expected. */
  datePaths?: ReadonlySet<string>;
  /** Fields with a strict format of their own that is checked elsewhere (the pseudonym). */
  skipPaths?: ReadonlySet<string>;
}

/** A step of the walk: the value and how it was reached (a linked path, built only for findings). */
interface Step {
  value: unknown;
  segment: string | number | undefined;
  parent: Step | undefined;
  /** Set on a step that only reports an identifying key of `parent`, in its place in the order. */
  keyKind?: PiiKind;
}

const pathOf = (step: Step | undefined): Array<string | number> => {
  const path: Array<string | number> = [];
  for (let at = step; at?.segment !== undefined; at = at.parent) path.unshift(at.segment);
  return path;
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Walks a parsed record and reports every string (and object key) holding identifying data, in
 * document order. The walk keeps its own stack, so however deeply hostile input nests, it cannot
 * overflow the call stack (callers still refuse deep input first; see json-limits.ts).
 */
export function scanForPii(record: unknown, options: PiiScanOptions = {}): PiiFinding[] {
  const findings: PiiFinding[] = [];
  // Exemptions are looked up only for a finding: the common case allocates nothing. In a declared
  // date field an ISO date is the expected value, whatever else its digits might spell.
  const exempt = (path: Array<string | number>, value: string) => {
    const dotted = path.join('.');
    if (options.skipPaths?.has(dotted)) return true;
    return Boolean(options.datePaths?.has(dotted)) && ISO_DATE.test(value);
  };
  const pending: Step[] = [{ value: record, segment: undefined, parent: undefined }];
  while (pending.length > 0) {
    const step = pending.pop()!;
    const { value } = step;
    if (step.keyKind) {
      findings.push({ path: [...pathOf(step.parent), '[key]'], kind: step.keyKind });
    } else if (typeof value === 'string') {
      const kind = findPii(value);
      if (kind) {
        const path = pathOf(step);
        if (!exempt(path, value)) findings.push({ path, kind });
      }
    } else if (Array.isArray(value)) {
      // Pushed last to first, so they are taken first to last.
      for (let index = value.length - 1; index >= 0; index -= 1) pending.push({ value: value[index], segment: index, parent: step });
    } else if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      for (let index = keys.length - 1; index >= 0; index -= 1) {
        const key = keys[index]!;
        const keyKind = findPii(key);
        pending.push(
          keyKind
            ? { value: undefined, segment: undefined, parent: step, keyKind }
            : { value: (value as Record<string, unknown>)[key], segment: key, parent: step },
        );
      }
    }
  }
  return findings;
}
