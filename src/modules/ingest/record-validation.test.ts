import { describe, expect, it } from 'vitest';
import { AGE_AT_START, type ParsedRecord, validateRecord } from './record-validation';

// Each rule of one record on its own: a record that passes it, and one it refuses with the code
// and the field at fault.

const TODAY = '2025-06-30';
const PSEUDONYM = `sp1.${'A'.repeat(43)}`;

const trajectory = {
  type: 'trajectory',
  reference: 'T-1',
  subject: { pseudonym: PSEUDONYM, birthYear: 2009, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
  programmeCode: 'baken',
  startDate: '2024-03-04',
  exploitationAtIntake: 'confirmed',
  researchConsent: 'granted',
};
const placement = { type: 'placement', reference: 'P-1', trajectoryReference: 'T-1', setting: 'ambulatory', startDate: '2024-03-04' };
const activity = {
  type: 'care_activity',
  reference: 'A-1',
  trajectoryReference: 'T-1',
  activityTypeCode: 'mentor_conversation',
  date: '2024-03-11',
  count: 1,
};
const measurement = {
  type: 'measurement',
  reference: 'M-1',
  trajectoryReference: 'T-1',
  instrumentCode: 'trauma_symptoms',
  informant: 'youth',
  date: '2024-03-11',
  value: 31,
};

/** The refusals of a record that must be refused (fails the test when it was accepted). */
function refusals(value: unknown): Array<{ code: string; field: string }> {
  const result: ParsedRecord = validateRecord(value, TODAY);
  if (result.ok) throw new Error('expected the record to be refused');
  return result.errors.map(({ code, field }) => ({ code, field }));
}

describe('validateRecord', () => {
  it('accepts one valid record of each type and returns it parsed', () => {
    for (const record of [trajectory, placement, activity, measurement]) {
      expect(validateRecord(record, TODAY)).toEqual({ ok: true, record });
    }
  });

  it('refuses a field the record type does not have, naming it', () => {
    expect(refusals({ ...placement, colour: 'blue' })).toEqual([{ code: 'UNKNOWN_FIELD', field: 'colour' }]);
  });

  it('refuses a missing field as MISSING_FIELD, naming it', () => {
    const { setting: _setting, ...withoutSetting } = placement;
    expect(refusals(withoutSetting)).toEqual([{ code: 'MISSING_FIELD', field: 'setting' }]);
    // A field whose schema has its own message, and one nested in the subject.
    const { startDate: _startDate, ...withoutStart } = placement;
    expect(refusals(withoutStart)).toEqual([{ code: 'MISSING_FIELD', field: 'startDate' }]);
    const { birthYear: _birthYear, ...subjectWithoutYear } = trajectory.subject;
    expect(refusals({ ...trajectory, subject: subjectWithoutYear })).toEqual([{ code: 'MISSING_FIELD', field: 'subject.birthYear' }]);
  });

  it('refuses a present field with a bad value as INVALID_VALUE, not as missing', () => {
    expect(refusals({ ...placement, startDate: null })).toEqual([{ code: 'INVALID_VALUE', field: 'startDate' }]);
  });

  it('refuses an unknown type on the field type', () => {
    expect(refusals({ ...placement, type: 'visit' })).toEqual([{ code: 'INVALID_VALUE', field: 'type' }]);
  });

  it('refuses a value of the wrong shape on its nested field', () => {
    expect(refusals({ ...trajectory, subject: { ...trajectory.subject, gender: 'x' } })).toEqual([
      { code: 'INVALID_VALUE', field: 'subject.gender' },
    ]);
  });

  it('refuses a value that nests too deep before walking it', () => {
    let deep: unknown = {};
    for (let level = 0; level < 200; level++) deep = { inner: deep };
    expect(refusals({ ...placement, setting: deep })).toEqual([{ code: 'INVALID_VALUE', field: '' }]);
  });

  it('refuses an identifier as PII on its field, without repeating it, and keeps the safe type and reference', () => {
    const result = validateRecord({ ...trajectory, programmeCode: 'jane.doe@example.org' }, TODAY);
    expect(result).toMatchObject({ ok: false, type: 'trajectory', reference: 'T-1' });
    expect(refusals({ ...trajectory, programmeCode: 'jane.doe@example.org' })).toContainEqual({
      code: 'PII_DETECTED',
      field: 'programmeCode',
    });
    expect(JSON.stringify(result)).not.toContain('jane.doe');
  });

  it('does not repeat a reference that holds an identifier in its report line', () => {
    const result = validateRecord({ ...placement, reference: 'jane.doe@example.org' }, TODAY);
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty('reference');
  });

  it('refuses a date in the future on its field, and accepts today', () => {
    expect(validateRecord({ ...measurement, date: TODAY }, TODAY).ok).toBe(true);
    expect(refusals({ ...measurement, date: '2025-07-01' })).toEqual([{ code: 'DATE_IN_FUTURE', field: 'date' }]);
    expect(refusals({ ...activity, date: '2025-07-01' })).toEqual([{ code: 'DATE_IN_FUTURE', field: 'date' }]);
    expect(refusals({ ...placement, endDate: '2025-07-01' })).toEqual([{ code: 'DATE_IN_FUTURE', field: 'endDate' }]);
  });

  it('refuses an end before the start on endDate, and accepts an end on the start', () => {
    expect(validateRecord({ ...placement, endDate: placement.startDate }, TODAY).ok).toBe(true);
    expect(refusals({ ...placement, endDate: '2024-03-03' })).toEqual([{ code: 'END_BEFORE_START', field: 'endDate' }]);
  });

  it('refuses an implausible age at the start on subject.birthYear, and accepts the bounds', () => {
    const startYear = Number(trajectory.startDate.slice(0, 4));
    const withBirthYear = (birthYear: number) => ({ ...trajectory, subject: { ...trajectory.subject, birthYear } });
    expect(validateRecord(withBirthYear(startYear - AGE_AT_START.min), TODAY).ok).toBe(true);
    expect(validateRecord(withBirthYear(startYear - AGE_AT_START.max), TODAY).ok).toBe(true);
    expect(refusals(withBirthYear(startYear - AGE_AT_START.min + 1))).toEqual([{ code: 'AGE_OUT_OF_RANGE', field: 'subject.birthYear' }]);
    expect(refusals(withBirthYear(startYear - AGE_AT_START.max - 1))).toEqual([{ code: 'AGE_OUT_OF_RANGE', field: 'subject.birthYear' }]);
  });

  it('needs both endDate and endReason on an ended trajectory, naming the one missing', () => {
    expect(validateRecord({ ...trajectory, endDate: '2025-01-31', endReason: 'completed' }, TODAY).ok).toBe(true);
    expect(refusals({ ...trajectory, endDate: '2025-01-31' })).toEqual([{ code: 'END_REASON_MISMATCH', field: 'endReason' }]);
    expect(refusals({ ...trajectory, endReason: 'completed' })).toEqual([{ code: 'END_REASON_MISMATCH', field: 'endDate' }]);
  });

  it('needs an amount on a care activity: a count, a duration or both', () => {
    const { count: _count, ...withoutAmount } = activity;
    expect(validateRecord({ ...withoutAmount, durationMinutes: 30 }, TODAY).ok).toBe(true);
    expect(refusals(withoutAmount)).toEqual([{ code: 'AMOUNT_MISSING', field: 'count' }]);
  });

  it('reports every broken rule of a record, not only the first', () => {
    expect(refusals({ ...placement, startDate: '2025-08-01', endDate: '2025-07-31' })).toEqual([
      { code: 'DATE_IN_FUTURE', field: 'startDate' },
      { code: 'DATE_IN_FUTURE', field: 'endDate' },
      { code: 'END_BEFORE_START', field: 'endDate' },
    ]);
  });
});
