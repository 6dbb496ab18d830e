import { describe, expect, it } from 'vitest';
import { findPii, scanForPii } from './pii-guard';

describe('PII guard', () => {
  it('finds BSNs that pass the eleven-test, written plainly or with separators', () => {
    expect(findPii('111222333')).toBe('bsn');
    expect(findPii('REF-123456782-X')).toBe('bsn');
    expect(findPii('1112.22.333')).toBe('bsn');
    expect(findPii('123456789')).toBeUndefined(); // nine digits, but not a BSN
  });

  it('finds e-mail addresses and phone numbers', () => {
    expect(findPii('anna.devries@example.nl')).toBe('email');
    expect(findPii('06-12345678')).toBe('phone');
    expect(findPii('0612345678')).toBe('phone');
    expect(findPii('+31 6 1234 5678')).toBe('phone');
    expect(findPii('020 123 4567')).toBe('phone');
  });

  it('finds full dates outside date fields', () => {
    expect(findPii('2008-04-19')).toBe('date_of_birth');
    expect(findPii('19-04-2008')).toBe('date_of_birth');
    expect(findPii('T-19042008')).toBe('date_of_birth');
  });

  it('finds a source pseudonym outside its own field', () => {
    expect(findPii('sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00')).toBe('pseudonym');
    expect(findPii('REF-sp1.T9qXHIei3DWlTzysXgGCDJTi5')).toBe('pseudonym');
    expect(findPii('spare-part-7')).toBeUndefined();
  });

  it('leaves ordinary references and codes alone', () => {
    for (const value of ['SYN-T000123', 'T-2024-0042', 'vuurtorenhuis-baken', 'EHR:44871:m3', 'mentor_conversation', '2024-Q3']) {
      expect(findPii(value)).toBeUndefined();
    }
  });

  it('skips fields with a format of their own', () => {
    const pseudonym = 'sp1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA111222333AA';
    expect(scanForPii({ subject: { pseudonym } })).toHaveLength(1);
    expect(scanForPii({ subject: { pseudonym } }, { skipPaths: new Set(['subject.pseudonym']) })).toEqual([]);
  });

  it('reports paths, including identifying object keys, and allows declared date fields', () => {
    const findings = scanForPii(
      { reference: 'x', startDate: '2024-01-02', note: { 'anna@example.nl': 1 }, tags: ['ok', '06 12345678'] },
      { datePaths: new Set(['startDate']) },
    );
    expect(findings).toEqual([
      { path: ['note', '[key]'], kind: 'email' },
      { path: ['tags', 1], kind: 'phone' },
    ]);
  });
});
