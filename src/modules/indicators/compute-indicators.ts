import { daysBetween } from '../../lib/dates';
import {
  type DeliveredActivity,
  type Dose,
  dosePerActivityType,
  type Fidelity,
  fidelity,
  type OfferItem,
} from '../../lib/statistics/care-delivery';
import {
  type DomainRecognition,
  type DomainStatus,
  domainStatuses,
  type OutcomeClass,
  outcomeClass,
  type ProblemRecognition,
  problemRecognition,
  type Series,
} from '../../lib/statistics/trajectory-indicators';
import type { Domain } from '../../lib/vocabulary';

// Everything the registry derives for one trajectory, in one place: the research API shows it
// computed on the spot, the statistics read it as kept up to date. Both call this function,
// so the two cannot disagree.

export interface TrajectoryInputs {
  startDate: string;
  endDate: string | null;
  /** The day the trajectory is looked at: time in care of an open trajectory runs up to it. */
  asOf: string;
  series: Series[];
  activities: DeliveredActivity[];
  offer: OfferItem[];
  intakeWindowDays: number;
}

export interface TrajectoryIndicators {
  daysInCare: number;
  domainStatuses: Record<Domain, DomainStatus>;
  intakeRecognition: Record<Domain, DomainRecognition>;
  outcomeClass: OutcomeClass;
  problemRecognition: ProblemRecognition;
  fidelity: Fidelity;
  dose: Dose[];
}

export function daysInCare(startDate: string, endDate: string | null, asOf: string): number {
  return Math.max(0, daysBetween(startDate, endDate ?? asOf));
}

export type OutcomeIndicators = Pick<TrajectoryIndicators, 'domainStatuses' | 'intakeRecognition' | 'outcomeClass' | 'problemRecognition'>;
export type CareDeliveryIndicators = Pick<TrajectoryIndicators, 'daysInCare' | 'fidelity' | 'dose'>;

/** What the measurement series say; needs nothing else (the research API asks for it alone). */
export function outcomeIndicators(series: Series[], intakeWindowDays: number): OutcomeIndicators {
  const statuses = domainStatuses(series);
  const recognition = problemRecognition(series, intakeWindowDays);
  return {
    domainStatuses: statuses,
    intakeRecognition: recognition.perDomain,
    outcomeClass: outcomeClass(statuses),
    problemRecognition: recognition.overall,
  };
}

/** What was delivered against the programme's offer over the time in care. */
export function careDeliveryIndicators(
  inputs: Pick<TrajectoryInputs, 'startDate' | 'endDate' | 'asOf' | 'activities' | 'offer'>,
): CareDeliveryIndicators {
  const days = daysInCare(inputs.startDate, inputs.endDate, inputs.asOf);
  return {
    daysInCare: days,
    fidelity: fidelity(inputs.offer, inputs.activities, days),
    dose: dosePerActivityType(inputs.activities, days),
  };
}

export function computeTrajectoryIndicators(inputs: TrajectoryInputs): TrajectoryIndicators {
  return { ...careDeliveryIndicators(inputs), ...outcomeIndicators(inputs.series, inputs.intakeWindowDays) };
}
