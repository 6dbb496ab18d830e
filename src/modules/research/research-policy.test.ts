import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors';
import type { RequestScope } from '../../plugins/request-scope';
import { consentFilterMatchesNothing, dateFor, hidesTimeInCare, readerOf, showsCalendarDates } from './research-policy';

// The researcher redaction policy without a database: who reads records, and what of them.

const scope = (overrides: Partial<RequestScope>): RequestScope => ({
  principalId: 'key-1',
  role: 'researcher',
  institution: null,
  purpose: 'scientific_research',
  ...overrides,
});
const INSTITUTION = scope({ role: 'institution', institution: { id: 'id-a', code: 'ankerplaats' }, purpose: null });
const RESEARCHER = scope({});

const codeOf = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
  return 'no error';
};

describe('who reads records', () => {
  it('an institution reads its own, with or without a declared purpose', () => {
    expect(readerOf(INSTITUTION)).toBe('institution');
  });

  it('a researcher reads only for a declared purpose', () => {
    expect(readerOf(RESEARCHER)).toBe('researcher');
    expect(codeOf(() => readerOf(scope({ purpose: null })))).toBe('PURPOSE_REQUIRED');
  });

  it('a funder, an administrator, or an institution key without an institution reads none', () => {
    expect(codeOf(() => readerOf(scope({ role: 'funder' })))).toBe('FORBIDDEN');
    expect(codeOf(() => readerOf(scope({ role: 'admin' })))).toBe('FORBIDDEN');
    expect(codeOf(() => readerOf(scope({ role: 'institution', institution: null })))).toBe('FORBIDDEN');
  });
});

describe('what a researcher sees', () => {
  it('calendar dates only for the institution; day offsets for researchers', () => {
    expect(showsCalendarDates('institution')).toBe(true);
    expect(showsCalendarDates('researcher')).toBe(false);
    expect(dateFor('institution', '2025-03-14')).toBe('2025-03-14');
    expect(dateFor('researcher', '2025-03-14')).toBeNull();
    expect(dateFor('institution', null)).toBeNull();
  });

  it('no exact time in care of an open trajectory for a researcher (today minus it is the start date)', () => {
    expect(hidesTimeInCare('researcher', null)).toBe(true);
    expect(hidesTimeInCare('researcher', '2025-06-30')).toBe(false);
    expect(hidesTimeInCare('institution', null)).toBe(false);
  });

  it('a consent filter other than granted matches nothing for a researcher, and filters for an institution', () => {
    expect(consentFilterMatchesNothing('researcher', 'refused')).toBe(true);
    expect(consentFilterMatchesNothing('researcher', 'withdrawn')).toBe(true);
    expect(consentFilterMatchesNothing('researcher', 'unknown')).toBe(true);
    expect(consentFilterMatchesNothing('researcher', 'granted')).toBe(false);
    expect(consentFilterMatchesNothing('researcher', null)).toBe(false);
    expect(consentFilterMatchesNothing('researcher', undefined)).toBe(false);
    expect(consentFilterMatchesNothing('institution', 'refused')).toBe(false);
  });
});
