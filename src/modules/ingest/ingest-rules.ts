import { addDays } from '../../lib/dates';
import { careActivityRuleErrors } from './care-activity-rules';
import type { RecordError } from './record-validation';
import type { IngestCatalogue, KnownTrajectory } from './ingest.repository';
import type { CareActivityRecord, MeasurementRecord, PlacementRecord } from './ingest.schemas';

// Rules across records, checked for a whole batch against what the database holds: the
// trajectory a record hangs under, the catalogue, and the dates of care.

type ChildRecord = PlacementRecord | CareActivityRecord | MeasurementRecord;

/** A date must fall within the trajectory, give or take `toleranceDays` (EHRs round dates). */
function outsideTrajectory(date: string, trajectory: KnownTrajectory, toleranceDays: number, today: string): boolean {
  const earliest = addDays(trajectory.startDate, -toleranceDays);
  const latest = trajectory.endDate ? addDays(trajectory.endDate, toleranceDays) : today;
  return date < earliest || date > latest;
}

export function checkChildRecord(
  record: ChildRecord,
  trajectory: KnownTrajectory | undefined,
  catalogue: IngestCatalogue,
  toleranceDays: number,
  today: string,
): RecordError[] {
  if (!trajectory) {
    return [{ code: 'UNKNOWN_TRAJECTORY', message: 'names no trajectory of your institution', field: 'trajectoryReference' }];
  }
  const errors: RecordError[] = [];
  const dateField = record.type === 'placement' ? 'startDate' : 'date';
  const date = record.type === 'placement' ? record.startDate : record.date;
  if (outsideTrajectory(date, trajectory, toleranceDays, today)) {
    errors.push({ code: 'DATE_OUTSIDE_TRAJECTORY', message: 'lies outside the trajectory’s start and end', field: dateField });
  }
  if (record.type === 'placement' && record.endDate && outsideTrajectory(record.endDate, trajectory, toleranceDays, today)) {
    errors.push({ code: 'DATE_OUTSIDE_TRAJECTORY', message: 'lies outside the trajectory’s start and end', field: 'endDate' });
  }
  if (record.type === 'measurement') errors.push(...checkMeasurement(record, catalogue));
  if (record.type === 'care_activity') errors.push(...checkCareActivity(record, catalogue));
  return errors;
}

function checkMeasurement(record: MeasurementRecord, catalogue: IngestCatalogue): RecordError[] {
  const instrument = catalogue.instruments.get(record.instrumentCode);
  if (!instrument) return [{ code: 'UNKNOWN_INSTRUMENT', message: 'is not in the instrument catalogue', field: 'instrumentCode' }];
  const errors: RecordError[] = [];
  if (!instrument.informants.has(record.informant)) {
    errors.push({
      code: 'INFORMANT_NOT_ALLOWED',
      message: `this instrument is reported by ${[...instrument.informants].sort().join(', ')}`,
      field: 'informant',
    });
  }
  if (instrument.levels) {
    if (!instrument.levels.some((level) => level.value === record.value)) {
      errors.push({
        code: 'VALUE_OUT_OF_RANGE',
        message: `must be one of the coded levels ${instrument.levels.map((level) => `${level.value} (${level.label})`).join(', ')}`,
        field: 'value',
      });
    }
  } else if (record.value < instrument.minValue || record.value > instrument.maxValue) {
    errors.push({
      code: 'VALUE_OUT_OF_RANGE',
      message: `must lie between ${instrument.minValue} and ${instrument.maxValue}`,
      field: 'value',
    });
  }
  return errors;
}

function checkCareActivity(record: CareActivityRecord, catalogue: IngestCatalogue): RecordError[] {
  const activityType = catalogue.activityTypes.get(record.activityTypeCode);
  if (!activityType)
    return [{ code: 'UNKNOWN_ACTIVITY_TYPE', message: 'is not in the activity-type catalogue', field: 'activityTypeCode' }];
  // The type's own rules, as the OpenAPI document states them (care-activity-rules.ts).
  return careActivityRuleErrors(record);
}
