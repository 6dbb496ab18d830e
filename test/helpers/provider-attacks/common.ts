import type { Database } from '../../../src/db/client';
import { INSTITUTIONS, INSTRUMENTS } from '../../../src/modules/catalogue';
import type { ReleaseLogEntry } from '../../../src/modules/statistics/statistics-releases.repository';
import { priorOf } from '../statistics-attacks/added-youths';
import { type AnswerRequest, allRequests, type AnswerSet, collectAnswers } from '../statistics-attacks/answers';
import { comparisonAsker, restAsker } from '../statistics-attacks/askers';
import { loadTruth, type TruthTrajectory } from '../statistics-truth';
import type { Guessed } from './evidence';
import type { Send } from './world';

// What every provider attack needs: the public catalogue (programmes by institution, the
// perspective items and their range), the attacker's own records, and the answers a role reads.

export const PERSPECTIVE_ITEMS = INSTRUMENTS.filter((instrument) => instrument.questionnaire === 'youth_perspective').map(
  ({ code, minValue, maxValue }) => ({ code, minValue, maxValue }),
);

export const programmesOf = (institution: string): string[] =>
  INSTITUTIONS.find((entry) => entry.code === institution)!.programmes.map((programme) => programme.code);

/** Every answer by every grouping (the attacker fetches all of them at each release). */
export const ALL_REQUESTS: AnswerRequest[] = allRequests();

/** The institution's own trajectories as they stand (it knows its own records exactly). */
export async function ownRows(database: Database, institution: string): Promise<TruthTrajectory[]> {
  const { rows } = await database.query<{ id: string }>(
    'select t.id from trajectories t join institutions i on i.id = t.institution_id where i.code = $1',
    [institution],
  );
  return rows.length === 0
    ? []
    : loadTruth(
        database,
        rows.map((row) => row.id),
      );
}

/** A reader of every answer: an institution through the comparison (national and own), anyone else through REST. */
export function reader(send: Send, kind: 'institution' | 'rest', requests: AnswerRequest[] = ALL_REQUESTS): () => Promise<AnswerSet> {
  const asker = kind === 'institution' ? comparisonAsker(send) : restAsker(send);
  return () => collectAnswers(asker, requests);
}

/** The population's most common value of each attribute (the attacker's guess without evidence). */
export const priors = (database: Database): Promise<Record<Guessed, string>> => priorOf(database);

/** Whether a published release refreshed the membership family (the public release log says which families a release refreshed). */
export const membershipReleased = (entries: ReleaseLogEntry[]) =>
  entries.some((entry) => entry.outcome === 'published' && (entry.families as Record<string, { released: boolean }>).membership?.released);

/** The targets' true values (those in the statistics population: research consent not refused or withdrawn). */
export async function truthOf(database: Database, ids: string[]): Promise<Map<string, TruthTrajectory>> {
  if (ids.length === 0) return new Map();
  return new Map((await loadTruth(database, ids)).map((row) => [row.id, row]));
}

/** Start dates that move one day per round within one year (so no filler changes its start year). */
export const startDateOf = (round: number) => new Date(Date.UTC(2025, 0, 1 + (round % 360))).toISOString().slice(0, 10);
