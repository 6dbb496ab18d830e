import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/dates';
import { checkChildRecord } from './ingest-rules';
import type { IngestCatalogue, KnownTrajectory } from './ingest.repository';
import type { CareActivityRecord, MeasurementRecord, PlacementRecord } from './ingest.schemas';

// Each rule across records: a record that passes it, and one it refuses with the code and the
// field at fault. The catalogue and trajectory stand in for what the database holds.

const TODAY = '2025-06-30';
const TOLERANCE_DAYS = 7;

const catalogue: IngestCatalogue = {
  instruments: new Map([
    ['trauma_symptoms', { minValue: 0, maxValue: 60, levels: null, informants: new Set(['youth', 'parent'] as const) }],
    [
      'school_status',
      {
        minValue: 0,
        maxValue: 2,
        levels: [
          { value: 0, label: 'none', rank: 0 },
          { value: 2, label: 'full time', rank: 1 },
        ],
        informants: new Set(['mentor'] as const),
      },
    ],
  ]),
  activityTypes: new Map([
    ['mentor_conversation', { unit: 'minutes' as const }],
    ['treatment_plan_meeting', { unit: 'count' as const }],
    ['family_session', { unit: 'count' as const }],
  ]),
  ownProgrammes: new Map(),
};

const ended: KnownTrajectory = { id: 't1', startDate: '2024-03-04', endDate: '2024-12-31', subjectKey: 'k'.repeat(64) };
const open: KnownTrajectory = { ...ended, endDate: null };

const placement: PlacementRecord = {
  type: 'placement',
  reference: 'P-1',
  trajectoryReference: 'T-1',
  setting: 'ambulatory',
  startDate: '2024-03-04',
};
const measurement: MeasurementRecord = {
  type: 'measurement',
  reference: 'M-1',
  trajectoryReference: 'T-1',
  instrumentCode: 'trauma_symptoms',
  informant: 'youth',
  date: '2024-04-01',
  value: 31,
};
const activity: CareActivityRecord = {
  type: 'care_activity',
  reference: 'A-1',
  trajectoryReference: 'T-1',
  activityTypeCode: 'family_session',
  date: '2024-04-01',
  count: 1,
};

const check = (record: PlacementRecord | MeasurementRecord | CareActivityRecord, trajectory: KnownTrajectory | undefined = ended) =>
  checkChildRecord(record, trajectory, catalogue, TOLERANCE_DAYS, TODAY).map(({ code, field }) => ({ code, field }));

