import type { Informant } from './generated/operations';

// The baseline trend of an N=1 series as Tau-BC sees it, as points to draw: pure, no DOM, so the
// tests can check it.

/** A point of a baseline trend line: phase A where it was fitted, phase B where it is extended. */
export interface TrendPoint {
  informant: Informant;
  day: number;
  value: number;
  phase: 'A' | 'B';
}

/**
 * The baseline's Theil–Sen line of one series, as Tau-BC sees it (Tarlow 2017): over session
 * numbers 1, 2, … (not days), so it is drawn through each session's day. The API gives the slope
 * oriented (positive is better); the intercept is Conover's, the median of value − slope·session
 * over the baseline. Empty without a baseline.
 */
export function baselineTrendLine(
  informant: Informant,
  observations: ReadonlyArray<{ day: number; value: number }>,
  phaseDay: number,
  orientedSlope: number,
  higherIsBetter: boolean,
): TrendPoint[] {
  const baseline = observations.filter((o) => o.day < phaseDay);
  if (baseline.length === 0) return [];
  const slope = higherIsBetter ? orientedSlope : -orientedSlope;
  const residuals = baseline.map((o, index) => o.value - slope * (index + 1)).sort((a, b) => a - b);
  const middle = residuals.length / 2;
  const intercept = residuals.length % 2 ? residuals[Math.floor(middle)]! : (residuals[middle - 1]! + residuals[middle]!) / 2;
  return observations.map((o, index) => ({
    informant,
    day: o.day,
    value: intercept + slope * (index + 1),
    phase: o.day < phaseDay ? 'A' : 'B',
  }));
}
