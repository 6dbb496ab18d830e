import type { DeliveredActivity, OfferItem } from '../../lib/statistics/care-delivery';
import type { SeriesInstrument, Series } from '../../lib/statistics/trajectory-indicators';
import type { ActivityRow, MeasurementRow, OfferItemRow } from '../research';

// Rows as the repositories read them, turned into the inputs of the pure indicator functions.

export const toDelivered = (activity: Pick<ActivityRow, 'activity_type_code' | 'count' | 'duration_minutes'>): DeliveredActivity => ({
  activityTypeCode: activity.activity_type_code,
  count: activity.count,
  durationMinutes: activity.duration_minutes,
});

export const toOfferItem = (item: Omit<OfferItemRow, 'programme_id'>): OfferItem => ({
  activityTypeCode: item.activity_type_code,
  expectedCount: item.expected_count,
  period: item.period,
  coreElement: item.core_element,
});

/** Groups a trajectory's measurements (sorted by instrument, informant, date) into series. */
export function toSeries<Extra extends object>(
  rows: MeasurementRow[],
  instruments: Map<string, SeriesInstrument>,
  extra: () => Extra = () => ({}) as Extra,
): Array<Series & { rows: MeasurementRow[] } & Extra> {
  const grouped = new Map<string, Series & { rows: MeasurementRow[] } & Extra>();
  for (const measurement of rows) {
    const key = `${measurement.instrument_code}|${measurement.informant}`;
    let series = grouped.get(key);
    if (!series) {
      series = {
        instrument: instruments.get(measurement.instrument_code)!,
        informant: measurement.informant,
        observations: [],
        rows: [],
        ...extra(),
      };
      grouped.set(key, series);
    }
    series.observations.push({ day: measurement.day, value: measurement.value });
    series.rows.push(measurement);
  }
  return [...grouped.values()];
}
