import type { CellKeyMethod, CellKeySettings, Tally } from '../../lib/statistics/cell-key-method';
import { tableLabel } from '../../lib/statistics/perturbation-table';
import { DOMAINS, END_REASONS, GENDERS, SETTINGS } from '../../lib/vocabulary';
import type { RequestScope } from '../../plugins/request-scope';
import { AGE_GROUPS } from './statistics-population';
import {
  DOMAIN_STATUSES,
  type Fetched,
  FIDELITY_COLUMNS,
  type Grouping,
  type Line,
  OUTCOME_CLASSES,
  type Part,
  type PerspectiveRow,
  RECOGNITION,
} from './statistics-aggregates';
import type { Cell, DisclosureControl, Measure, StatisticsAnswer } from './statistics.schemas';

// How an answer is laid out, per measure and grouping, from the lines a release aggregated:
// which groups it lists, the cells of each line (every count published by the cell-key method,
// shares of published counts, means and medians with noise and left out over too few), the
// disclosure-control block, and the CSV. Pure: the service fetches, this arranges.

/** Which stored answers an asker reads: the national lines of their population, and an institution's own. */
export interface Audience {
  /** 'all' (consent granted or unknown) or 'research' (what researchers see at record level). */
  national: 'all' | 'research';
  /** An institution asking: its id (its own answers are stored under it) and code. */
  institution: { id: string; code: string } | null;
}

/** Researchers' figures count exactly what they see at record level; institutions also get their own. */
export function audienceOf(scope: RequestScope): Audience {
  return {
    national: scope.role === 'researcher' ? 'research' : 'all',
    institution: scope.role === 'institution' ? scope.institution : null,
  };
}

/** The population as an answer names it. */
export const populationLabel = (national: Audience['national']) =>
  national === 'research' ? ('research_release' as const) : ('consent_granted_or_unknown' as const);

/** Recognition is grouped by problem recognition at intake, and by nothing else. */
export const groupingOf = (measure: Measure, groupBy: Grouping | null): Grouping | 'recognition' | null =>
  measure === 'recognition' ? 'recognition' : groupBy;

/** What the listed groups are drawn from, each fetched only for the grouping that needs it. */
export interface GroupSources {
  programmes?: Array<{ code: string; institutionCode: string }>;
  institutions?: Array<{ code: string }>;
  startYears?: string[];
}

/** The groups an answer lists, every one of its kind, in a fixed order; an institution's own part lists its own alone. */
export function listedGroups(grouping: Grouping | 'recognition' | null, own: { code: string } | null, sources: GroupSources): string[] {
  switch (grouping) {
    case null:
      return [];
    case 'recognition':
      return [...RECOGNITION];
    case 'programme':
      return (sources.programmes ?? [])
        .filter((programme) => !own || programme.institutionCode === own.code)
        .map((programme) => programme.code);
    case 'institution':
      return (sources.institutions ?? [])
        .filter((institution) => !own || institution.code === own.code)
        .map((institution) => institution.code);
    case 'setting':
      return [...SETTINGS];
    case 'gender':
      return [...GENDERS];
    case 'age_group':
      return [...AGE_GROUPS];
    case 'start_year':
      return sources.startYears ?? [];
  }
}

/** One line per listed group (an empty group gets true zeros, an unlisted one with data comes after), then the total. */
export function arrange<Row>(lines: Array<Line<Row>>, groups: string[], values: (line: Line<Row> | undefined) => Record<string, Cell>) {
  const byGroup = new Map(lines.filter((line) => !line.isTotal).map((line) => [line.group ?? 'unknown', line]));
  const listed = [...groups, ...[...byGroup.keys()].filter((group) => !groups.includes(group))];
  return {
    groups: listed.map((group) => ({ group, values: values(byGroup.get(group)) })),
    total: values(lines.find((line) => line.isTotal)),
  };
}

const ZERO: Tally = { count: 0, keys: 0 };
const LEFT_OUT: Cell = { value: null, suppressed: true };
const UNBOUNDED: [number, number] = [0, Number.POSITIVE_INFINITY];

/** What a layout needs besides the lines: the listed groups, and the catalogue entries that make columns. */
export interface LayoutInputs {
  groups: string[];
  /** Perspective: the youth-perspective items, with their answer range (the bounds of the noise). */
  perspectiveItems?: Array<{ code: string; minValue: number; maxValue: number }>;
  /** Care: the activity types, one dose column pair each. */
  activityTypes?: string[];
}

type Layout = Pick<StatisticsAnswer, 'groups' | 'total'>;

