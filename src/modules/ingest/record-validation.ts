import type { z } from 'zod';
import type { ErrorCode } from '../../lib/errors';
import { formatFieldPath } from '../../lib/field-path';
import { MAX_NESTING_DEPTH, valueNestsDeeperThan } from '../../lib/nesting-depth';
import { findPii, type PiiKind, scanForPii } from '../../lib/pii-guard';
import { type BulkRecord, bulkRecordSchema, DATE_FIELDS, OPAQUE_FIELDS, referenceSchema } from './ingest.schemas';

// Checks one record on its own: schema (strict), PII guard, and the rules that need no
// database. Rules across records (does the trajectory exist, is the value in range) are in
// ingest-rules.ts. Messages never repeat the value that was refused.

export interface RecordError {
  code: ErrorCode;
  message: string;
  field: string;
}

export type ParsedRecord = { ok: true; record: BulkRecord } | { ok: false; errors: RecordError[]; type?: string; reference?: string };

const PII_MESSAGES: Record<PiiKind, string> = {
  bsn: 'holds what looks like a citizen service number; send only the source pseudonym',
  email: 'holds an e-mail address; the registry takes no direct identifiers',
  phone: 'holds a phone number; the registry takes no direct identifiers',
  date_of_birth: 'holds a full date outside a date field (a date of birth?); send only the birth year',
  pseudonym: 'holds a source pseudonym; it belongs in subject.pseudonym only',
};

/** True when the record has no value at `path` (a missing field), whatever message Zod gave. */
function absentAt(value: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  let current = value;
  for (const segment of path) {
    if (!current || typeof current !== 'object' || !Object.hasOwn(current, segment)) return true;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current === undefined;
}

function fromZodIssue(issue: z.core.$ZodIssue, value: unknown): RecordError[] {
  if (issue.code === 'unrecognized_keys') {
    // An identifying key is reported once, as PII, without naming it.
    return issue.keys
      .filter((key) => !findPii(key))
      .map((key) => ({
        code: 'UNKNOWN_FIELD',
        message: 'is not a field of this record type',
        field: formatFieldPath([...issue.path.map(String), key]),
      }));
  }
  const field = formatFieldPath(issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))));
  // An enum or a field with its own message says nothing of undefined: ask the input.
  if (issue.path.length > 0 && absentAt(value, issue.path)) {
    return [{ code: 'MISSING_FIELD', message: 'is required', field }];
  }
  if (issue.code === 'invalid_union' && issue.path.length === 0) {
    return [{ code: 'INVALID_VALUE', message: 'type must be one of trajectory, placement, care_activity, measurement', field: 'type' }];
  }
  return [{ code: 'INVALID_VALUE', message: issue.message, field }];
}

/**
 * Plausible ages at the start of a trajectory: youth care in the Netherlands runs to 18 and, in
 * extended youth care, to 23; the programmes take girls from about 12. A birth year giving an age
 * outside this is a typo (or another field's value), never a youth in care.
 */
export const AGE_AT_START = { min: 8, max: 23 } as const;

/** The record's own rules: ends after starts, nothing in the future, a plausible age, an amount for activities. */
function recordRules(record: BulkRecord, today: string): RecordError[] {
  const errors: RecordError[] = [];
  const future = (field: string, date: string | null | undefined) => {
    if (date && date > today) errors.push({ code: 'DATE_IN_FUTURE', message: 'lies in the future', field });
  };
  switch (record.type) {
    case 'trajectory':
    case 'placement':
      future('startDate', record.startDate);
      future('endDate', record.endDate);
      if (record.endDate && record.endDate < record.startDate) {
        errors.push({ code: 'END_BEFORE_START', message: 'is before startDate', field: 'endDate' });
      }
      if (record.type === 'trajectory') {
        const ageAtStart = Number(record.startDate.slice(0, 4)) - record.subject.birthYear;
        if (ageAtStart < AGE_AT_START.min || ageAtStart > AGE_AT_START.max) {
          errors.push({
            code: 'AGE_OUT_OF_RANGE',
            message: `gives an age at the start of ${AGE_AT_START.min} to ${AGE_AT_START.max} only (start year minus birth year)`,
            field: 'subject.birthYear',
          });
        }
      }
      if (record.type === 'trajectory' && Boolean(record.endDate) !== Boolean(record.endReason)) {
        errors.push({
          code: 'END_REASON_MISMATCH',
          message: 'an ended trajectory needs both endDate and endReason, an open one neither',
          field: record.endDate ? 'endReason' : 'endDate',
        });
      }
      break;
    case 'care_activity':
      future('date', record.date);
      if (record.count == null && record.durationMinutes == null) {
        errors.push({ code: 'AMOUNT_MISSING', message: 'give count or durationMinutes', field: 'count' });
      }
      break;
    case 'measurement':
      future('date', record.date);
      break;
  }
  return errors;
}

/** Validates one parsed JSON value as a bulk record. `today` is the registry's date (YYYY-MM-DD). */
export function validateRecord(value: unknown, today: string): ParsedRecord {
  // Before anything walks it: a record nests two levels; thousands are an attack on the stack.
  if (valueNestsDeeperThan(value, MAX_NESTING_DEPTH)) {
    return {
      ok: false,
      errors: [{ code: 'INVALID_VALUE', message: `nests deeper than ${MAX_NESTING_DEPTH} levels; a record nests two`, field: '' }],
    };
  }
  const piiErrors: RecordError[] = scanForPii(value, { datePaths: DATE_FIELDS, skipPaths: OPAQUE_FIELDS }).map((finding) => ({
    code: 'PII_DETECTED',
    message: PII_MESSAGES[finding.kind],
    field: formatFieldPath(finding.path),
  }));
  const parsed = bulkRecordSchema.safeParse(value);
  if (!parsed.success || piiErrors.length > 0) {
    const schemaErrors = parsed.success ? [] : parsed.error.issues.flatMap((issue) => fromZodIssue(issue, value));
    return { ok: false, errors: [...piiErrors, ...schemaErrors], ...identify(value, piiErrors) };
  }
  const ruleErrors = recordRules(parsed.data, today);
  if (ruleErrors.length > 0) return { ok: false, errors: ruleErrors, type: parsed.data.type, reference: parsed.data.reference };
  return { ok: true, record: parsed.data };
}

/** The type and reference of a refused record, for its report line, when they are safe to repeat. */
function identify(value: unknown, piiErrors: RecordError[]): { type?: string; reference?: string } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const { type, reference } = value as { type?: unknown; reference?: unknown };
  const referenceIsSafe = referenceSchema.safeParse(reference).success && !piiErrors.some((error) => error.field === 'reference');
  return {
    ...(typeof type === 'string' && /^[a-z_]{1,32}$/.test(type) ? { type } : {}),
    ...(referenceIsSafe ? { reference: reference as string } : {}),
  };
}
