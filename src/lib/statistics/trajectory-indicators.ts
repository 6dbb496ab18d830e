import type { Domain } from '../vocabulary';
import { DOMAINS } from '../vocabulary';
import { type InstrumentPsychometrics, isClinical, reliableChange } from './reliable-change';

// The study's classification of a trajectory, from its measurement series (see
// shared/domain.md). Pure functions: the series come in, the statuses go out.

export type SeriesChange = 'improved' | 'unchanged' | 'deteriorated';
export type DomainStatus = 'improved' | 'unchanged' | 'deteriorated' | 'mixed' | 'unknown';
export type OutcomeClass = 'improved' | 'not_improved' | 'mixed' | 'insufficient_data';

export interface StatusLevel {
  value: number;
  rank: number | null;
}

export interface SeriesInstrument extends InstrumentPsychometrics {
  code: string;
  kind: 'score' | 'status';
  domain: Domain | null;
  levels: StatusLevel[] | null;
}

export interface Observation {
  /** Days since the start of the trajectory. */
  day: number;
  value: number;
}

export interface Series {
  instrument: SeriesInstrument;
  informant: string;
  /** In time order. */
  observations: Observation[];
}

/**
 * How one series changed between its first and last observation. Score instruments use the
 * reliable change index; status instruments compare the rank of the first and last known
 * level (exploitation ongoing → stopped, school none → partial or full, are improvements).
 */
export function seriesChange(series: Series): SeriesChange | null {
  const { instrument } = series;
  if (instrument.kind === 'status') {
    const ranked = series.observations
      .map((observation) => instrument.levels?.find((level) => level.value === observation.value)?.rank ?? null)
      .filter((rank): rank is number => rank !== null);
    if (ranked.length < 2) return null;
    const difference = (ranked[ranked.length - 1]! - ranked[0]!) * (instrument.higherIsBetter ? 1 : -1);
    return difference > 0 ? 'improved' : difference < 0 ? 'deteriorated' : 'unchanged';
  }
  if (series.observations.length < 2) return null;
  const change = reliableChange(series.observations[0]!.value, series.observations[series.observations.length - 1]!.value, instrument);
  if (change.category === null) return null;
  return change.category === 'recovered' ? 'improved' : change.category;
}

/** Improved: some series reliably better and none worse; deteriorated the other way; mixed: both. */
export function domainStatuses(series: readonly Series[]): Record<Domain, DomainStatus> {
  const statuses = {} as Record<Domain, DomainStatus>;
  for (const domain of DOMAINS) {
    const changes = series
      .filter((entry) => entry.instrument.domain === domain)
      .map(seriesChange)
      .filter((change) => change !== null);
    const improved = changes.includes('improved');
    const deteriorated = changes.includes('deteriorated');
    statuses[domain] =
      changes.length === 0
        ? 'unknown'
        : improved && deteriorated
          ? 'mixed'
          : improved
            ? 'improved'
            : deteriorated
              ? 'deteriorated'
              : 'unchanged';
  }
  return statuses;
}

/**
 * The study's outcome classes: improved on two or more domains with none deteriorated; not
 * improved when no domain improved (a domain that is "mixed" did improve on some series, so it
 * makes the trajectory mixed, not "not improved"); mixed otherwise; insufficient data when
 * fewer than two domains are known.
 */
export function outcomeClass(statuses: Record<Domain, DomainStatus>): OutcomeClass {
  const values = Object.values(statuses);
  const known = values.filter((status) => status !== 'unknown').length;
  if (known < 2) return 'insufficient_data';
  const improved = values.filter((status) => status === 'improved').length;
  const deteriorated = values.filter((status) => status === 'deteriorated').length;
  if (improved >= 2 && deteriorated === 0) return 'improved';
  if (improved === 0 && !values.includes('mixed')) return 'not_improved';
  return 'mixed';
}

export type DomainRecognition = 'low' | 'shared' | 'none' | 'unknown';
export type ProblemRecognition = 'low_recognition' | 'shared_recognition' | 'no_problems_reported' | 'unknown';

const OTHER_INFORMANTS = new Set(['parent', 'mentor']);

/**
 * Problem recognition at intake, per domain: within the first `windowDays`, does the youth's
 * own report fall outside the clinical range while a parent or mentor reports a score inside
 * it? The first observation of each series in the window counts.
 */
export function problemRecognition(
  series: readonly Series[],
  windowDays: number,
): { perDomain: Record<Domain, DomainRecognition>; overall: ProblemRecognition } {
  const perDomain = {} as Record<Domain, DomainRecognition>;
  for (const domain of DOMAINS) {
    let youth: boolean | null = null;
    let others: boolean | null = null;
    for (const entry of series) {
      if (entry.instrument.domain !== domain || entry.instrument.kind !== 'score') continue;
      const first = entry.observations.find((observation) => observation.day <= windowDays);
      if (!first) continue;
      const clinical = isClinical(first.value, entry.instrument);
      if (clinical === null) continue;
      if (entry.informant === 'youth') youth = (youth ?? false) || clinical;
      else if (OTHER_INFORMANTS.has(entry.informant)) others = (others ?? false) || clinical;
    }
    perDomain[domain] = youth === null || others === null ? 'unknown' : others && !youth ? 'low' : others && youth ? 'shared' : 'none';
  }
  const values = Object.values(perDomain);
  const overall: ProblemRecognition = values.includes('low')
    ? 'low_recognition'
    : values.includes('shared')
      ? 'shared_recognition'
      : values.includes('none')
        ? 'no_problems_reported'
        : 'unknown';
  return { perDomain, overall };
}
