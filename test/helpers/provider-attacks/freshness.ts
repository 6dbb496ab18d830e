import { daysBetween } from '../../../src/lib/dates';
import type { Series } from '../../../src/lib/statistics/trajectory-indicators';
import { INSTRUMENTS } from '../../../src/modules/catalogue';
import { generateSyntheticTrajectories, type SyntheticTrajectory } from '../../../src/modules/demo/synthetic-trajectories';
import { outcomeIndicators } from '../../../src/modules/indicators';

// What the change rule costs in freshness: the demo generator's youths arrive over its ~6.5
// years (their own start and end dates, measurements and questionnaires), a release is checked
// at the start of every calendar period, and each family of figures is released by the change
// rule as stated (counted here, not by the service's code): all changed youths together at least
// `minimumYouths`, and for every institution the changed youths that are not its own none or at
// least `minimumOthers`. What changed for a youth in a period:
// - membership: a trajectory of hers started;
// - course: one ended;
// - outcome: her outcome class, problem recognition or a domain status, computed from the
//   measurements known by the period's end (the service's own pure function), differs from the
//   period before;
// - care: she was in care during the period (doses and fidelity are per month in care, so they
//   move while she is in care);
// - perspective: she answered the youth-perspective questionnaire.
// Youths whose research consent is refused or withdrawn are not in the statistics and left out.
// No erasures (a published youth's leaving makes every family wait: not modelled).

export const FAMILIES = ['membership', 'course', 'outcome', 'care', 'perspective'] as const;
export type Family = (typeof FAMILIES)[number];

export interface FreshnessOptions {
  /** Trajectories over the generator's span (~6.5 years): 400 is the demo's rate. */
  trajectories: number;
  seed: number;
  calendar: 'quarterly' | 'monthly';
  minimumYouths: number;
  minimumOthers: number;
  asOf?: string;
}

export interface FamilyFreshness {
  /** Youth-changes counted (a youth changed in a period). */
  changes: number;
  /** Of them, published by the end of the span (the rest still wait then). */
  published: number;
  /** Mean periods between the first release after a change and the release that published it (0: at once). */
  meanWait: number;
  /** Share of changes that waited at least one period. */
  waitedShare: number;
  /** Releases of this family among the checks. */
  releases: number;
}

export interface FreshnessResult {
  periods: number;
  families: Record<Family, FamilyFreshness>;
}

/** The change rule for one family, as stated: some change, all together at least `minimumYouths`, per institution its others none or at least `minimumOthers`. */
export function changeRuleHolds(
  total: number,
  othersPerInstitution: number[],
  rule: Pick<FreshnessOptions, 'minimumYouths' | 'minimumOthers'>,
): boolean {
  return total > 0 && total >= rule.minimumYouths && othersPerInstitution.every((count) => count === 0 || count >= rule.minimumOthers);
}

const INSTRUMENT_BY_CODE = new Map(INSTRUMENTS.map((instrument) => [instrument.code, instrument]));
const INTAKE_WINDOW_DAYS = 42;

/** The start of each period from the first to the one after asOf. */
function periodStarts(first: string, last: string, calendar: FreshnessOptions['calendar']): string[] {
  const starts: string[] = [];
  const step = calendar === 'quarterly' ? 3 : 1;
  const begin = new Date(`${first.slice(0, 7)}-01T00:00:00Z`);
  begin.setUTCMonth(Math.floor(begin.getUTCMonth() / step) * step);
  for (const date = begin; date.toISOString().slice(0, 10) <= last; date.setUTCMonth(date.getUTCMonth() + step)) {
    starts.push(date.toISOString().slice(0, 10));
  }
  const after = new Date(`${starts[starts.length - 1]}T00:00:00Z`);
  after.setUTCMonth(after.getUTCMonth() + step);
  starts.push(after.toISOString().slice(0, 10));
  return starts;
}

/** The outcome family's values of a trajectory from the measurements known by `day` (exclusive). */
function outcomeKey(trajectory: SyntheticTrajectory, before: string): string {
  const grouped = new Map<string, Series>();
  for (const measurement of trajectory.measurements) {
    if (measurement.measuredOn >= before) continue;
    const instrument = INSTRUMENT_BY_CODE.get(measurement.instrumentCode)!;
    if (instrument.questionnaire === 'youth_perspective') continue;
    const key = `${measurement.instrumentCode}|${measurement.informant}`;
    const series = grouped.get(key) ?? { instrument, informant: measurement.informant, observations: [] };
    series.observations.push({ day: daysBetween(trajectory.startDate, measurement.measuredOn), value: measurement.value });
    grouped.set(key, series);
  }
  for (const series of grouped.values()) series.observations.sort((a, b) => a.day - b.day);
  const indicators = outcomeIndicators([...grouped.values()], INTAKE_WINDOW_DAYS);
  return JSON.stringify([indicators.outcomeClass, indicators.problemRecognition, indicators.domainStatuses]);
}

