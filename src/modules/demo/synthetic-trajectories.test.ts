import { describe, expect, it } from 'vitest';
import { INSTRUMENTS } from '../catalogue/reference-data';
import { generateSyntheticTrajectories } from './synthetic-trajectories';

const ASOF = '2026-06-30';
const generate = (seed: number, trajectories = 60) => [...generateSyntheticTrajectories({ trajectories, seed, asOf: ASOF })];

describe('synthetic trajectories', () => {
  it('are the same for the same seed and differ for another', () => {
    expect(generate(7)).toEqual(generate(7));
    expect(generate(8)).not.toEqual(generate(7));
  });

  it('date nothing after the as-of day and nothing before the trajectory start', () => {
    for (const trajectory of generate(11)) {
      const dates = [
        ...trajectory.activities.map((activity) => activity.activityDate),
        ...trajectory.measurements.map((measurement) => measurement.measuredOn),
        ...trajectory.placements.flatMap((placement) => [placement.startDate, placement.endDate ?? trajectory.startDate]),
      ];
      for (const date of dates) {
        expect(date >= trajectory.startDate).toBe(true);
        expect(date <= ASOF).toBe(true);
      }
      if (trajectory.endDate) {
        expect(trajectory.endDate >= trajectory.startDate).toBe(true);
        expect(trajectory.endReason).not.toBeNull();
      }
    }
  });

  it('keeps every value inside its instrument range and uses allowed informants', () => {
    const byCode = new Map(INSTRUMENTS.map((instrument) => [instrument.code, instrument]));
    for (const trajectory of generate(13)) {
      for (const measurement of trajectory.measurements) {
        const instrument = byCode.get(measurement.instrumentCode)!;
        expect(instrument.informants).toContain(measurement.informant);
        expect(measurement.value).toBeGreaterThanOrEqual(instrument.minValue);
        expect(measurement.value).toBeLessThanOrEqual(instrument.maxValue);
        if (instrument.levels) expect(instrument.levels.map((level) => level.value)).toContain(measurement.value);
      }
    }
  });

  it('gives unique references and links some youths across trajectories', () => {
    const trajectories = generate(17, 300);
    const references = trajectories.flatMap((t) => [
      t.reference,
      ...t.placements.map((p) => p.reference),
      ...t.activities.map((a) => a.reference),
      ...t.measurements.map((m) => m.reference),
    ]);
    expect(new Set(references).size).toBe(references.length);
    const subjects = new Set(trajectories.map((t) => t.subject.key));
    expect(subjects.size).toBeLessThan(trajectories.length);
    expect(trajectories.every((t) => t.reference.startsWith('SYN-'))).toBe(true);
  });
});
