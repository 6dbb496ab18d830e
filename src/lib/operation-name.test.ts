import { describe, expect, it } from 'vitest';
import { safeOperationName } from './operation-name';

describe('safeOperationName', () => {
  it('keeps plain names, with a few digits', () => {
    for (const name of ['TrajectoryPage', 'Comparison2024', 'Q3_report', '_private']) expect(safeOperationName(name)).toBe(name);
  });

  it('withholds names that hold an identifier or a run of digits', () => {
    for (const name of ['Op123456782', 'Bsn123456782', 'Phone0612345678', 'B1a2b3c4d5e6f7g8h2', 'Dob20080419', 'x111222333'])
      expect(safeOperationName(name), name).toBe('withheld');
  });

  it('marks missing and malformed names', () => {
    expect(safeOperationName(undefined)).toBe('anonymous');
    expect(safeOperationName(null)).toBe('anonymous');
    expect(safeOperationName('sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00')).toBe('invalid');
    expect(safeOperationName('a'.repeat(65))).toBe('invalid');
    expect(safeOperationName('Op١٢٣٤٥٦٧٨٢')).toBe('invalid');
    expect(safeOperationName(42)).toBe('invalid');
  });
});
