import { type CellKeyMethod, type CellKeySettings, createCellKeyMethod, type Tally } from '../../lib/statistics/cell-key-method';
import { tableLabel } from '../../lib/statistics/perturbation-table';
import { DOMAINS, END_REASONS, GENDERS, SETTINGS } from '../../lib/vocabulary';
import type { CatalogueRepository } from '../catalogue';
import type { StatisticsReleasesRepository } from './statistics-releases.repository';
import { AGE_GROUPS } from './statistics-population';
import type { Cell, DisclosureControl, Measure, StatisticsAnswer } from './statistics.schemas';
import {
  type CareRow,
  DOMAIN_STATUSES,
  type DoseRow,
  FIDELITY_COLUMNS,
  type Grouping,
  type Line,
  OUTCOME_CLASSES,
  type OutcomeRow,
  type OverviewRow,
  type Part,
  type PerspectiveRow,
  type Population,
  RECOGNITION,
  type StatisticsRepository,
} from './statistics.repository';

// Turns aggregates into answers by the cell-key method: every count is perturbed (the same
// contributors always give the same number), shares are derived from perturbed counts, means and
// medians carry noise of their own and are left out over too few. Answers are computed from the
// released population only, so they change in releases, never by one youth.

export type { Cell, Measure, StatisticsAnswer } from './statistics.schemas';
export { MEASURES } from './statistics.schemas';

/** Who asks: researchers see figures over consented trajectories only; an institution also gets its own. */
export interface Viewer {
  population: Population;
  institution: { id: string; code: string } | null;
}

/** The families of released figures each measure reads. */
const FAMILIES_OF: Record<Measure, string[]> = {
  overview: ['membership', 'course'],
  outcomes: ['membership', 'outcome'],
  recognition: ['membership', 'outcome'],
  perspective: ['membership', 'perspective'],
  care: ['membership', 'care'],
};

const ZERO: Tally = { count: 0, keys: 0 };
const UNBOUNDED: [number, number] = [0, Number.POSITIVE_INFINITY];

export interface StatisticsServiceSettings extends CellKeySettings {
  releaseMinimumYouths: number;
}

export interface StatisticsServiceDependencies {
  repository: StatisticsRepository;
  releases: Pick<StatisticsReleasesRepository, 'state'>;
  catalogue: Pick<CatalogueRepository, 'listActivityTypes' | 'listInstruments' | 'listInstitutions' | 'listProgrammes'>;
}

function notesFor(settings: StatisticsServiceSettings): string[] {
  const { maximumDeviation: d, threshold } = settings.table.parameters;
  return [
    `Counts (of trajectories, or of youths where said) are perturbed by the cell-key method: the true count plus a perturbation of at most ${d} either way, chosen by the key of the cell's contributors, so the same contributors give the same number in every answer, grouping and format.`,
    `A published count is 0 or more than ${threshold}; a 0 may stand for a count of up to ${d}. An empty group is a true 0.`,
    'Every count, totals included, is perturbed as a cell of its own: groups need not add up to the total, nor parts to their whole.',
    'A share is a perturbed count over the sum of the perturbed counts of its kind, so the shares of a domain add up to 1.',
    `Means and medians carry noise of at most ${settings.noiseShare} times their magnifier (the largest answer for a mean; for a median the interquartile range, shrinking as 1/√n beyond ${settings.minimumBase} contributors), and are left out (suppressed) where the published count of their contributors is below ${settings.minimumBase}.`,
    `Figures follow new data in releases: a family of figures is refreshed only when at least ${settings.releaseMinimumYouths} youths changed in it.`,
  ];
}