/** The cells of one part's answer of a measure (the lines of that part only). */
export function layOut(ckm: CellKeyMethod, measure: Measure, part: Part, fetched: Fetched, inputs: LayoutInputs): Layout {
  const count = (tally: Tally | undefined): Cell => ckm.published(tally ?? ZERO);
  const mine = <Row>(lines: Array<Line<Row>> | undefined) => (lines ?? []).filter((line) => line.part === part);
  switch (measure) {
    case 'overview':
      return arrange(mine(fetched.overview), inputs.groups, (line) => ({
        started: count(line?.started),
        ended: count(line?.ended),
        active: count(line?.active),
        youths: count(line?.youths),
        medianDaysInCare: ckm.median('medianDaysInCare', line?.ended ?? ZERO, line?.daysInCare ?? null, UNBOUNDED),
        ...Object.fromEntries(END_REASONS.map((reason) => [`endReason.${reason}`, count(line?.endReasons[reason])])),
      }));
    case 'outcomes':
    case 'recognition':
      return arrange(mine(fetched.outcomes), inputs.groups, (line) => {
        const entries: Record<string, Cell> = {
          trajectories: count(line?.trajectories),
          ...Object.fromEntries(OUTCOME_CLASSES.map((name) => [`outcome.${name}`, count(line?.classes[name])])),
        };
        // Recognition is the outcome classes alone, by problem recognition at intake.
        if (measure === 'recognition') return entries;
        for (const domain of DOMAINS) {
          const counts = line?.domains[domain];
          entries[`${domain}.known`] = count(counts?.known);
          const statuses = DOMAIN_STATUSES.map((status) => counts?.statuses[status] ?? ZERO);
          // A domain's shares go with any of its counts the release audit withheld: a share times
          // the published whole would give it back. The audit takes the shares as the perturbed
          // status counts they reveal, so what it withholds elsewhere in the line leaves them be.
          const withheld = [counts?.known ?? ZERO, ...statuses].some((tally) => ckm.isWithheld(tally));
          DOMAIN_STATUSES.forEach((status, index) => {
            // Left out over what the method gives, so the audit's method still sees the count in it.
            const share = ckm.share(statuses[index]!, statuses);
            entries[`${domain}.share_${status}`] = withheld ? { ...share, ...LEFT_OUT } : share;
          });
        }
        return entries;
      });
    case 'perspective': {
      const items = inputs.perspectiveItems ?? [];
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
      const lines = mine(fetched.perspective);
      const itemsOf = (line: { group: string | null; isTotal: boolean } | undefined) =>
        line ? lines.filter((entry) => entry.isTotal === line.isTotal && entry.group === line.group) : [];
      const perGroup = [...new Map(lines.map((line) => [`${line.isTotal}/${line.group}`, { ...line }])).values()];
      return arrange(perGroup, inputs.groups, (line) => values(itemsOf(line)));
    }
    case 'care': {
      const doses = mine(fetched.doses);
      return arrange(mine(fetched.care), inputs.groups, (line) => {
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
        for (const type of inputs.activityTypes ?? []) {
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

export interface LayoutSettings {
  table: CellKeySettings['table'];
  noiseShare: number;
  minimumBase: number;
  releaseMinimumYouths: number;
  releaseMinimumOthers: number;
  releaseCalendar: string;
}

/** What every answer says about its protection, in words. */
export function notesFor(settings: LayoutSettings): string[] {
  const { maximumDeviation: d, threshold } = settings.table.parameters;
  return [
    `Counts (of trajectories, or of youths where said) are perturbed by the cell-key method: the true count plus a perturbation of at most ${d} either way, chosen by the key of the cell's contributors, so the same contributors give the same number in every answer, grouping and format.`,
    `A published count is 0 or more than ${threshold}; a 0 may stand for a count of up to ${d}. An empty group is a true 0.`,
    'Every count, totals included, is perturbed as a cell of its own: groups need not add up to the total, nor parts to their whole.',
    'A share is a perturbed count over the sum of the perturbed counts of its kind, so the shares of a domain add up to 1.',
    `Means and medians carry noise of at most ${settings.noiseShare} times their magnifier (the largest answer for a mean; for a median the interquartile range, shrinking as 1/√n beyond ${settings.minimumBase} contributors), and are left out (suppressed) where the published count of their contributors is below ${settings.minimumBase}.`,
    `Figures are released on a calendar (${settings.releaseCalendar}) and read from the release until the next: a family of figures is refreshed only when at least ${settings.releaseMinimumYouths} youths changed in it and, for every institution, none or at least ${settings.releaseMinimumOthers} that are not its own. An erasure removes a youth's records at once; these anonymous figures lose her at the next release.`,
  ];
}

/** The release an answer is read from, as the answer names it. */
export interface ReleaseRef {
  id: number;
  publishedAt: string;
  period: string;
  researchCutoff: string | null;
}

/** The method and its parameters, and the release the answer is read from (null before the first). */
export function disclosureControlOf(settings: LayoutSettings, notes: string[], release: ReleaseRef | null): DisclosureControl {
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
    releaseMinimumOthers: settings.releaseMinimumOthers,
    releaseCalendar: settings.releaseCalendar,
    releasedAt: release?.publishedAt ?? null,
    release,
    notes,
  };
}

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
