import { describe, expect, it } from 'vitest';
import { researchReleaseDate } from './research-release';

describe('research releases', () => {
  it('release every trajectory that ended before the current quarter', () => {
    expect(researchReleaseDate('2026-11-30', 0)).toBe('2026-10-01');
    expect(researchReleaseDate('2026-10-01', 0)).toBe('2026-10-01');
    expect(researchReleaseDate('2026-09-30', 0)).toBe('2026-07-01');
    expect(researchReleaseDate('2026-01-01', 0)).toBe('2026-01-01');
  });

  it('move later by the configured delay, across a year boundary too', () => {
    expect(researchReleaseDate('2026-10-15', 30)).toBe('2026-07-01');
    expect(researchReleaseDate('2026-02-10', 90)).toBe('2025-10-01');
  });

  it('stay the same every day of a quarter, so watching shows only the quarter an end fell in', () => {
    const dates = new Set<string>();
    for (let day = 1; day <= 31; day += 1) dates.add(researchReleaseDate(`2026-05-${String(day).padStart(2, '0')}`, 0));
    expect([...dates]).toEqual(['2026-04-01']);
  });
});
