import { describe, expect, it } from 'vitest';
import { theilSenSlope } from '../src/lib/statistics/nonoverlap';
import { baselineTrendText, formatRci, listStatus, nonOverlapNote, outcomeText, reliableChangeWords } from '../web/app/format';
import type { TrajectoryListQuery } from '../web/app/generated/operations';
import { domainBases, outcomeBases, overviewMatrix } from '../web/app/programme-matrices';
import type { Cell, Line } from '../web/app/statistics';
import { baselineTrendLine } from '../web/app/trend';

// How the dashboard words and rounds what the API gives (issue #26, item 5): pure functions, which
// the browser tests also use to build what the page must show; here their rules one by one.

describe('reliable change on the trajectory page', () => {
  it('is a word, with the category folded in, and the reason where there is none', () => {
    expect(reliableChangeWords({ reliable: true, category: 'recovered', reason: null })).toBe(
      'reliable improvement, recovered (crossed the cut-off)',
    );
    expect(reliableChangeWords({ reliable: true, category: 'improved', reason: null })).toBe('reliable improvement');
    expect(reliableChangeWords({ reliable: true, category: 'deteriorated', reason: null })).toBe('reliable deterioration');
    expect(reliableChangeWords({ reliable: false, category: 'unchanged', reason: null })).toBe('no reliable change');
    expect(reliableChangeWords({ reliable: false, category: null, reason: 'a status instrument has coded levels, not a score' })).toBe(
      'not computed: a status instrument has coded levels, not a score',
    );
  });

  it('prints the RCI with a third decimal only where two would print the threshold itself', () => {
    expect(formatRci(2.345)).toBe('2.35');
    expect(formatRci(-0.5)).toBe('-0.50');
    // 1.9649 and 1.9551 both print "1.96" to two decimals: one is reliable, the other is not.
    expect(formatRci(1.9649)).toBe('1.965');
    expect(formatRci(1.9551)).toBe('1.955');
    expect(formatRci(-1.9551)).toBe('-1.955');
    expect(formatRci(null)).toBe('—');
  });
});

describe('non-overlap on the trajectory page', () => {
  it('says which baseline trend Tau-BC tested and whether it removed it', () => {
    const trend = { slope: -0.5, p: 0.0833, corrected: false, correction: 'if_significant', alpha: 0.05 };
    expect(baselineTrendText(trend)).toBe('-0.50/session, p = .083: not corrected');
    expect(baselineTrendText({ ...trend, slope: 2, p: 0.0004, corrected: true })).toBe('+2/session, p < .001: corrected (p < 0.05)');
    expect(baselineTrendText({ ...trend, slope: 0, p: null })).toBe('0/session, no test (flat baseline): not corrected');
    expect(baselineTrendText({ ...trend, correction: 'always', corrected: true })).toBe('-0.50/session, p = .083: always corrected');
    expect(baselineTrendText(null)).toBe('—');
  });

  it('flags a Tau-U beyond ±1 and otherwise gives the API’s reason', () => {
    expect(nonOverlapNote({ tauU: 1.25, reason: null })).toMatch(/beyond ±1/);
    expect(nonOverlapNote({ tauU: -1.1, reason: null })).toMatch(/beyond ±1/);
    expect(nonOverlapNote({ tauU: 1, reason: null })).toBe('');
    expect(nonOverlapNote({ tauU: null, reason: 'each phase needs at least 3 observations (A has 1, B has 3)' })).toMatch(/at least 3/);
  });

  it('draws the baseline trend Tau-BC sees: Theil–Sen over session numbers, through the sessions’ days, extended into B', () => {
    // Lower is better: the API's slope is oriented (negated), the line is drawn in raw values.
    const observations = [
      { day: 0, value: 30 },
      { day: 14, value: 32 },
      { day: 28, value: 35 },
      { day: 42, value: 36 },
      { day: 56, value: 20 },
      { day: 84, value: 18 },
    ];
    // Pairwise slopes of 30, 32, 35, 36 per session: 2, 2.5, 2, 3, 2, 1; the median is 2 (the API's is -2, oriented).
    expect(theilSenSlope([30, 32, 35, 36])).toBe(2);
    const line = baselineTrendLine('youth', observations, 50, -2, false);
    expect(line.map((p) => p.phase)).toEqual(['A', 'A', 'A', 'A', 'B', 'B']);
    expect(line.map((p) => p.day)).toEqual([0, 14, 28, 42, 56, 84]);
    // Residuals 28, 28, 29, 28 against session 1…4: Conover's intercept is their median, 28. Equal
    // steps per session, whatever the days between them (28 between the last two).
    expect(line.map((p) => p.value)).toEqual([30, 32, 34, 36, 38, 40]);
    expect(baselineTrendLine('youth', observations, 0, 1, true)).toEqual([]);
  });
});

describe('the list and the outcome class', () => {
  const page = (count: number, totalCount: number) =>
    ({
      nodes: Array.from({ length: count }, () => ({})),
      pageInfo: { hasNextPage: count < totalCount, endCursor: null },
      totalCount,
      release: null,
    }) as unknown as TrajectoryListQuery['trajectories'];

  it('gives the range shown and the total of the list under its filter', () => {
    expect(listStatus(page(12, 52), 40)).toBe('Trajectories 41–52 of 52.');
    expect(listStatus(page(20, 298), 0)).toBe('Trajectories 1–20 of 298.');
    expect(listStatus(page(0, 0), 0)).toBe('No trajectories match.');
  });

  it('calls an outcome class an outcome at discharge only once the trajectory has ended', () => {
    expect(outcomeText('not_improved', true)).toBe('not improved');
    expect(outcomeText('not_improved', false)).toBe('not improved (so far, in care)');
    expect(outcomeText('insufficient_data', false)).toBe('insufficient data');
  });
});

describe('the programmes page', () => {
  const line = (label: string, cells: Record<string, Cell>): Line => ({
    scope: 'national',
    group: label,
    label,
    chartLabel: label,
    cells: new Map(Object.entries(cells).map(([name, cell]) => [name, { ...cell, name }])),
  });
  const value = (v: number) => ({ name: '', value: v, suppressed: false });
  const suppressed = { name: '', value: null, suppressed: true };

  it('writes n beside every share: the row’s published count, per domain the count with a known status', () => {
    const lines = [
      line('Baken', { trajectories: value(52), 'social_emotional.known': value(48) }),
      line('Anker', { trajectories: suppressed }),
    ];
    expect(outcomeBases(lines)).toEqual([
      { row: 'Baken', text: 'n = 52' },
      { row: 'Anker', text: 'n supp.' },
    ]);
    expect(domainBases(lines)).toContainEqual({ row: 'Baken', facet: 'social emotional', text: 'n = 48' });
    expect(domainBases(lines)).toContainEqual({ row: 'Baken', facet: 'participation', text: 'n = —' });
  });

  it('shows median days in care in whole days, and a suppressed median as suppressed', () => {
    const matrix = overviewMatrix(
      [line('Baken', { medianDaysInCare: value(243.127) }), line('Anker', { medianDaysInCare: suppressed })],
      'Programme',
    );
    const column = matrix.header.indexOf('Median days in care (ended)');
    expect(matrix.rows.map((row) => row[column])).toEqual(['243', 'suppressed']);
  });
});
