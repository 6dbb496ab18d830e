import { describe, expect, it } from 'vitest';
import { dosePerActivityType, fidelity } from './care-delivery';

const mentor = (n: number) =>
  Array.from({ length: n }, () => ({ activityTypeCode: 'mentor_conversation', count: null, durationMinutes: 60 }));

describe('dose', () => {
  it('counts occurrences and minutes per activity type and per month in care', () => {
    const dose = dosePerActivityType([...mentor(8), { activityTypeCode: 'parent_contact', count: 3, durationMinutes: null }], 365.25 / 6);
    expect(dose).toEqual([
      { activityTypeCode: 'mentor_conversation', count: 8, minutes: 480, perMonthInCare: 4 },
      { activityTypeCode: 'parent_contact', count: 3, minutes: 0, perMonthInCare: 1.5 },
    ]);
  });
});

describe('fidelity', () => {
  it('compares delivered with expected per item and per core element, capped at one', () => {
    const result = fidelity(
      [
        { activityTypeCode: 'mentor_conversation', expectedCount: 1, period: 'week', coreElement: 'mentor_conversations' },
        { activityTypeCode: 'diagnostics', expectedCount: 1, period: 'trajectory', coreElement: 'diagnostics_safety' },
        { activityTypeCode: 'safety_analysis', expectedCount: 1, period: 'trajectory', coreElement: 'diagnostics_safety' },
        { activityTypeCode: 'family_therapy', expectedCount: 2, period: 'month', coreElement: null },
      ],
      [...mentor(5), { activityTypeCode: 'diagnostics', count: 2, durationMinutes: null }],
      70, // ten weeks: ten mentor conversations expected
    );
    expect(
      result.items.map((item) => [item.activityTypeCode, Number(item.expected.toFixed(3)), item.delivered, Number(item.score.toFixed(3))]),
    ).toEqual([
      ['mentor_conversation', 10, 5, 0.5],
      ['diagnostics', 1, 2, 1],
      ['safety_analysis', 1, 0, 0],
      ['family_therapy', 4.6, 0, 0],
    ]);
    expect(result.coreElements).toEqual([
      { coreElement: 'diagnostics_safety', expected: 2, delivered: 2, score: 0.5 },
      { coreElement: 'mentor_conversations', expected: 10, delivered: 5, score: 0.5 },
    ]);
    expect(result.summary).toBeCloseTo((0.5 + 1 + 0 + 0) / 4, 12);
  });

  it('has no summary without a fixed offer', () => {
    expect(fidelity([], mentor(3), 30).summary).toBeNull();
  });
});
