import { describe, expect, it } from 'vitest';
import { monthsBefore, parseRetention, releasesToRetire } from './research-release-retention';

// Which research releases lose their records under RESEARCH_RELEASE_RETENTION.

const release = (id: string, publishedAt: string, retiredAt: string | null = null) => ({
  id,
  publishedAt: new Date(publishedAt),
  retiredAt: retiredAt ? new Date(retiredAt) : null,
});
// Newest first, as the list gives them.
const RELEASES = [
  release('2026-Q4.1', '2026-10-01T00:05:00Z'),
  release('2026-Q3.1', '2026-07-01T00:05:00Z'),
  release('2026-Q2.1', '2026-04-01T00:05:00Z'),
  release('2026-Q1.1', '2026-01-01T00:05:00Z', '2026-07-01T00:05:00Z'),
];
const NOW = new Date('2026-10-15T12:00:00Z');

describe('research release retention', () => {
  it('keeps every release by default', () => {
    expect(releasesToRetire(RELEASES, { keep: 'all' }, NOW)).toEqual([]);
  });

  it('keeps the newest n, retiring each other one once', () => {
    expect(releasesToRetire(RELEASES, { keep: 'newest', releases: 2 }, NOW)).toEqual(['2026-Q2.1']);
    expect(releasesToRetire(RELEASES, { keep: 'newest', releases: 1 }, NOW)).toEqual(['2026-Q3.1', '2026-Q2.1']);
    expect(releasesToRetire(RELEASES, { keep: 'newest', releases: 9 }, NOW)).toEqual([]);
  });

  it('keeps those published in the last n months, and the latest however old', () => {
    expect(releasesToRetire(RELEASES, { keep: 'months', months: 6 }, NOW)).toEqual(['2026-Q2.1']);
    expect(releasesToRetire(RELEASES, { keep: 'months', months: 3 }, NOW)).toEqual(['2026-Q3.1', '2026-Q2.1']);
    expect(releasesToRetire(RELEASES, { keep: 'months', months: 1 }, new Date('2030-01-01T00:00:00Z'))).toEqual(['2026-Q3.1', '2026-Q2.1']);
    expect(releasesToRetire([], { keep: 'months', months: 1 }, NOW)).toEqual([]);
  });

  it('counts calendar months back, the day clamped to a shorter month', () => {
    expect(monthsBefore(new Date('2026-10-15T12:00:00Z'), 6).toISOString()).toBe('2026-04-15T12:00:00.000Z');
    expect(monthsBefore(new Date('2026-03-31T00:00:00Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(monthsBefore(new Date('2026-01-10T00:00:00Z'), 13).toISOString()).toBe('2024-12-10T00:00:00.000Z');
  });

  it('reads the setting, and names what is wrong with a bad one', () => {
    expect(parseRetention('all')).toEqual({ keep: 'all' });
    expect(parseRetention(' ALL ')).toEqual({ keep: 'all' });
    expect(parseRetention('8')).toEqual({ keep: 'newest', releases: 8 });
    expect(parseRetention('24months')).toEqual({ keep: 'months', months: 24 });
    expect(parseRetention('1 month')).toEqual({ keep: 'months', months: 1 });
    expect(parseRetention('0')).toEqual({ problem: expect.stringContaining('at least 1 release') });
    expect(parseRetention('0months')).toEqual({ problem: expect.stringContaining('at least 1 month') });
    for (const bad of ['-1', 'forever', '2y', '1.5', '12 weeks'])
      expect(parseRetention(bad), bad).toEqual({ problem: expect.stringContaining(`"${bad}" is not all`) });
  });
});
