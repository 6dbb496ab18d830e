import { describe, expect, it } from 'vitest';
import { queryInteger } from './query-integer';

describe('queryInteger', () => {
  const limit = queryInteger({ min: 1, max: 500, fallback: 100 });

  it('reads decimal digits and gives the fallback when absent', () => {
    expect(limit.parse('16')).toBe(16);
    expect(limit.parse('007')).toBe(7);
    expect(limit.parse(undefined)).toBe(100);
  });

  it('refuses what Number() would read anyway', () => {
    for (const value of ['0x10', '1e2', ' 5 ', '', '+5', '5.0', '-1', 'Infinity', '٥', ['1', '2']])
      expect(limit.safeParse(value).success, JSON.stringify(value)).toBe(false);
    expect(limit.safeParse('501').success).toBe(false);
  });
});
