import { passesElevenTest } from './bsn';

// Refuses values that look like a direct identifier. The registry has no free-text fields, so
// any of these in a string field is a leak at the source, not data. Findings never carry the
// value itself.

export type PiiKind = 'bsn' | 'email' | 'phone' | 'date_of_birth';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// Dutch numbers (06-12345678, 020 123 4567, +31 6 1234 5678, 0031…) and other international ones.
const PHONE = /(?:\+|00)\d[\d\s().-]{7,}\d|(?<![\d])0\d(?:[\s.-]?\d){8}(?![\d])/;
const NINE_DIGITS = /(?<!\d)\d{9}(?!\d)/g;
const SPACED_BSN = /(?<!\d)\d{4}[.\s-]\d{2}[.\s-]\d{3}(?!\d)|(?<!\d)\d{3}[.\s-]\d{3}[.\s-]\d{3}(?!\d)/g;
// A full calendar date in a field that is not a date field: a date of birth in disguise.
const FULL_DATE = /(?<!\d)(?:(?:19|20)\d{2}[-/.]?(?:0[1-9]|1[0-2])[-/.]?(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])[-/.](?:0[1-9]|1[0-2])[-/.](?:19|20)\d{2}|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d{2})(?!\d)/;

/** What identifying pattern, if any, the string holds. */
export function findPii(value: string): PiiKind | undefined {
  if (EMAIL.test(value)) return 'email';
  for (const match of [...value.matchAll(NINE_DIGITS), ...value.matchAll(SPACED_BSN)]) {
    if (passesElevenTest(match[0].replace(/\D/g, ''))) return 'bsn';
  }
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
  const datePaths = options.datePaths ?? new Set<string>();
  const skipPaths = options.skipPaths ?? new Set<string>();
  const findings: PiiFinding[] = [];
  const visit = (value: unknown, path: Array<string | number>) => {
    if (typeof value === 'string') {
      const dotted = path.join('.');
      if (skipPaths.has(dotted)) return;
      const kind = findPii(value);
      if (kind && !(kind === 'date_of_birth' && datePaths.has(dotted) && /^\d{4}-\d{2}-\d{2}$/.test(value))) {
        findings.push({ path, kind });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const keyKind = findPii(key);
        if (keyKind) findings.push({ path: [...path, '[key]'], kind: keyKind });
        else visit(child, [...path, key]);
      }
    }
  };
  visit(record, []);
  return findings;
}
