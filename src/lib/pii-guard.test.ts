import { describe, expect, it } from 'vitest';
import { findPii, scanForPii } from './pii-guard';

describe('PII guard', () => {
  it('finds BSNs that pass the eleven-test, written plainly or with separators', () => {
    expect(findPii('111222333')).toBe('bsn');
    expect(findPii('REF-123456782-X')).toBe('bsn');
    expect(findPii('1112.22.333')).toBe('bsn');
    expect(findPii('123456789')).toBeUndefined(); // nine digits, but not a BSN
    // Every form the pseudonymise tool accepts (bsn.test.ts checks this exhaustively).
    for (const form of ['10000021', '123-45-6782', '123.45.6782', '123_456_782', 'T-１１１２２２３３３']) expect(findPii(form)).toBe('bsn');
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

  it('lets an ISO date pass in a declared date field even where its digits would spell a BSN', () => {
    // 2024-01-15 → 020240115 passes the eleven-test: refused outside a date field, fine inside one.
    expect(findPii('20240115')).toBeDefined();
    expect(scanForPii({ startDate: '2024-01-15', note: '20240115' }, { datePaths: new Set(['startDate']) })).toEqual([
      { path: ['note'], kind: 'date_of_birth' },
    ]);
  });

  it('walks input of any depth without overflowing the stack', () => {
    let deep: unknown = 'anna@example.nl';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    const findings = scanForPii(deep);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toHaveLength(100_000);
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

describe('PII guard, digits of every script', () => {
  it('finds a BSN and a phone number written in any Unicode decimal digits', () => {
    for (const bsn of ['١٢٣٤٥٦٧٨٢', '۱۲۳۴۵۶۷۸۲', '१२३४५६७८२', '๑๒๓๔๕๖๗๘๒', 'key ١١١-٢٢٢-٣٣٣']) expect(findPii(bsn), bsn).toBe('bsn');
    expect(findPii('٠٦-١٢٣٤٥٦٧٨')).toBe('phone');
    expect(findPii('٢٠٠٨-٠٤-١٩')).toBe('date_of_birth');
  });
});
