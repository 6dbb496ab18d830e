import { describe, expect, it } from 'vitest';
import { createCellKeyMethod, fingerprintOf, type Tally } from '../../lib/statistics/cell-key-method';
import { buildPerturbationTable } from '../../lib/statistics/perturbation-table';
import type { RequestScope } from '../../plugins/request-scope';
import {
  arrange,
  audienceOf,
  disclosureControlOf,
  groupingOf,
  layOut,
  listedGroups,
  notesFor,
  populationLabel,
  toCsv,
} from './statistics-layout';
import type { CareRow, DoseRow, Line, PerspectiveRow } from './statistics-aggregates';
import type { StatisticsAnswer } from './statistics.schemas';

// How answers are laid out, without a database or a service: groups, cells, the disclosure block, CSV.

const SETTINGS = {
  table: buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 }),
  noiseShare: 0.5,
  minimumBase: 10,
  releaseMinimumYouths: 40,
  releaseMinimumOthers: 20,
  releaseCalendar: 'quarterly',
  keySecret: null,
};
const ckm = createCellKeyMethod(SETTINGS);
const tally = (count: number, keys = count * 1_234_567): Tally => ({ count, keys });
const scope = (overrides: Partial<RequestScope>): RequestScope => ({
  principalId: 'key-1',
  role: 'funder',
  institution: null,
  purpose: null,
  ...overrides,
});

describe('who the statistics count for', () => {
  it('researchers: what they see at record level; funders and institutions: consent granted or unknown', () => {
    expect(audienceOf(scope({ role: 'researcher', purpose: 'scientific_research' }))).toEqual({ national: 'research', institution: null });
    expect(audienceOf(scope({ role: 'funder' }))).toEqual({ national: 'all', institution: null });
    expect(populationLabel('research')).toBe('research_release');
    expect(populationLabel('all')).toBe('consent_granted_or_unknown');
  });

  it('an institution gets its own lines besides; no other role does', () => {
    const own = { id: 'id-v', code: 'vuurtorenhuis' };
    expect(audienceOf(scope({ role: 'institution', institution: own })).institution).toEqual(own);
    expect(audienceOf(scope({ role: 'researcher', institution: own })).institution).toBeNull();
  });
});

describe('the groups an answer lists', () => {
  const programmes = [
    { code: 'anker', institutionCode: 'ankerplaats' },
    { code: 'baken', institutionCode: 'vuurtorenhuis' },
  ];

  it('every group of its kind in a fixed order, an institution’s own part only its own', () => {
    expect(listedGroups('programme', null, { programmes })).toEqual(['anker', 'baken']);
    expect(listedGroups('programme', { code: 'vuurtorenhuis' }, { programmes })).toEqual(['baken']);
    expect(listedGroups('start_year', null, { startYears: ['2024', '2025'] })).toEqual(['2024', '2025']);
    expect(listedGroups('gender', null, {})).toContain('unknown');
    expect(listedGroups(null, null, {})).toEqual([]);
  });

  it('recognition is grouped by problem recognition whatever groupBy says', () => {
    expect(groupingOf('recognition', 'programme')).toBe('recognition');
    expect(groupingOf('overview', 'programme')).toBe('programme');
    expect(listedGroups('recognition', null, {})).toEqual(['low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown']);
  });

  it('an empty listed group gets true zeros; a group with data that is not listed comes after; the total last', () => {
    const line = (group: string | null, value: number) => ({ part: 'national' as const, group, isTotal: group === null, value });
    const laid = arrange([line('b', 2), line(null, 5), line('x', 3)], ['a', 'b'], (entry) => ({
      n: { value: entry?.value ?? 0, suppressed: false },
    }));
    expect(laid.groups).toEqual([
      { group: 'a', values: { n: { value: 0, suppressed: false } } },
      { group: 'b', values: { n: { value: 2, suppressed: false } } },
      { group: 'x', values: { n: { value: 3, suppressed: false } } },
    ]);
    expect(laid.total).toEqual({ n: { value: 5, suppressed: false } });
  });
});

