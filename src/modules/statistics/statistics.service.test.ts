import { describe, expect, it } from 'vitest';
import { cellKey, keyFraction, RECORD_KEY_RANGE } from '../../lib/statistics/cell-key';
import type { Tally } from '../../lib/statistics/cell-key-method';
import { buildPerturbationTable, perturbation } from '../../lib/statistics/perturbation-table';
import type { CatalogueRepository } from '../catalogue/catalogue.repository';
import type { CareRow, Line, OutcomeRow, OverviewRow, Slice, StatisticsRepository } from './statistics.repository';
import type { RequestScope } from '../../plugins/request-scope';
import { createStatisticsService } from './statistics.service';

// The service with a repository that returns fixed lines: how counts, shares and medians are
// published, which groups an answer lists, and what the answer says about itself.

const table = buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
const SETTINGS = { table, noiseShare: 0.5, minimumBase: 10, releaseMinimumYouths: 40 };
const published = (tally: Tally) =>
  tally.count === 0 ? 0 : tally.count + perturbation(table, tally.count, keyFraction(cellKey(tally.keys)));

/** A tally of `count` contributors whose key sum makes the published count `target`. */
function tallyPublishedAs(count: number, target: number): Tally {
  for (let keys = 0; keys < RECORD_KEY_RANGE; keys += 7_919_993) if (published({ count, keys }) === target) return { count, keys };
  throw new Error(`no key publishes ${count} as ${target}`);
}
const tally = (count: number, keys = count * 1_234_567): Tally => ({ count, keys });
const zero = tally(0);

const overviewLine = (
  part: 'national' | 'own',
  group: string | null,
  started: Tally,
  ended: Tally,
  days: number[] | null = [100, 200, 300],
): Line<OverviewRow> => ({
  part,
  group,
  isTotal: group === null,
  started,
  ended,
  active: zero,
  youths: started,
  endReasons: { completed: ended, transferred: zero, premature_end: zero, other: zero },
  daysInCare: days,
});

const catalogue = {
  listProgrammes: async () => [
    { code: 'anker', institutionCode: 'ankerplaats', name: '', settings: [], description: '', fixedOffer: [] },
    { code: 'baken', institutionCode: 'vuurtorenhuis', name: '', settings: [], description: '', fixedOffer: [] },
    { code: 'koers', institutionCode: 'vuurtorenhuis', name: '', settings: [], description: '', fixedOffer: [] },
  ],
  listInstitutions: async () => [
    { code: 'ankerplaats', name: '', synthetic: true },
    { code: 'vuurtorenhuis', name: '', synthetic: true },
  ],
  listActivityTypes: async () => [{ code: 'diagnostics' }],
  listInstruments: async () => [],
} as unknown as CatalogueRepository;

function serviceWith(lines: Partial<Record<'overview' | 'outcomes' | 'care', unknown[]>>, slices: Slice[] = []) {
  const repository = {
    overview: async (slice: Slice) => {
      slices.push(slice);
      return lines.overview ?? [];
    },
    outcomes: async (slice: Slice) => {
      slices.push(slice);
      return lines.outcomes ?? [];
    },
    care: async (slice: Slice) => {
      slices.push(slice);
      return { lines: lines.care ?? [], doses: [] };
    },
    perspective: async () => [],
    startYears: async () => ['2024', '2025'],
  } as unknown as StatisticsRepository;
  const releases = {
    state: async () => [
      { family: 'membership' as const, releases: 3, releasedAt: '2026-11-01T00:00:00.000Z' },
      { family: 'care' as const, releases: 1, releasedAt: '2026-11-20T00:00:00.000Z' },
    ],
    withheld: async () => new Set<string>(),
  };
  return createStatisticsService({ repository, releases, catalogue }, SETTINGS);
}

const FUNDER: RequestScope = { principalId: 'key-f', role: 'funder', institution: null, purpose: null };
const VUURTORENHUIS: RequestScope = {
  principalId: 'key-v',
  role: 'institution',
  institution: { id: 'id-v', code: 'vuurtorenhuis' },
  purpose: null,
};
const RESEARCHER: RequestScope = { principalId: 'key-r', role: 'researcher', institution: null, purpose: 'scientific_research' };

