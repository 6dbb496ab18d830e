import { describe, expect, it } from 'vitest';
import { STATISTICS_FAMILIES, type StatisticsFamily } from '../../db/schema/statistics';
import { periodOf } from '../../lib/statistics/release-calendar';
import { decideRelease } from './statistics-release-rules';
import type { Changes } from './statistics-releases.repository';

const SETTINGS = { minimumYouths: 40, minimumOthers: 20, churnThreshold: 10 };
const counts = (membership: number, others: Partial<Record<StatisticsFamily, number>> = {}) =>
  Object.fromEntries(STATISTICS_FAMILIES.map((family) => [family, family === 'membership' ? membership : (others[family] ?? 0)])) as Record<
    StatisticsFamily,
    number
  >;
/** `total` youths changed in membership; per institution, how many of them are not its own. */
const changes = (total: number, notOwn: Record<string, number>, departures = 0): Changes => ({
  total: counts(total),
  others: new Map(Object.entries(notOwn).map(([institution, count]) => [institution, counts(count)])),
  departures,
});

describe('the change rule', () => {
  it('releases when every institution sees none or at least the minimum of others’ youths change', () => {
    const decision = decideRelease(changes(60, { a: 40, b: 35, c: 60 }), {}, SETTINGS);
    expect(decision.outcome).toBe('published');
    expect(decision.families.membership).toEqual({ changed: 60, fewestOthers: 35, released: true });
    // An institution none of whose changes were others' (nothing of anyone else changed) learns nothing: it does not hold the release back.
    expect(decideRelease(changes(45, { a: 0, b: 45 }), {}, SETTINGS).outcome).toBe('published');
  });

  it('holds a release where one institution’s own pushes make the numbers: 39 fillers and one real youth (seen failing without the per-institution count)', () => {
    // Institution a pushed 39 of its own; one youth of b arrived: for a, one youth changed that is not its own.
    const decision = decideRelease(changes(40, { a: 1, b: 39, c: 40 }), {}, SETTINGS);
    expect(decision.outcome).toBe('waiting');
    expect(decision.families.membership).toMatchObject({ changed: 40, fewestOthers: 1, released: false });
  });

  it('holds every family while a published youth’s erasure waits for the membership family', () => {
    const waiting = { total: counts(1, { outcome: 50 }), others: new Map([['a', counts(1, { outcome: 30 })]]), departures: 1 };
    const decision = decideRelease(waiting, {}, SETTINGS);
    expect(decision.families.outcome.changed).toBe(50);
    expect(STATISTICS_FAMILIES.every((family) => !decision.families[family].released)).toBe(true);
    expect(decision.outcome).toBe('waiting');
    // Without the erasure the outcome family alone goes.
    expect(decideRelease({ ...waiting, total: counts(0, { outcome: 50 }), departures: 0 }, {}, SETTINGS).families.outcome.released).toBe(
      true,
    );
  });

  it('postpones on churn until the privacy officer acknowledges it', () => {
    const churn = { lindehof: { erasures: 12, young: 10 }, ankerplaats: { erasures: 3, young: 0 } };
    const postponed = decideRelease(changes(60, { a: 40 }), churn, SETTINGS);
    expect(postponed.outcome).toBe('postponed');
    expect(postponed.note).toMatch(/lindehof/);
    expect(postponed.note).not.toMatch(/ankerplaats/);
    expect(decideRelease(changes(60, { a: 40 }), churn, SETTINGS, { acknowledgeChurn: true }).outcome).toBe('published');
  });

  it('says unchanged when nothing changed', () => {
    expect(decideRelease(changes(0, { a: 0 }), {}, SETTINGS).outcome).toBe('unchanged');
  });

  it('publishes the released population as it stands when nothing was ever published, refreshing only what passes', () => {
    const first = decideRelease(changes(5, { a: 1, b: 4 }), {}, SETTINGS, { publishAnyway: 'the first release' });
    expect(first.outcome).toBe('published');
    expect(first.families.membership.released).toBe(false);
    // Churn still postpones it.
    expect(
      decideRelease(changes(5, { a: 1 }), { a: { erasures: 20, young: 20 } }, SETTINGS, { publishAnyway: 'the first release' }).outcome,
    ).toBe('postponed');
  });
});

describe('the release calendar', () => {
  it('names periods in UTC', () => {
    const moment = new Date('2026-12-31T23:30:00Z');
    expect(periodOf(moment, 'quarterly')).toBe('2026-Q4');
    expect(periodOf(moment, 'monthly')).toBe('2026-12');
    expect(periodOf(new Date('2027-01-01T00:00:00Z'), 'quarterly')).toBe('2027-Q1');
    expect(periodOf(new Date('2026-12-07T12:00:00Z'), 'weekly')).toBe('2026-W50');
    // ISO weeks: 1 January 2027 is a Friday, in the last week of 2026.
    expect(periodOf(new Date('2027-01-01T12:00:00Z'), 'weekly')).toBe('2026-W53');
    expect(periodOf(moment, 'manual')).toBeNull();
  });
});