describe('the cells of each measure', () => {
  it('recognition has the outcome classes alone; outcomes adds per domain the known count and shares', () => {
    const line = {
      part: 'national' as const,
      group: null,
      isTotal: true,
      trajectories: tally(50),
      classes: { improved: tally(20) },
      domains: {},
    };
    const recognition = layOut(ckm, 'recognition', 'national', { outcomes: [line] }, { groups: [] });
    expect(Object.keys(recognition.total)).toEqual([
      'trajectories',
      'outcome.improved',
      'outcome.mixed',
      'outcome.not_improved',
      'outcome.insufficient_data',
    ]);
    const outcomes = layOut(ckm, 'outcomes', 'national', { outcomes: [line] }, { groups: [] });
    expect(outcomes.total['family_network.known']).toEqual({ value: 0, suppressed: false });
    // A share of nothing is left out, not 0.
    expect(outcomes.total['family_network.share_improved']).toEqual({ value: null, suppressed: true });
  });

  it("withholds a domain's shares with a count of that domain the release audit withheld, and only that domain's", () => {
    const statuses = { improved: tally(12), unchanged: tally(20), deteriorated: tally(8), mixed: tally(10) };
    const small = tally(4, 987_654_321);
    const fewImproved = { ...statuses, improved: tally(3, 123_456_789) };
    const line = (group: string | null, trajectories: Tally) => ({
      part: 'national' as const,
      group,
      isTotal: group === null,
      trajectories,
      classes: {},
      domains: { family_network: { known: tally(50), statuses }, participation: { known: tally(41), statuses: fewImproved } },
    });
    const lines = { outcomes: [line('other', small), line(null, tally(60))] };
    const auditing = createCellKeyMethod(SETTINGS, new Set([fingerprintOf(small), fingerprintOf(fewImproved.improved)]));
    const laid = layOut(auditing, 'outcomes', 'national', lines, { groups: ['other'] });
    const plain = layOut(ckm, 'outcomes', 'national', lines, { groups: ['other'] });
    const other = laid.groups[0]!.values;
    expect(other.trajectories).toEqual({ value: null, suppressed: true });
    // A withheld trajectories count is no status count: family_network's shares stay as without the audit.
    for (const status of Object.keys(statuses)) {
      expect(other[`family_network.share_${status}`]).toEqual(plain.groups[0]!.values[`family_network.share_${status}`]);
      expect(other[`family_network.share_${status}`]!.suppressed).toBe(false);
      // One withheld status count takes all of its domain's shares, in every line: shares give each other back.
      expect(other[`participation.share_${status}`]).toEqual({ value: null, suppressed: true });
      expect(laid.total[`participation.share_${status}`]).toEqual({ value: null, suppressed: true });
    }
    expect(other['participation.known']!.suppressed).toBe(false);
    expect(laid.total.trajectories).toEqual(plain.total.trajectories);
    expect(laid.total['family_network.share_improved']).toEqual(plain.total['family_network.share_improved']);
  });

  it('takes the lines of the asked part only', () => {
    const overview = (part: 'national' | 'own', count: number) => ({
      part,
      group: null,
      isTotal: true,
      started: tally(count),
      ended: tally(0),
      active: tally(count),
      youths: tally(count),
      endReasons: {},
      daysInCare: null,
    });
    const fetched = { overview: [overview('national', 300), overview('own', 30)] };
    const own = layOut(ckm, 'overview', 'own', fetched, { groups: [] }).total.started!.value!;
    const national = layOut(ckm, 'overview', 'national', fetched, { groups: [] }).total.started!.value!;
    expect(Math.abs(own - 30)).toBeLessThanOrEqual(3);
    expect(Math.abs(national - 300)).toBeLessThanOrEqual(3);
  });

  it('perspective: per item its respondents and a mean, left out over too few respondents', () => {
    const item = (code: string, respondents: number): Line<PerspectiveRow> => ({
      part: 'national',
      group: null,
      isTotal: true,
      item: code,
      respondents: tally(respondents),
      sum: respondents * 3,
      largest: 5,
    });
    const items = [
      { code: 'youth_perspective_safe', minValue: 1, maxValue: 5 },
      { code: 'youth_perspective_heard', minValue: 1, maxValue: 5 },
    ];
    const laid = layOut(
      ckm,
      'perspective',
      'national',
      { perspective: [item('youth_perspective_safe', 60), item('youth_perspective_heard', 3)] },
      { groups: [], perspectiveItems: items },
    );
    const mean = laid.total['youth_perspective_safe.mean']!;
    expect(mean.suppressed).toBe(false);
    expect(mean.value).toBeGreaterThanOrEqual(1);
    expect(mean.value).toBeLessThanOrEqual(5);
    expect(laid.total['youth_perspective_heard.mean']).toEqual({ value: null, suppressed: true });
  });

  it('care: fidelity per column and a dose pair per activity type, a type nobody received as zero', () => {
    const care: Line<CareRow> = { part: 'national', group: null, isTotal: true, trajectories: tally(40), fidelity: {} };
    const dose: Line<DoseRow> = {
      part: 'national',
      group: null,
      isTotal: true,
      activityTypeCode: 'diagnostics',
      received: tally(30),
      quartiles: [1, 2, 3],
    };
    const laid = layOut(ckm, 'care', 'national', { care: [care], doses: [dose] }, { groups: [], activityTypes: ['diagnostics', 'sport'] });
    expect(laid.total['fidelity.summary.scored']).toEqual({ value: 0, suppressed: false });
    expect(laid.total['fidelity.summary.median']).toEqual({ value: null, suppressed: true });
    expect(laid.total['dose.diagnostics.medianPerMonth']!.suppressed).toBe(false);
    expect(laid.total['dose.sport.received']).toEqual({ value: 0, suppressed: false });
  });
});

describe('what an answer says about itself', () => {
  const notes = notesFor(SETTINGS);

  it('names the release it is read from, or none before the first', () => {
    const release = { id: 7, publishedAt: '2026-10-01T00:05:00.000Z', period: '2026-Q4', researchCutoff: '2026-10-01' };
    expect(disclosureControlOf(SETTINGS, notes, release)).toMatchObject({
      releasedAt: release.publishedAt,
      release,
      releaseCalendar: 'quarterly',
    });
    expect(disclosureControlOf(SETTINGS, notes, null)).toMatchObject({ releasedAt: null, release: null, perturbationTable: 'D3-V1-js2' });
  });

  it('the notes carry the parameters', () => {
    expect(notes.join(' ')).toMatch(/at most 3 either way/);
    expect(notes.join(' ')).toMatch(/at least 40 youths/);
    expect(notes.join(' ')).toMatch(/none or at least 20 that are not its own/);
  });

  it('CSV: a line per group, then the total; quoted where needed; a left-out value reads "suppressed"', () => {
    const answer = {
      groups: [{ group: 'a, b', values: { n: { value: 4, suppressed: false }, m: { value: null, suppressed: true } } }],
      total: { n: { value: 9, suppressed: false }, m: { value: 1.5, suppressed: false } },
    } as unknown as StatisticsAnswer;
    expect(toCsv(answer)).toBe('group,n,m\n"a, b",4,suppressed\ntotal,9,1.5\n');
  });
});