describe('the statistics service', () => {
  it('publishes the same contributors as the same number wherever they are counted', async () => {
    const everyone = tally(120, 987_654_321);
    const service = serviceWith({
      overview: [overviewLine('national', 'anker', everyone, tally(80)), overviewLine('national', null, everyone, tally(80))],
      outcomes: [
        {
          part: 'national',
          group: 'anker',
          isTotal: false,
          trajectories: everyone,
          classes: { improved: tally(50), mixed: zero, not_improved: zero, insufficient_data: zero },
          domains: {},
        } as unknown as Line<OutcomeRow>,
        {
          part: 'national',
          group: null,
          isTotal: true,
          trajectories: everyone,
          classes: { improved: tally(50), mixed: zero, not_improved: zero, insufficient_data: zero },
          domains: {},
        } as unknown as Line<OutcomeRow>,
      ],
    });
    const overview = await service.answer('overview', 'programme', FUNDER);
    const outcomes = await service.answer('recognition', null, FUNDER);
    expect(overview.total.started!.value).toBe(published(everyone));
    expect(overview.groups.find((group) => group.group === 'anker')!.values.started).toEqual(overview.total.started);
    expect(outcomes.total.trajectories).toEqual(overview.total.started);
    // Perturbed, within D, never 1 … js.
    expect(Math.abs(overview.total.started!.value! - 120)).toBeLessThanOrEqual(3);
  });

  it('lists every group of a grouping, empty ones as a true 0, and an institution only its own programmes in its own answer', async () => {
    const service = serviceWith({
      overview: [
        overviewLine('national', 'anker', tally(30), tally(20)),
        overviewLine('national', null, tally(30), tally(20)),
        overviewLine('own', null, zero, zero),
      ],
    });
    const national = await service.answer('overview', 'programme', FUNDER);
    expect(national.groups.map((group) => group.group)).toEqual(['anker', 'baken', 'koers']);
    expect(national.groups[1]!.values.started).toEqual({ value: 0, suppressed: false });
    const { own } = await service.comparison('overview', 'programme', VUURTORENHUIS);
    expect(own!.groups.map((group) => group.group)).toEqual(['baken', 'koers']);
    const totalsOnly = serviceWith({ overview: [overviewLine('national', null, tally(30), tally(20))] });
    expect((await totalsOnly.answer('overview', 'start_year', FUNDER)).groups.map((group) => group.group)).toEqual(['2024', '2025']);
    expect((await totalsOnly.answer('overview', 'age_group', FUNDER)).groups.map((group) => group.group)).toEqual([
      'up to 13',
      '14-15',
      '16-17',
      '18 and over',
      'unknown',
    ]);
  });

  it('leaves a median out where the published count of its contributors is below the minimum, whatever the true count', async () => {
    // True 11 published as 8: left out. True 9 published as 11: given.
    const hidden = tallyPublishedAs(11, 8);
    const shown = tallyPublishedAs(9, 11);
    const service = serviceWith({
      overview: [
        overviewLine('national', 'anker', tally(40), hidden),
        overviewLine('national', 'baken', tally(40), shown),
        overviewLine('national', null, tally(80), tally(20)),
      ],
    });
    const answer = await service.answer('overview', 'programme', FUNDER);
    expect(answer.groups[0]!.values.medianDaysInCare).toEqual({ value: null, suppressed: true });
    const median = answer.groups[1]!.values.medianDaysInCare!;
    expect(median.suppressed).toBe(false);
    // Within m × the interquartile range (200) of the true median (200).
    expect(Math.abs(median.value! - 200)).toBeLessThanOrEqual(0.5 * 200);
    expect(answer.disclosureControl.notes.join(' ')).toMatch(
      /left out \(suppressed\) where the published count of their contributors is below 10/,
    );
  });

  it('gives shares of perturbed counts over their sum, so a domain adds up to 1', async () => {
    const statuses = { improved: tally(40, 11), unchanged: tally(25, 22), deteriorated: tally(7, 33), mixed: tally(1, 44) };
    const domains = Object.fromEntries(
      ['exploitation_resilience', 'social_emotional', 'family_network', 'participation'].map((domain) => [
        domain,
        { known: tally(73), statuses },
      ]),
    );
    const line = (group: string | null) => ({
      part: 'national',
      group,
      isTotal: group === null,
      trajectories: tally(90),
      classes: { improved: zero, mixed: zero, not_improved: zero, insufficient_data: zero },
      domains,
    });
    const answer = await serviceWith({ outcomes: [line('anker'), line(null)] }).answer('outcomes', 'programme', FUNDER);
    const shares = ['improved', 'unchanged', 'deteriorated', 'mixed'].map(
      (status) => answer.total[`family_network.share_${status}`]!.value!,
    );
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 2);
    const counts = Object.values(statuses).map(published);
    expect(shares[0]).toBeCloseTo(counts[0]! / counts.reduce((sum, count) => sum + count, 0), 3);
  });

  it('says what it is: the method, its parameters, the population and when its figures were released', async () => {
    const slices: Slice[] = [];
    const care = [{ part: 'national', group: null, isTotal: true, trajectories: tally(30), fidelity: {} } as unknown as Line<CareRow>];
    const service = serviceWith({ care }, slices);
    const answer = await service.answer('care', null, RESEARCHER);
    expect(slices[0]).toEqual({ grouping: null, population: 'consented', ownInstitution: null });
    expect(answer.population).toBe('consent_granted');
    expect(answer.disclosureControl).toMatchObject({
      method: 'cell-key',
      perturbationTable: 'D3-V1-js2',
      maximumDeviation: 3,
      variance: 1,
      threshold: 2,
      magnitudeNoise: 0.5,
      minimumBase: 10,
      releaseMinimumYouths: 40,
    });
    // Care reads the membership and care families: the later of their releases.
    expect(answer.disclosureControl.releasedAt).toBe('2026-11-20T00:00:00.000Z');
    expect((await service.answer('overview', null, FUNDER)).disclosureControl.releasedAt).toBe('2026-11-01T00:00:00.000Z');
    expect(answer.disclosureControl.notes.join(' ')).toMatch(/groups need not add up to the total/);
  });
});
