import { describe, expect, it } from 'vitest';
import {
  domainStatuses,
  outcomeClass,
  problemRecognition,
  type Series,
  type SeriesInstrument,
  seriesChange,
} from './trajectory-indicators';

const trauma: SeriesInstrument = {
  code: 'trauma',
  kind: 'score',
  domain: 'social_emotional',
  normSd: 10,
  reliability: 0.9,
  higherIsBetter: false,
  clinicalCutoff: 25,
  levels: null,
};
const resilience: SeriesInstrument = {
  code: 'resilience',
  kind: 'score',
  domain: 'exploitation_resilience',
  normSd: 15,
  reliability: 0.85,
  higherIsBetter: true,
  clinicalCutoff: 50,
  levels: null,
};
const family: SeriesInstrument = {
  code: 'family',
  kind: 'score',
  domain: 'family_network',
  normSd: 8,
  reliability: 0.86,
  higherIsBetter: false,
  clinicalCutoff: 24,
  levels: null,
};
const exploitation: SeriesInstrument = {
  code: 'exploitation_status',
  kind: 'status',
  domain: 'exploitation_resilience',
  normSd: null,
  reliability: null,
  higherIsBetter: true,
  clinicalCutoff: null,
  levels: [
    { value: 0, rank: 0 },
    { value: 1, rank: 1 },
    { value: 9, rank: null },
  ],
};
const school: SeriesInstrument = {
  ...exploitation,
  code: 'school',
  domain: 'participation',
  levels: [
    { value: 0, rank: 0 },
    { value: 1, rank: 1 },
    { value: 2, rank: 2 },
  ],
};

const series = (instrument: SeriesInstrument, informant: string, values: number[], every = 30): Series => ({
  instrument,
  informant,
  observations: values.map((value, index) => ({ day: index * every, value })),
});

describe('series change', () => {
  it('uses the reliable change index for scores, in the instrument’s direction', () => {
    // S_diff for trauma = √(2·(10·√.1)²) = 4.47: a drop of 10 is reliable improvement.
    expect(seriesChange(series(trauma, 'youth', [40, 35, 30]))).toBe('improved');
    expect(seriesChange(series(trauma, 'youth', [30, 33]))).toBe('unchanged');
    expect(seriesChange(series(trauma, 'youth', [20, 31]))).toBe('deteriorated');
    expect(seriesChange(series(trauma, 'youth', [20]))).toBeNull();
  });

  it('compares ranks for status instruments, skipping unknown', () => {
    expect(seriesChange(series(exploitation, 'mentor', [0, 9, 1]))).toBe('improved');
    expect(seriesChange(series(exploitation, 'mentor', [1, 0]))).toBe('deteriorated');
    expect(seriesChange(series(school, 'mentor', [0, 1]))).toBe('improved');
    expect(seriesChange(series(school, 'mentor', [2, 2]))).toBe('unchanged');
    expect(seriesChange(series(exploitation, 'mentor', [0, 9]))).toBeNull();
  });
});

describe('domain status and outcome class', () => {
  it('classifies domains from their series', () => {
    const statuses = domainStatuses([
      series(trauma, 'youth', [40, 28]),
      series(trauma, 'parent', [30, 42]),
      series(resilience, 'youth', [30, 70]),
      series(exploitation, 'mentor', [0, 1]),
      series(family, 'youth', [30, 31]),
    ]);
    expect(statuses).toEqual({
      social_emotional: 'mixed',
      exploitation_resilience: 'improved',
      family_network: 'unchanged',
      participation: 'unknown',
    });
  });

  it('follows the study’s classes', () => {
    const base = {
      exploitation_resilience: 'unknown',
      social_emotional: 'unknown',
      family_network: 'unknown',
      participation: 'unknown',
    } as const;
    expect(outcomeClass({ ...base, exploitation_resilience: 'improved', social_emotional: 'improved', family_network: 'unchanged' })).toBe(
      'improved',
    );
    expect(
      outcomeClass({ ...base, exploitation_resilience: 'improved', social_emotional: 'improved', family_network: 'deteriorated' }),
    ).toBe('mixed');
    expect(outcomeClass({ ...base, exploitation_resilience: 'improved', social_emotional: 'unchanged' })).toBe('mixed');
    expect(outcomeClass({ ...base, exploitation_resilience: 'unchanged', social_emotional: 'deteriorated' })).toBe('not_improved');
    expect(outcomeClass({ ...base, exploitation_resilience: 'improved' })).toBe('insufficient_data');
  });
});

describe('problem recognition at intake', () => {
  it('is low when the youth reports no problems where a parent or mentor does', () => {
    const result = problemRecognition([series(trauma, 'youth', [20, 18]), series(trauma, 'mentor', [32, 30])], 42);
    expect(result.perDomain.social_emotional).toBe('low');
    expect(result.overall).toBe('low_recognition');
  });

  it('is shared when both report problems, and none when neither does', () => {
    expect(problemRecognition([series(trauma, 'youth', [30]), series(trauma, 'parent', [35])], 42).overall).toBe('shared_recognition');
    expect(problemRecognition([series(trauma, 'youth', [10]), series(trauma, 'parent', [12])], 42).overall).toBe('no_problems_reported');
  });

  it('only counts the intake window, and is unknown without both views', () => {
    const lateMentor: Series = { instrument: trauma, informant: 'mentor', observations: [{ day: 90, value: 32 }] };
    expect(problemRecognition([series(trauma, 'youth', [20]), lateMentor], 42).overall).toBe('unknown');
    expect(problemRecognition([series(trauma, 'youth', [20])], 42).overall).toBe('unknown');
  });
});
