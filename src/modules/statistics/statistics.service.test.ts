import { describe, expect, it } from 'vitest';
import type { Line, OutcomeRow, Part, Slice, StatisticsRepository } from './statistics.repository';
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

// Programme "own-a" is the asking institution's alone; "other-b" and "other-c" belong to the others.
const OWN_A: [number, number, number, number] = [12, 3, 40, 25];
const OTHER_B: [number, number, number, number] = [20, 14, 15, 11];
const OTHER_C: [number, number, number, number] = [30, 4, 16, 12];
const sum = (...lines: Array<[number, number, number, number]>) => lines.reduce((total, line) => total.map((value, index) => value + line[index]!) as typeof line);

function repositoryFor(): StatisticsRepository {
  return {
    outcomes: async (slice: Slice) => [
      outcomeLine('national', 'own-a', OWN_A),
      outcomeLine('national', 'other-b', OTHER_B),
      outcomeLine('national', 'other-c', OTHER_C),
      outcomeLine('national', null, sum(OWN_A, OTHER_B, OTHER_C)),
      ...(slice.splitFor
        ? [outcomeLine('own', 'own-a', OWN_A), outcomeLine('own', null, OWN_A), outcomeLine('others', 'other-b', OTHER_B), outcomeLine('others', 'other-c', OTHER_C), outcomeLine('others', null, sum(OTHER_B, OTHER_C))]
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
    // Programme c has 4 "mixed": suppressed for everyone, and its own answer never shows others.
    expect(group(national, 'other-c')['outcome.mixed']!.suppressed).toBe(true);
    expect(own!.groups.map((entry) => entry.group)).toEqual(['own-a']);
  });
});
