import { type CellKeyMethod, type CellKeySettings, createCellKeyMethod, type Tally } from '../../lib/statistics/cell-key-method';
import { whatOf } from '../../lib/statistics/linked-answers-audit';
import type { RequestScope } from '../../plugins/request-scope';
import type { CatalogueRepository } from '../catalogue';
import type { StatisticsReleasesRepository } from './statistics-releases.repository';
import {
  type Audience,
  audienceOf,
  disclosureControlOf,
  type Fetched,
  type GroupSources,
  groupingOf,
  type LayoutInputs,
  layOut,
  listedGroups,
  notesFor,
  populationLabel,
} from './statistics-layout';
import type { Grouping, Part, StatisticsRepository } from './statistics.repository';
import type { Cell, Measure, StatisticsAnswer } from './statistics.schemas';

// Turns aggregates into answers by the cell-key method: every count is perturbed (the same
// contributors always give the same number), shares are derived from perturbed counts, means and
// medians carry noise of their own and are left out over too few. Answers are computed from the
// released population only, so they change in releases, never by one youth. The service fetches
// (lines, catalogue entries, release state); statistics-layout.ts lays the answer out.

export type { Cell, Measure, StatisticsAnswer } from './statistics.schemas';
export { MEASURES } from './statistics.schemas';

/** The note of an answer in which the release audit withheld counts. */
export const WITHHELD_NOTE =
  'Counts shown as suppressed are withheld: an audit at each release solves all published answers together, as an attacker would (by linear programming, as statistical offices audit their tables), also with what a researcher or an institution knows at record level, and withholds every count of 1 to 9 they would tell exactly; with it the shares of its line and means and medians over the same youths. A count once withheld stays withheld while its contributors are the same.';

export interface StatisticsServiceSettings extends CellKeySettings {
  releaseMinimumYouths: number;
}

export interface StatisticsServiceDependencies {
  repository: StatisticsRepository;
  releases: Pick<StatisticsReleasesRepository, 'state' | 'withheld'>;
  catalogue: Pick<CatalogueRepository, 'listActivityTypes' | 'listInstruments' | 'listInstitutions' | 'listProgrammes'>;
}

/** A count cell as the release audit sees it: what it publishes, and the tally it publishes it from. */
export type AuditedCell = Cell & { tally?: Tally };

/** Whether an answer withholds a count (a count cell left out: only the release audit leaves counts out). */
const withholds = (answer: Pick<StatisticsAnswer, 'measure' | 'groups' | 'total'>) =>
  [answer.total, ...answer.groups.map((group) => group.values)].some((values) =>
    Object.entries(values).some(([name, cell]) => cell.suppressed && whatOf(answer.measure, name) !== null),
  );

export function createStatisticsService(dependencies: StatisticsServiceDependencies, settings: StatisticsServiceSettings) {
  const { repository, releases, catalogue } = dependencies;
  const notes = notesFor(settings);

  /** What the listed groups of a grouping are drawn from: only that grouping's list is read. */
  async function sourcesOf(grouping: Grouping | 'recognition' | null): Promise<GroupSources> {
    if (grouping === 'programme') return { programmes: await catalogue.listProgrammes() };
    if (grouping === 'institution') return { institutions: await catalogue.listInstitutions() };
    if (grouping === 'start_year') return { startYears: await repository.startYears() };
    return {};
  }

  /** The catalogue entries that make a measure's columns. */
  async function columnsOf(measure: Measure): Promise<Omit<LayoutInputs, 'groups'>> {
    if (measure === 'perspective') {
      const instruments = await catalogue.listInstruments();
      return { perspectiveItems: instruments.filter((instrument) => instrument.code.startsWith('youth_perspective_')) };
    }
    if (measure === 'care') return { activityTypes: (await catalogue.listActivityTypes()).map((type) => type.code) };
    return {};
  }

  /** One part's answer of a measure (the lines of that part only). */
  async function build(measure: Measure, groupBy: Grouping | null, part: Part, audience: Audience, fetched: Fetched, ckm: CellKeyMethod) {
    const grouping = groupingOf(measure, groupBy);
    const own = part === 'own' ? audience.institution : null;
    const [sources, columns] = await Promise.all([sourcesOf(grouping), columnsOf(measure)]);
    return layOut(ckm, measure, part, fetched, { groups: listedGroups(grouping, own, sources), ...columns });
  }

  /** One statement per measure (two for care), for the national part and, for an institution, its own. */
  async function fetch(measure: Measure, groupBy: Grouping | null, audience: Audience, withOwn: boolean): Promise<Fetched> {
    const slice = {
      grouping: groupingOf(measure, groupBy),
      population: audience.population,
      ownInstitution: withOwn ? audience.institution!.id : null,
    };
    switch (measure) {
      case 'overview':
        return { overview: await repository.overview(slice) };
      case 'outcomes':
      case 'recognition':
        return { outcomes: await repository.outcomes(slice) };
      case 'perspective':
        return { perspective: await repository.perspective(slice) };
      case 'care': {
        const { lines, doses } = await repository.care(slice);
        return { care: lines, doses };
      }
    }
  }

  async function answers(
    measure: Measure,
    groupBy: Grouping | null,
    audience: Audience,
    withOwn: boolean,
    audit?: { withheld: ReadonlySet<string> },
  ) {
    const effectiveGroupBy = measure === 'recognition' ? null : groupBy;
    const [fetched, state] = await Promise.all([fetch(measure, effectiveGroupBy, audience, withOwn), audit ? [] : releases.state()]);
    // Read after the figures: a release adds the fingerprints of its figures in their transaction
    // and none is ever removed, so a set read later covers whatever release the figures came from.
    const withheld = audit ? audit.withheld : await releases.withheld();
    const method = createCellKeyMethod(settings, withheld);
    // The audit lays answers out exactly as they are published, keeping each count's tally beside it.
    const ckm: CellKeyMethod = audit ? { ...method, published: (tally): AuditedCell => ({ ...method.published(tally), tally }) } : method;
    const frame = {
      measure,
      groupBy: effectiveGroupBy,
      population: populationLabel(audience.population),
      disclosureControl: disclosureControlOf(measure, settings, notes, state),
    };
    const answer = async (part: Part): Promise<StatisticsAnswer> => {
      const layout = await build(measure, effectiveGroupBy, part, audience, fetched, ckm);
      if (!withholds({ measure, ...layout })) return { ...frame, ...layout };
      return { ...frame, disclosureControl: { ...frame.disclosureControl, notes: [...notes, WITHHELD_NOTE] }, ...layout };
    };
    return { national: await answer('national'), own: withOwn ? await answer('own') : null };
  }

  return {
    /** The national figures (for a researcher: over consented trajectories). */
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

    /**
     * The release audit's view (statistics-audit.ts): the national answer and, for an institution,
     * its own, laid out as they are published with `withheld` withheld, each count cell carrying
     * its tally (contributors' keys and true count).
     */
    audited(measure: Measure, groupBy: Grouping | null, audience: Audience, withheld: ReadonlySet<string>) {
      return answers(measure, groupBy, audience, audience.institution !== null, { withheld });
    },
  };
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;