export function simulateFreshness(options: FreshnessOptions): FreshnessResult {
  const asOf = options.asOf ?? '2026-06-30';
  const trajectories = [...generateSyntheticTrajectories({ trajectories: options.trajectories, seed: options.seed, asOf })].filter(
    (trajectory) => trajectory.researchConsent === 'granted' || trajectory.researchConsent === 'unknown',
  );
  const first = trajectories.map((trajectory) => trajectory.startDate).sort()[0] ?? asOf;
  const starts = periodStarts(first, asOf, options.calendar);
  const institutions = [...new Set(trajectories.map((trajectory) => trajectory.institutionCode))];
  const periodOf = (date: string) => {
    let index = 0;
    while (index + 1 < starts.length && starts[index + 1]! <= date) index += 1;
    return index;
  };

  // Per period: per family, the youths that changed in it.
  const changed = starts.map(
    () => Object.fromEntries(FAMILIES.map((family) => [family, new Set<string>()])) as Record<Family, Set<string>>,
  );
  for (const trajectory of trajectories) {
    const youth = trajectory.subject.key;
    const startPeriod = periodOf(trajectory.startDate);
    changed[startPeriod]!.membership.add(youth);
    const endPeriod = trajectory.endDate && trajectory.endDate <= asOf ? periodOf(trajectory.endDate) : null;
    if (endPeriod !== null) changed[endPeriod]!.course.add(youth);
    const lastPeriod = endPeriod ?? periodOf(asOf);
    let previous: string | null = null;
    for (let period = startPeriod; period <= lastPeriod && period + 1 < starts.length; period += 1) {
      changed[period]!.care.add(youth);
      // Known by the next period's start (the release that would publish it).
      const now = outcomeKey(trajectory, starts[period + 1]!);
      if (previous !== null && now !== previous) changed[period]!.outcome.add(youth);
      previous = now;
    }
    for (const measurement of trajectory.measurements) {
      if (INSTRUMENT_BY_CODE.get(measurement.instrumentCode)!.questionnaire === 'youth_perspective' && measurement.measuredOn <= asOf)
        changed[periodOf(measurement.measuredOn)]!.perspective.add(youth);
    }
  }

  // A youth's institutions as of a date (her trajectories started by then).
  const institutionsOf = new Map<string, Array<{ institution: string; from: string }>>();
  for (const trajectory of trajectories) {
    const list = institutionsOf.get(trajectory.subject.key) ?? [];
    list.push({ institution: trajectory.institutionCode, from: trajectory.startDate });
    institutionsOf.set(trajectory.subject.key, list);
  }
  const ownedBy = (youth: string, date: string) =>
    new Set(
      institutionsOf
        .get(youth)!
        .filter((entry) => entry.from < date)
        .map((entry) => entry.institution),
    );

  const families = {} as Record<Family, FamilyFreshness>;
  for (const family of FAMILIES) {
    // Pending: youth → the periods of her unpublished changes.
    const pending = new Map<string, number[]>();
    const waits: number[] = [];
    let releases = 0;
    let changes = 0;
    for (let check = 1; check < starts.length; check += 1) {
      for (const youth of changed[check - 1]![family]) {
        changes += 1;
        pending.set(youth, [...(pending.get(youth) ?? []), check - 1]);
      }
      const date = starts[check]!;
      const youths = [...pending.keys()];
      const others = institutions.map((institution) => youths.filter((youth) => !ownedBy(youth, date).has(institution)).length);
      if (changeRuleHolds(youths.length, others, options)) {
        releases += 1;
        for (const periods of pending.values()) for (const period of periods) waits.push(check - (period + 1));
        pending.clear();
      }
    }
    families[family] = {
      changes,
      published: waits.length,
      meanWait: waits.length ? waits.reduce((sum, wait) => sum + wait, 0) / waits.length : Number.NaN,
      waitedShare: waits.length ? waits.filter((wait) => wait > 0).length / waits.length : Number.NaN,
      releases,
    };
  }
  return { periods: starts.length - 1, families };
}

/** The same over several seeds: mean of the per-seed figures. */
export function freshnessOver(seeds: number[], options: Omit<FreshnessOptions, 'seed'>): FreshnessResult {
  const runs = seeds.map((seed) => simulateFreshness({ ...options, seed }));
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    periods: runs[0]!.periods,
    families: Object.fromEntries(
      FAMILIES.map((family) => [
        family,
        {
          changes: mean(runs.map((run) => run.families[family].changes)),
          published: mean(runs.map((run) => run.families[family].published)),
          meanWait: mean(runs.map((run) => run.families[family].meanWait).filter((value) => !Number.isNaN(value))),
          waitedShare: mean(runs.map((run) => run.families[family].waitedShare).filter((value) => !Number.isNaN(value))),
          releases: mean(runs.map((run) => run.families[family].releases)),
        },
      ]),
    ) as Record<Family, FamilyFreshness>,
  };
}