export function createStatisticsService(dependencies: StatisticsServiceDependencies, settings: StatisticsServiceSettings) {
  const { repository, releases, catalogue } = dependencies;
  const ckm: CellKeyMethod = createCellKeyMethod(settings);
  const notes = notesFor(settings);

  /** The groups an answer lists, every one of its kind, in a fixed order. */
  async function groupsOf(grouping: Grouping | 'recognition' | null, part: Part, viewer: Viewer): Promise<string[]> {
    const own = part === 'own' ? viewer.institution : null;
    switch (grouping) {
      case null:
        return [];
      case 'recognition':
        return [...RECOGNITION];
      case 'programme':
        return (await catalogue.listProgrammes())
          .filter((programme) => !own || programme.institutionCode === own.code)
          .map((programme) => programme.code);
      case 'institution':
        return (await catalogue.listInstitutions())
          .filter((institution) => !own || institution.code === own.code)
          .map((institution) => institution.code);
      case 'setting':
        return [...SETTINGS];
      case 'gender':
        return [...GENDERS];
      case 'age_group':
        return [...AGE_GROUPS];
      case 'start_year':
        return repository.startYears();
    }
  }

  /** One line per listed group (an empty group gets true zeros), then the total. */
  function arrange<Row>(lines: Array<Line<Row>>, groups: string[], values: (line: Line<Row> | undefined) => Record<string, Cell>) {
    const byGroup = new Map(lines.filter((line) => !line.isTotal).map((line) => [line.group ?? 'unknown', line]));
    const listed = [...groups, ...[...byGroup.keys()].filter((group) => !groups.includes(group))];
    return {
      groups: listed.map((group) => ({ group, values: values(byGroup.get(group)) })),
      total: values(lines.find((line) => line.isTotal)),
    };
  }

  const count = (tally: Tally | undefined): Cell => ckm.published(tally ?? ZERO);

  const builders = {
    overview: (line: Line<OverviewRow> | undefined): Record<string, Cell> => ({
      started: count(line?.started),
      ended: count(line?.ended),
      active: count(line?.active),
      youths: count(line?.youths),
      medianDaysInCare: ckm.median('medianDaysInCare', line?.ended ?? ZERO, line?.daysInCare ?? null, UNBOUNDED),
      ...Object.fromEntries(END_REASONS.map((reason) => [`endReason.${reason}`, count(line?.endReasons[reason])])),
    }),

    outcomes: (line: Line<OutcomeRow> | undefined, withDomains: boolean): Record<string, Cell> => {
      const entries: Record<string, Cell> = {
        trajectories: count(line?.trajectories),
        ...Object.fromEntries(OUTCOME_CLASSES.map((name) => [`outcome.${name}`, count(line?.classes[name])])),
      };
      if (!withDomains) return entries;
      for (const domain of DOMAINS) {
        const counts = line?.domains[domain];
        entries[`${domain}.known`] = count(counts?.known);
        const published = DOMAIN_STATUSES.map((status) => ckm.count(counts?.statuses[status] ?? ZERO));
        DOMAIN_STATUSES.forEach((status, index) => {
          entries[`${domain}.share_${status}`] = ckm.share(published[index]!, published);
        });
      }
      return entries;
    },
  };

  /** One part's answer of a measure (the lines of that part only). */
  async function build(
    measure: Measure,
    groupBy: Grouping | null,
    part: Part,
    viewer: Viewer,
    fetched: Fetched,
  ): Promise<Omit<StatisticsAnswer, 'disclosureControl' | 'measure' | 'groupBy' | 'population'>> {
    const grouping = measure === 'recognition' ? 'recognition' : groupBy;
    const groups = await groupsOf(grouping, part, viewer);
    const mine = <Row>(lines: Array<Line<Row>>) => lines.filter((line) => line.part === part);
    switch (measure) {
      case 'overview':
        return arrange(mine(fetched.overview!), groups, builders.overview);
      case 'outcomes':
      case 'recognition':
        return arrange(mine(fetched.outcomes!), groups, (line) => builders.outcomes(line, measure === 'outcomes'));
      case 'perspective': {
        const items = (await catalogue.listInstruments()).filter((instrument) => instrument.code.startsWith('youth_perspective_'));
        const values = (rows: Array<Line<PerspectiveRow>>): Record<string, Cell> =>
          Object.fromEntries(
            items.flatMap((instrument) => {
              const row = rows.find((entry) => entry.item === instrument.code);
              const respondents = row?.respondents ?? ZERO;
              return [
                [`${instrument.code}.respondents`, count(respondents)],
                [
                  `${instrument.code}.mean`,
                  ckm.mean(`${instrument.code}.mean`, respondents, row?.sum ?? 0, row?.largest ?? 0, [
                    instrument.minValue,
                    instrument.maxValue,
                  ]),
                ],
              ];
            }),
          );
        // The repository gives one line per group and item: a line here is a group's items together.
        const lines = mine(fetched.perspective!);
        const itemsOf = (line: { group: string | null; isTotal: boolean } | undefined) =>
          line ? lines.filter((entry) => entry.isTotal === line.isTotal && entry.group === line.group) : [];
        const perGroup = [...new Map(lines.map((line) => [`${line.isTotal}/${line.group}`, { ...line }])).values()];
        return arrange(perGroup, groups, (line) => values(itemsOf(line)));
      }
      case 'care': {
        const types = (await catalogue.listActivityTypes()).map((type) => type.code);
        const doses = mine(fetched.doses!);
        return arrange(mine(fetched.care!), groups, (line) => {
          const entries: Record<string, Cell> = { trajectories: count(line?.trajectories) };
          for (const name of Object.keys(FIDELITY_COLUMNS)) {
            const fidelity = line?.fidelity[name];
            entries[`fidelity.${name}.scored`] = count(fidelity?.scored);
            entries[`fidelity.${name}.median`] = ckm.median(
              `fidelity.${name}.median`,
              fidelity?.scored ?? ZERO,
              fidelity?.quartiles ?? null,
              [0, 1],
            );
          }
          for (const type of types) {
            const dose = line
              ? doses.find((entry) => entry.activityTypeCode === type && entry.isTotal === line.isTotal && entry.group === line.group)
              : undefined;
            entries[`dose.${type}.received`] = count(dose?.received);
            entries[`dose.${type}.medianPerMonth`] = ckm.median(
              `dose.${type}.medianPerMonth`,
              dose?.received ?? ZERO,
              dose?.quartiles ?? null,
              UNBOUNDED,
            );
          }
          return entries;
        });
      }
    }
  }

  interface Fetched {
    overview?: Array<Line<OverviewRow>>;
    outcomes?: Array<Line<OutcomeRow>>;
    perspective?: Array<Line<PerspectiveRow>>;
    care?: Array<Line<CareRow>>;
    doses?: Array<Line<DoseRow>>;
  }

  /** One statement per measure (two for care), for the national part and, for an institution, its own. */
  async function fetch(measure: Measure, groupBy: Grouping | null, viewer: Viewer, withOwn: boolean): Promise<Fetched> {
    const slice = {
      grouping: measure === 'recognition' ? ('recognition' as const) : groupBy,
      population: viewer.population,
      ownInstitution: withOwn ? viewer.institution!.id : null,
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

  async function disclosureControl(measure: Measure): Promise<DisclosureControl> {
    const state = (await releases.state()).filter((entry) => FAMILIES_OF[measure].includes(entry.family));
    const { parameters } = settings.table;
    return {
      method: 'cell-key',
      perturbationTable: tableLabel(parameters),
      maximumDeviation: parameters.maximumDeviation,
      variance: parameters.variance,
      threshold: parameters.threshold,
      magnitudeNoise: settings.noiseShare,
      minimumBase: settings.minimumBase,
      releaseMinimumYouths: settings.releaseMinimumYouths,
      releasedAt: state.length
        ? state
            .map((entry) => entry.releasedAt)
            .sort()
            .at(-1)!
        : null,
      notes,
    };
  }

  async function answers(measure: Measure, groupBy: Grouping | null, viewer: Viewer, withOwn: boolean) {
    const effectiveGroupBy = measure === 'recognition' ? null : groupBy;
    const [fetched, control] = await Promise.all([fetch(measure, effectiveGroupBy, viewer, withOwn), disclosureControl(measure)]);
    const frame = {
      measure,
      groupBy: effectiveGroupBy,
      population: viewer.population === 'consented' ? ('consent_granted' as const) : ('consent_granted_or_unknown' as const),
      disclosureControl: control,
    };
    const national: StatisticsAnswer = { ...frame, ...(await build(measure, effectiveGroupBy, 'national', viewer, fetched)) };
    const own: StatisticsAnswer | null = withOwn ? { ...frame, ...(await build(measure, effectiveGroupBy, 'own', viewer, fetched)) } : null;
    return { national, own };
  }

  return {
    /** The national figures (for a researcher: over consented trajectories). */
    async answer(measure: Measure, groupBy: Grouping | null, viewer: Viewer): Promise<StatisticsAnswer> {
      return (await answers(measure, groupBy, viewer, false)).national;
    },

    /** The national figures and, for an institution, the same over its own trajectories. */
    async comparison(
      measure: Measure,
      groupBy: Grouping | null,
      viewer: Viewer,
    ): Promise<{ national: StatisticsAnswer; own: StatisticsAnswer | null }> {
      return answers(measure, groupBy, viewer, viewer.institution !== null);
    },
  };
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;

/** The answer as CSV: one line per group, then the total; a left-out value reads "suppressed". */
export function toCsv(answer: StatisticsAnswer): string {
  const columns = Object.keys(answer.total);
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const line = (group: string, values: Record<string, Cell>) =>
    [group, ...columns.map((column) => (values[column]?.suppressed ? 'suppressed' : String(values[column]?.value ?? '')))]
      .map(quote)
      .join(',');
  return `${[['group', ...columns].map(quote).join(','), ...answer.groups.map((group) => line(group.group, group.values)), line('total', answer.total)].join('\n')}\n`;
}
