import { daysBetween } from '../../lib/dates';
import { type DeliveredActivity, type Dose, dosePerActivityType, type Fidelity, fidelity, type OfferItem } from '../../lib/statistics/care-delivery';
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

export function computeTrajectoryIndicators(inputs: TrajectoryInputs): TrajectoryIndicators {
  const days = daysInCare(inputs.startDate, inputs.endDate, inputs.asOf);
  const statuses = domainStatuses(inputs.series);
  const recognition = problemRecognition(inputs.series, inputs.intakeWindowDays);
  return {
    daysInCare: days,
    domainStatuses: statuses,
    intakeRecognition: recognition.perDomain,
    outcomeClass: outcomeClass(statuses),
    problemRecognition: recognition.overall,
    fidelity: fidelity(inputs.offer, inputs.activities, days),
    dose: dosePerActivityType(inputs.activities, days),
  };
}
