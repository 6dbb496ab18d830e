import { describe, expect, it } from 'vitest';
import { ACTIVITY_TYPES } from '../catalogue';
import { careActivityRuleErrors, careActivityRulesSchema, MINUTE_ACTIVITY_TYPES } from './care-activity-rules';

describe('care-activity rules', () => {
  it('takes the minute-counted types from the catalogue', () => {
    expect(MINUTE_ACTIVITY_TYPES).toContain('mentor_conversation');
    expect(MINUTE_ACTIVITY_TYPES).not.toContain('parent_contact');
    expect(MINUTE_ACTIVITY_TYPES).toEqual(ACTIVITY_TYPES.filter((type) => type.unit === 'minutes').map((type) => type.code));
  });

  it('names the field of each broken rule', () => {
    const fields = (record: Parameters<typeof careActivityRuleErrors>[0]) =>
      careActivityRuleErrors(record).map((error) => [error.code, error.field]);
    expect(fields({ activityTypeCode: 'parent_contact', parentsInvolved: false, topics: ['safety'] })).toEqual([
      ['NOT_APPLICABLE', 'parentsInvolved'],
      ['NOT_APPLICABLE', 'topics'],
    ]);
    expect(fields({ activityTypeCode: 'family_therapy', durationMinutes: null })).toEqual([['AMOUNT_MISSING', 'durationMinutes']]);
    expect(fields({ activityTypeCode: 'mentor_conversation', durationMinutes: 30, topics: ['talents'] })).toEqual([]);
    expect(fields({ activityTypeCode: 'treatment_plan_meeting', parentsInvolved: true, topics: [] })).toEqual([]);
  });

  it('states every rule in the schema it adds to the document', () => {
    const text = JSON.stringify(careActivityRulesSchema);
    for (const name of [
      'parentsInvolved',
      'treatment_plan_meeting',
      'topics',
      'mentor_conversation',
      'durationMinutes',
      ...MINUTE_ACTIVITY_TYPES,
    ]) {
      expect(text).toContain(name);
    }
  });
});
