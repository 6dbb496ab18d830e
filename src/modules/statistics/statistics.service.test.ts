import { describe, expect, it } from 'vitest';
import type { Line, OutcomeRow, Part, Slice, StatisticsRepository } from './statistics.repository';
import { linesOf } from './statistics.repository';
import { createStatisticsService } from './statistics.service';

// The institution's view of the national figures, with a repository that returns fixed lines.

const outcomeLine = (part: Part, group: string | null, classes: [number, number, number, number]): Line<OutcomeRow> => ({
  part,
  group,
  isTotal: group === null,
  trajectories: classes.reduce((sum, value) => sum + value, 0),
  classes: { improved: classes[0], mixed: classes[1], not_improved: classes[2], insufficient_data: classes[3] },
  domains: Object.fromEntries(
    ['exploitation_resilience', 'social_emotional', 'family_network', 'participation'].map((domain) => [domain, { known: 0, improved: 0, unchanged: 0, deteriorated: 0, mixed: 0 }]),
  ),
});

// Programme "own-a" is the asking institution's alone; "other-b" and "other-c" belong to the
// others; "shared" has 8 of its own trajectories and 3 of the others'.
const OWN_A: [number, number, number, number] = [12, 3, 40, 25];
const SHARED_OWN: [number, number, number, number] = [2, 2, 2, 2];
const SHARED_OTHERS: [number, number, number, number] = [1, 1, 1, 0];
const OTHER_B: [number, number, number, number] = [20, 14, 15, 11];
const OTHER_C: [number, number, number, number] = [30, 4, 16, 12];
const sum = (...lines: Array<[number, number, number, number]>) => lines.reduce((total, line) => total.map((value, index) => value + line[index]!) as typeof line);

function repositoryFor(): StatisticsRepository {
  return {
    outcomes: async (slice: Slice) => [
      outcomeLine('national', 'own-a', OWN_A),
      outcomeLine('national', 'other-b', OTHER_B),
      outcomeLine('national', 'other-c', OTHER_C),
      outcomeLine('national', 'shared', sum(SHARED_OWN, SHARED_OTHERS)),
      outcomeLine('national', null, sum(OWN_A, OTHER_B, OTHER_C, SHARED_OWN, SHARED_OTHERS)),
      ...(slice.splitFor
        ? [
            outcomeLine('own', 'own-a', OWN_A),
            outcomeLine('own', 'shared', SHARED_OWN),
            outcomeLine('own', null, sum(OWN_A, SHARED_OWN)),
            outcomeLine('others', 'other-b', OTHER_B),
            outcomeLine('others', 'other-c', OTHER_C),
            outcomeLine('others', 'shared', SHARED_OTHERS),
            outcomeLine('others', null, sum(OTHER_B, OTHER_C, SHARED_OTHERS)),
          ]
        : []),
    ],
  } as unknown as StatisticsRepository;
}

describe('national figures for an institution', () => {
  const service = createStatisticsService(repositoryFor(), 10);

  it('withhold what the others would give away, and leave the institution\'s own programmes as a funder sees them', async () => {
    const funder = await service.answer('outcomes', 'programme', { kind: 'national' });
    const { national, own } = await service.comparison('outcomes', 'programme', { kind: 'institution', institutionId: 'own' });
    const group = (answer: typeof funder, name: string) => answer.groups.find((entry) => entry.group === name)!.values;
    // Its own programme: the others have none there, so nothing beyond the funder's suppression.
    expect(group(national, 'own-a')).toEqual(group(funder, 'own-a'));
    // The others' totals are all at least the minimum: the institution learns nothing small from
    // the national total minus its own, so the total line is as a funder sees it.
    expect(national.total).toEqual(funder.total);
    // "shared" has 11 trajectories: a funder sees 11; the institution, which knows its own 8,
    // would learn that the others have 3 there, so it does not see it.
    expect(group(funder, 'shared').trajectories).toEqual({ value: 11, suppressed: false });
    expect(group(national, 'shared').trajectories).toEqual({ value: null, suppressed: true });
    // Programme c has 4 "mixed": suppressed for everyone, and its own answer never shows others.
    expect(group(national, 'other-c')['outcome.mixed']!.suppressed).toBe(true);
    expect(own!.groups.map((entry) => entry.group)).toEqual(['own-a', 'shared']);
  });
});

describe('lines from the database', () => {
  it('come out in one order whatever order the plan gave them (suppression breaks ties by position)', () => {
    const rows = [
      { national: true, part: 'national', group: 'b', is_total: false, item: 'x', respondents: 12 },
      { national: true, part: 'national', group: 'a', is_total: false, item: 'y', respondents: 3 },
      { national: true, part: 'national', group: null, is_total: true, item: 'x', respondents: 20 },
      { national: false, part: 'own', group: 'a', is_total: false, item: 'x', respondents: 8 },
      { national: true, part: 'national', group: 'a', is_total: false, item: 'x', respondents: 8 },
      { national: false, part: 'others', group: 'b', is_total: false, item: 'x', respondents: 12 },
    ];
    const slice = { grouping: 'programme' as const, splitFor: 'some-institution' };
    const expected = linesOf(rows, slice, ['item']);
    expect(expected.map((line) => `${line.part}/${line.group}/${line.item}`)).toEqual([
      'national/a/x',
      'national/a/y',
      'national/b/x',
      'national/null/x',
      'own/a/x',
      'others/b/x',
    ]);
    for (let round = 0; round < 20; round += 1) {
      const shuffled = [...rows].sort(() => Math.random() - 0.5);
      expect(linesOf(shuffled, slice, ['item'])).toEqual(expected);
    }
  });
});
