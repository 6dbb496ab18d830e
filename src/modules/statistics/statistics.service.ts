import type { RequestScope } from '../../plugins/request-scope';
import type { Grouping } from './statistics-aggregates';
import {
  type Audience,
  audienceOf,
  disclosureControlOf,
  type LayoutSettings,
  notesFor,
  populationLabel,
  type ReleaseRef,
} from './statistics-layout';
import type { StoredAnswer } from './statistics-release-answers';
import type { ReleaseLogEntry, StatisticsReleasesRepository } from './statistics-releases.repository';
import type { Measure, StatisticsAnswer } from './statistics.schemas';

// Statistics answers are read, never computed: a release computed, audited and stored every
// answer for every audience (statistics-release-answers.ts), and an answer is the stored one of
// the latest published release, framed with its disclosure control and the release it is from.
// Nothing a funder, researcher or institution reads is computed from live records.

export type { Cell, Measure, StatisticsAnswer } from './statistics.schemas';
export { MEASURES } from './statistics.schemas';

/** The note of an answer in which the release audit withheld counts. */
export const WITHHELD_NOTE =
  'Counts shown as suppressed are withheld: an audit at each release solves all published answers together, as an attacker would (by linear programming, as statistical offices audit their tables), also with what a researcher or an institution knows at record level, and withholds every count whose part of 1 to 9 unknown to them they would tell exactly; with it the means and medians over the same youths, and the shares of a domain with its counts (shares are audited as the status counts they give back). A few counts of 1 to 9 are withheld at random besides (decoys), so that a withheld count does not tell which of 1 to 9 it is. A withheld count is always a true count of at least 1, never 0 (mostly 1 to 9), and stays withheld while its contributors are the same.';

/** Said before the first release. */
export const NOT_RELEASED_NOTE =
  'Nothing has been released yet: statistics are published at the first release (on the calendar, or when an operator runs one).';

export interface StatisticsServiceDependencies {
  releases: Pick<StatisticsReleasesRepository, 'answers'>;
}

const refOf = (release: ReleaseLogEntry): ReleaseRef => ({
  id: release.id,
  publishedAt: (release.finishedAt ?? release.startedAt).toISOString(),
  period: release.period,
  researchCutoff: release.researchCutoff,
});

export function createStatisticsService(dependencies: StatisticsServiceDependencies, settings: LayoutSettings) {
  const { releases } = dependencies;
  const notes = notesFor(settings);

  async function answers(measure: Measure, groupBy: Grouping | null, audience: Audience, withOwn: boolean) {
    const effectiveGroupBy = measure === 'recognition' ? null : groupBy;
    const keys = [audience.national, ...(withOwn && audience.institution ? [audience.institution.id] : [])];
    const { release, answers: stored } = await releases.answers(keys, measure, effectiveGroupBy ?? 'none');
    const ref = release ? refOf(release) : null;
    const frame = (answer: StoredAnswer['answer'] | undefined): StatisticsAnswer => ({
      measure,
      groupBy: effectiveGroupBy,
      population: populationLabel(audience.national),
      disclosureControl: disclosureControlOf(
        settings,
        [...notes, ...(!ref ? [NOT_RELEASED_NOTE] : []), ...(answer?.withheld ? [WITHHELD_NOTE] : [])],
        ref,
      ),
      groups: answer?.groups ?? [],
      total: answer?.total ?? {},
    });
    return {
      national: frame(stored.get(audience.national)),
      own: withOwn && audience.institution ? frame(stored.get(audience.institution.id)) : null,
    };
  }

  return {
    /** The national figures (for a researcher: over what researchers see at record level). */
    async answer(measure: Measure, groupBy: Grouping | null, scope: RequestScope): Promise<StatisticsAnswer> {
      return (await answers(measure, groupBy, audienceOf(scope), false)).national;
    },

    /** The national figures and, for an institution, the same over its own trajectories. */
    async comparison(
      measure: Measure,
      groupBy: Grouping | null,
      scope: RequestScope,
    ): Promise<{ national: StatisticsAnswer; own: StatisticsAnswer | null }> {
      const audience = audienceOf(scope);
      return answers(measure, groupBy, audience, audience.institution !== null);
    },
  };
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;
