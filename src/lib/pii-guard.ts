import { passesElevenTest } from './bsn';

// Refuses values that look like a direct identifier. The registry has no free-text fields, so
// any of these in a string field is a leak at the source, not data. Findings never carry the
// value itself.

export type PiiKind = 'bsn' | 'email' | 'phone' | 'date_of_birth' | 'pseudonym';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// Dutch numbers (06-12345678, 020 123 4567, +31 6 1234 5678, 0031…) and other international ones.
const PHONE = /(?:\+|00)\d[\d\s().-]{7,}\d|(?<![\d])0\d(?:[\s.-]?\d){8}(?![\d])/;
const NINE_DIGITS = /(?<!\d)\d{9}(?!\d)/g;
const SPACED_BSN = /(?<!\d)\d{4}[.\s-]\d{2}[.\s-]\d{3}(?!\d)|(?<!\d)\d{3}[.\s-]\d{3}[.\s-]\d{3}(?!\d)/g;
// A full calendar date in a field that is not a date field: a date of birth in disguise.
const FULL_DATE = /(?<!\d)(?:(?:19|20)\d{2}[-/.]?(?:0[1-9]|1[0-2])[-/.]?(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])[-/.](?:0[1-9]|1[0-2])[-/.](?:19|20)\d{2}|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d{2})(?!\d)/;

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

function holdsBsn(value: string): boolean {
  for (const pattern of [NINE_DIGITS, SPACED_BSN]) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
      if (passesElevenTest(match[0].replace(/\D/g, ''))) return true;
    }
  }
  return false;
}

// A source pseudonym belongs in subject.pseudonym only; anywhere else (a reference, a key) it
// would be stored or echoed as received.
const SOURCE_PSEUDONYM = /sp\d+\.[A-Za-z0-9_-]{20,}/;

/** What identifying pattern, if any, the string holds. */
export function findPii(value: string): PiiKind | undefined {
  if (value.includes('sp') && SOURCE_PSEUDONYM.test(value)) return 'pseudonym';
  if (!mayHoldPii(value)) return undefined;
  if (EMAIL.test(value)) return 'email';
  if (holdsBsn(value)) return 'bsn';
  if (FULL_DATE.test(value)) return 'date_of_birth';
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

/** Walks a parsed record and reports every string (and object key) holding identifying data. */
export function scanForPii(record: unknown, options: PiiScanOptions = {}): PiiFinding[] {
  const findings: PiiFinding[] = [];
  const path: Array<string | number> = [];
  // Exemptions are looked up only for a finding: the common case allocates nothing.
  const exempt = (kind: PiiKind, value: string) => {
    const dotted = path.join('.');
    if (options.skipPaths?.has(dotted)) return true;
    return kind === 'date_of_birth' && Boolean(options.datePaths?.has(dotted)) && /^\d{4}-\d{2}-\d{2}$/.test(value);
  };
  const visit = (value: unknown) => {
    if (typeof value === 'string') {
      const kind = findPii(value);
      if (kind && !exempt(kind, value)) findings.push({ path: [...path], kind });
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) {
        path.push(index);
        visit(value[index]);
        path.pop();
      }
    } else if (value && typeof value === 'object') {
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const keyKind = findPii(key);
        if (keyKind) {
          findings.push({ path: [...path, '[key]'], kind: keyKind });
          continue;
        }
        path.push(key);
        visit((value as Record<string, unknown>)[key]);
        path.pop();
      }
    }
  };
  visit(record);
  return findings;
}
