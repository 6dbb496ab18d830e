import { errors } from '../../lib/errors';
import type { RequestScope } from '../../plugins/request-scope';

// The researcher redaction policy: who reads records, and what a researcher sees of them. No
// database and no Fastify here; research.repository.ts applies `readerOf` to every statement
// (researchers: consented trajectories released before the release date, research-release.ts),
// research.graphql.ts applies the rest field by field. Why each rule holds is in domain.md's
// privacy rules and in research-release.ts: an exact calendar date, or an exact time in care of
// an open trajectory (today minus the days), gives the start date away.

/** The two kinds of reader of record-level data. */
export type Reader = 'institution' | 'researcher';

/**
 * Decides the reader for a request's scope: an institution reads its own records; a researcher
 * reads released ones, and only for a declared purpose; every other role reads none.
 */
export function readerOf(scope: RequestScope): Reader {
  if (scope.role === 'institution' && scope.institution) return 'institution';
  if (scope.role === 'researcher') {
    if (!scope.purpose) throw errors.purposeRequired();
    return 'researcher';
  }
  throw errors.forbidden(`Role ${scope.role} sees no record-level data; use the statistics.`);
}

/** Calendar dates go to the trajectory's own institution only; researchers get day offsets. */
export const showsCalendarDates = (reader: Reader): boolean => reader === 'institution';

/** A calendar date as the reader may see it: the date, or null. */
export const dateFor = (reader: Reader, date: string | null): string | null => (showsCalendarDates(reader) ? date : null);

/**
 * Whether the exact time in care (and what is computed from it: days in care, doses per month,
 * fidelity) is withheld: for a researcher on an open trajectory, where today minus it is the start
 * date. Ended ones are fine: end − start is an offset.
 */
export const hidesTimeInCare = (reader: Reader, endDate: string | null): boolean => reader !== 'institution' && endDate === null;

/**
 * A researcher sees consented trajectories alone: a consent filter asking for any other consent
 * matches nothing (answered without a query, the same empty page the query would give).
 */
export const consentFilterMatchesNothing = (reader: Reader, consent: string | null | undefined): boolean =>
  reader === 'researcher' && consent != null && consent !== 'granted';
