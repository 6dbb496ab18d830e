import fs from 'node:fs';
import path from 'node:path';
import { foldDigits } from '../../src/lib/digits';
import { findPii } from '../../src/lib/pii-guard';

// Synthetic direct identifiers in every form the PII guard knows (all made up: 123456782,
// 111222333 and 10000021 pass the BSN eleven-test but are test numbers). Tests send them in
// headers, paths, query strings and bodies; none may reach the audit trail, an ingest report
// or a log line, in the form sent or as its digits.

export const IDENTIFIERS = {
  bsn: '123456782',
  bsnEightDigits: '10000021',
  bsnDashed: '123-45-6782',
  bsnDotted: '123.45.6782',
  bsnUnderscored: '123_456_782',
  bsnGrouped: '1112.22.333',
  bsnFullWidth: '１１１２２２３３３',
  /** NFKC leaves these as they are: the guard folds every Unicode decimal digit (issue #27). */
  bsnArabicIndic: '١٢٣٤٥٦٧٨٢',
  bsnDevanagari: '१११२२२३३३',
  email: 'anna.devries@example.nl',
  phone: '06-12345678',
  phoneInternational: '+31612345678',
  pseudonym: 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00',
} as const;

/** Every identifier, and the digits of each number: what must not show up anywhere. */
export function forbiddenNeedles(): string[] {
  const needles = new Set<string>();
  for (const value of Object.values(IDENTIFIERS)) {
    needles.add(value);
    const digits = foldDigits(value.normalize('NFKC')).replace(/\D/g, '');
    if (digits.length >= 8 && !value.startsWith('sp1.')) needles.add(digits);
  }
  return [...needles];
}

/** Log fields the service fills itself, never from a request: not scanned for patterns. */
const OWN_FIELDS = new Set(['reqId', 'time', 'pid', 'hostname', 'level', 'responseTimeMs', 'statusCode']);
/** A registry key (HMAC-SHA-256 in hex) or any other 64-digit digest. */
const DIGEST = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/i;

export interface LogFinding {
  file: string;
  line: number;
  what: string;
  /** The line's message and the value at fault, digits masked: enough to find what logged it, nothing of the value. */
  context?: string;
}

/** At most 160 characters of a text, every digit masked. */
const masked = (text: string) => text.slice(0, 160).replace(/[0-9]/g, '#');

/**
 * Scans log lines (NDJSON) for identifiers: the known ones anywhere in the line, and any string
 * value the PII guard flags or that looks like a registry key.
 */
export function scanLogText(text: string, file: string, needles = forbiddenNeedles()): LogFinding[] {
  const findings: LogFinding[] = [];
  text.split('\n').forEach((raw, index) => {
    if (!raw.trim()) return;
    for (const needle of needles)
      if (raw.includes(needle)) findings.push({ file, line: index + 1, what: `the identifier ${JSON.stringify(needle)}` });
    let entry: unknown;
    try {
      entry = JSON.parse(raw);
    } catch {
      findings.push({ file, line: index + 1, what: 'a line that is not JSON' });
      return;
    }
    const visit = (value: unknown, key: string) => {
      if (typeof value === 'string') {
        if (OWN_FIELDS.has(key)) return;
        const kind = findPii(value);
        const message = (entry as { msg?: unknown }).msg;
        const context = `msg ${JSON.stringify(masked(String(message ?? '')))}; ${key} ${JSON.stringify(masked(value))}`;
        if (kind) findings.push({ file, line: index + 1, what: `${kind} in ${key}`, context });
        if (DIGEST.test(value)) findings.push({ file, line: index + 1, what: `a 64-digit digest (registry key?) in ${key}` });
      } else if (value && typeof value === 'object') {
        for (const [child, inner] of Object.entries(value)) visit(inner, child);
      }
    };
    visit(entry, '');
  });
  return findings;
}

/** Every log file of this run (test/helpers/test-log.ts). */
export function logFiles(dir: string | undefined): string[] {
  if (!dir || !fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.ndjson'))
    .map((name) => path.join(dir, name));
}