describe('checkChildRecord', () => {
  it('accepts a valid record of each child type', () => {
    expect(check(placement)).toEqual([]);
    expect(check(measurement)).toEqual([]);
    expect(check(activity)).toEqual([]);
  });

  it('refuses a record under a trajectory the institution does not have, on trajectoryReference', () => {
    const errors = checkChildRecord(measurement, undefined, catalogue, TOLERANCE_DAYS, TODAY).map(({ code, field }) => ({ code, field }));
    expect(errors).toEqual([{ code: 'UNKNOWN_TRAJECTORY', field: 'trajectoryReference' }]);
  });

  it('accepts dates within the trajectory give or take the tolerance, and refuses those beyond', () => {
    const daysBeforeStart = (days: number) => addDays(ended.startDate, -days);
    const daysAfterEnd = (days: number) => addDays(ended.endDate as string, days);
    expect(check({ ...measurement, date: daysBeforeStart(TOLERANCE_DAYS) })).toEqual([]);
    expect(check({ ...measurement, date: daysAfterEnd(TOLERANCE_DAYS) })).toEqual([]);
    expect(check({ ...measurement, date: daysBeforeStart(TOLERANCE_DAYS + 1) })).toEqual([
      { code: 'DATE_OUTSIDE_TRAJECTORY', field: 'date' },
    ]);
    expect(check({ ...activity, date: daysAfterEnd(TOLERANCE_DAYS + 1) })).toEqual([{ code: 'DATE_OUTSIDE_TRAJECTORY', field: 'date' }]);
  });

  it('lets an open trajectory run to today', () => {
    expect(check({ ...measurement, date: TODAY }, open)).toEqual([]);
    expect(check({ ...measurement, date: '2025-07-01' }, open)).toEqual([{ code: 'DATE_OUTSIDE_TRAJECTORY', field: 'date' }]);
  });

  it('checks both ends of a placement, each on its own field', () => {
    expect(check({ ...placement, endDate: '2024-12-31' })).toEqual([]);
    expect(check({ ...placement, startDate: '2024-01-01' })).toEqual([{ code: 'DATE_OUTSIDE_TRAJECTORY', field: 'startDate' }]);
    expect(check({ ...placement, endDate: '2025-03-01' })).toEqual([{ code: 'DATE_OUTSIDE_TRAJECTORY', field: 'endDate' }]);
  });

  it('refuses an instrument not in the catalogue on instrumentCode', () => {
    expect(check({ ...measurement, instrumentCode: 'unknown' })).toEqual([{ code: 'UNKNOWN_INSTRUMENT', field: 'instrumentCode' }]);
  });

  it('refuses an informant the instrument is not reported by, naming those that are', () => {
    const errors = checkChildRecord({ ...measurement, informant: 'teacher' }, ended, catalogue, TOLERANCE_DAYS, TODAY);
    expect(errors).toEqual([{ code: 'INFORMANT_NOT_ALLOWED', field: 'informant', message: expect.stringContaining('parent, youth') }]);
    expect(check({ ...measurement, informant: 'parent' })).toEqual([]);
  });

  it('refuses a score outside the instrument’s range on value, and accepts its bounds', () => {
    expect(check({ ...measurement, value: 0 })).toEqual([]);
    expect(check({ ...measurement, value: 60 })).toEqual([]);
    expect(check({ ...measurement, value: -1 })).toEqual([{ code: 'VALUE_OUT_OF_RANGE', field: 'value' }]);
    expect(check({ ...measurement, value: 61 })).toEqual([{ code: 'VALUE_OUT_OF_RANGE', field: 'value' }]);
  });

  it('accepts only a coded level of a status instrument, even inside its range', () => {
    const status = { ...measurement, instrumentCode: 'school_status', informant: 'mentor' as const };
    expect(check({ ...status, value: 2 })).toEqual([]);
    expect(check({ ...status, value: 1 })).toEqual([{ code: 'VALUE_OUT_OF_RANGE', field: 'value' }]);
  });

  it('refuses an activity type not in the catalogue on activityTypeCode', () => {
    expect(check({ ...activity, activityTypeCode: 'unknown' })).toEqual([{ code: 'UNKNOWN_ACTIVITY_TYPE', field: 'activityTypeCode' }]);
  });

  it('needs a duration for an activity type recorded in minutes', () => {
    const conversation = { ...activity, activityTypeCode: 'mentor_conversation' };
    expect(check({ ...conversation, durationMinutes: 45 })).toEqual([]);
    expect(check(conversation)).toEqual([{ code: 'AMOUNT_MISSING', field: 'durationMinutes' }]);
  });

  it('takes topics on mentor conversations only', () => {
    expect(check({ ...activity, activityTypeCode: 'mentor_conversation', durationMinutes: 45, topics: ['safety'] })).toEqual([]);
    expect(check({ ...activity, topics: ['safety'] })).toEqual([{ code: 'NOT_APPLICABLE', field: 'topics' }]);
    expect(check({ ...activity, topics: [] })).toEqual([]);
  });

  it('takes parentsInvolved on treatment-plan meetings only', () => {
    expect(check({ ...activity, activityTypeCode: 'treatment_plan_meeting', parentsInvolved: true })).toEqual([]);
    expect(check({ ...activity, parentsInvolved: false })).toEqual([{ code: 'NOT_APPLICABLE', field: 'parentsInvolved' }]);
  });
});
