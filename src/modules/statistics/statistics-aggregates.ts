import type { Tally } from '../../lib/statistics/cell-key-method';
import { END_REASONS } from '../../lib/vocabulary';
import type { ReleasedRow } from './statistics-releases.repository';

// The aggregates a release publishes, computed from the released rows in memory: one pass over
// a population per answer, nothing but one line per group kept. The release reads its population
// once (a consistent snapshot), so every answer of a release counts the same youths, and the
// computation runs off the main thread (statistics-release.worker.ts). Every count comes with the
// sum of its contributors' record keys, from which the cell-key method perturbs it.

export const GROUPINGS = ['programme', 'institution', 'setting', 'start_year', 'gender', 'age_group'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export type { ReleasedRow } from './statistics-releases.repository';

/** Whose trajectories an answer counts: consent granted or unknown, or what researchers see at record level. */
export type Population = 'all' | 'research';

/** Whose trajectories a line counts: everyone's, or (for an institution) its own. */
export type Part = 'national' | 'own';

/** One output line: its part, its group (null on the total line), and the aggregates. */
export type Line<Row> = Row & { part: Part; group: string | null; isTotal: boolean };

export interface OverviewRow {
  started: Tally;
  ended: Tally;
  active: Tally;
  youths: Tally;
  endReasons: Record<string, Tally>;
  /** Days in care of the ended trajectories: quartiles. */
  daysInCare: number[] | null;
}

export interface OutcomeRow {
  trajectories: Tally;
  classes: Record<string, Tally>;
  /** Per domain: trajectories with a known status, and per status. */
  domains: Record<string, { known: Tally; statuses: Record<string, Tally> }>;
}

export interface PerspectiveRow {
  item: string;
  /** Trajectories with an answer to the item (their latest answer counts). */
  respondents: Tally;
  sum: number;
  largest: number;
}

export interface CareRow {
  trajectories: Tally;
  /** Per fidelity column: trajectories with a score, and the quartiles of their scores. */
  fidelity: Record<string, { scored: Tally; quartiles: number[] | null }>;
}

export interface DoseRow {
  activityTypeCode: string;
  /** Trajectories that received the activity type at least once. */
  received: Tally;
  /** Quartiles of their occurrences per month in care. */
  quartiles: number[] | null;
}

export const OUTCOME_CLASSES = ['improved', 'mixed', 'not_improved', 'insufficient_data'] as const;
export const DOMAIN_STATUSES = ['improved', 'unchanged', 'deteriorated', 'mixed'] as const;
export const RECOGNITION = ['low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown'] as const;

export const FIDELITY_COLUMNS = {
  summary: 'fidelitySummary',
  diagnostics_safety: 'fidelityDiagnosticsSafety',
  living_climate: 'fidelityLivingClimate',
  mentor_conversations: 'fidelityMentorConversations',
} as const satisfies Record<string, keyof ReleasedRow>;

const DOMAIN_COLUMNS = {
  exploitation_resilience: 'statusExploitationResilience',
  social_emotional: 'statusSocialEmotional',
  family_network: 'statusFamilyNetwork',
  participation: 'statusParticipation',
} as const satisfies Record<string, keyof ReleasedRow>;

/** The codes the groups are named by. */
export interface Names {
  programmes: ReadonlyMap<string, string>;
  institutions: ReadonlyMap<string, string>;
}

/** The lines of each measure, as the layout reads them. */
export interface Fetched {
  overview?: Array<Line<OverviewRow>>;
  outcomes?: Array<Line<OutcomeRow>>;
  perspective?: Array<Line<PerspectiveRow>>;
  care?: Array<Line<CareRow>>;
  doses?: Array<Line<DoseRow>>;
}

function groupOf(row: ReleasedRow, grouping: Grouping | 'recognition', names: Names): string {
  switch (grouping) {
    case 'programme':
      return names.programmes.get(row.programmeId) ?? 'unknown';
    case 'institution':
      return names.institutions.get(row.institutionId) ?? 'unknown';
    case 'setting':
      return row.setting;
    case 'start_year':
      return String(Number(row.startDate.slice(0, 4)));
    case 'gender':
      return row.gender;
    case 'age_group':
      return row.ageGroup;
    case 'recognition':
      return row.problemRecognition;
  }
}

/** A count and the sum of its contributors' record keys, as it is being added up. */
class Counter {
  count = 0;
  keys = 0;
  add(key: number) {
    this.count += 1;
    this.keys += key;
  }
  tally(): Tally {
    return { count: this.count, keys: this.keys };
  }
}

/** PostgreSQL's percentile_cont at 0.25, 0.5 and 0.75 (linear between the two nearest values); null over nothing. */
export function quartilesOf(values: number[]): number[] | null {
  if (values.length === 0) return null;
  // A typed array sorts numbers in order without a comparator call per comparison: the same order,
  // several times faster (a release sorts every dose type's values per line: most of its time).
  const sorted = Float64Array.from(values).sort();
  return [0.25, 0.5, 0.75].map((fraction) => {
    const position = fraction * (sorted.length - 1);
    const below = Math.floor(position);
    const above = Math.ceil(position);
    return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
  });
}

const DAY = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY);

/**
 * Adds rows up per group and in total, as `make` builds an accumulator, `add` adds a row and
 * `finish` turns it into a line. `keyed`: lines per group and key (an item, an activity type),
 * only where a row has the key; otherwise every answer has a total line, even over nothing.
 */
function linesOf<Acc, Row>(
  rows: readonly ReleasedRow[],
  grouping: Grouping | 'recognition' | null,
  part: Part,
  names: Names,
  accumulate: { make: () => Acc; add: (acc: Acc, row: ReleasedRow) => void; finish: (acc: Acc) => Row },
): Array<Line<Row>> {
  const total = accumulate.make();
  const groups = new Map<string, Acc>();
  for (const row of rows) {
    accumulate.add(total, row);
    if (grouping === null) continue;
    const group = groupOf(row, grouping, names);
    let acc = groups.get(group);
    if (!acc) {
      acc = accumulate.make();
      groups.set(group, acc);
    }
    accumulate.add(acc, row);
  }
  return [
    ...[...groups].map(([group, acc]) => ({ ...accumulate.finish(acc), part, group, isTotal: false })),
    { ...accumulate.finish(total), part, group: null, isTotal: true },
  ];
}

function overviewLines(rows: readonly ReleasedRow[], grouping: Grouping | null, part: Part, names: Names): Array<Line<OverviewRow>> {
  return linesOf(rows, grouping, part, names, {
    make: () => ({
      started: new Counter(),
      ended: new Counter(),
      active: new Counter(),
      reasons: new Map(END_REASONS.map((reason) => [reason as string, new Counter()])),
      // Distinct youths; the key is the sum over the distinct youth keys (a rare shared key counts
      // once: still a function of the set of youths, so still consistent).
      youths: new Set<string>(),
      youthKeys: new Set<number>(),
      days: [] as number[],
    }),
    add: (acc, row) => {
      acc.started.add(row.recordKey);
      if (row.endDate === null) acc.active.add(row.recordKey);
      else {
        acc.ended.add(row.recordKey);
        acc.days.push(daysBetween(row.startDate, row.endDate));
      }
      if (row.endReason !== null) acc.reasons.get(row.endReason)?.add(row.recordKey);
      acc.youths.add(row.youth);
      acc.youthKeys.add(row.youthKey);
    },
    finish: (acc) => ({
      started: acc.started.tally(),
      ended: acc.ended.tally(),
      active: acc.active.tally(),
      youths: { count: acc.youths.size, keys: [...acc.youthKeys].reduce((sum, key) => sum + key, 0), of: 'youths' as const },
      endReasons: Object.fromEntries([...acc.reasons].map(([reason, counter]) => [reason, counter.tally()])),
      daysInCare: quartilesOf(acc.days),
    }),
  });
}

function outcomeLines(
  rows: readonly ReleasedRow[],
  grouping: Grouping | 'recognition' | null,
  part: Part,
  names: Names,
): Array<Line<OutcomeRow>> {
  const withDomains = grouping !== 'recognition';
  const domains = withDomains
    ? (Object.entries(DOMAIN_COLUMNS) as Array<[string, (typeof DOMAIN_COLUMNS)[keyof typeof DOMAIN_COLUMNS]]>)
    : [];
  return linesOf(rows, grouping, part, names, {
    make: () => ({
      trajectories: new Counter(),
      classes: new Map(OUTCOME_CLASSES.map((name) => [name as string, new Counter()])),
      domains: domains.map(([domain, column]) => ({
        domain,
        column,
        known: new Counter(),
        statuses: new Map(DOMAIN_STATUSES.map((status) => [status as string, new Counter()])),
      })),
    }),
    add: (acc, row) => {
      acc.trajectories.add(row.recordKey);
      acc.classes.get(row.outcomeClass)?.add(row.recordKey);
      for (const domain of acc.domains) {
        const status = row[domain.column];
        if (status !== 'unknown') domain.known.add(row.recordKey);
        domain.statuses.get(status)?.add(row.recordKey);
      }
    },
    finish: (acc) => ({
      trajectories: acc.trajectories.tally(),
      classes: Object.fromEntries([...acc.classes].map(([name, counter]) => [name, counter.tally()])),
      domains: Object.fromEntries(
        acc.domains.map((domain) => [
          domain.domain,
          {
            known: domain.known.tally(),
            statuses: Object.fromEntries([...domain.statuses].map(([status, counter]) => [status, counter.tally()])),
          },
        ]),
      ),
    }),
  });
}

/** Lines per group and key (an item, an activity type): only keys some row has. */
function keyedLines<Row>(
  rows: readonly ReleasedRow[],
  grouping: Grouping | null,
  part: Part,
  names: Names,
  entries: (row: ReleasedRow) => Record<string, number>,
  finish: (key: string, counter: Counter, values: number[]) => Row,
): Array<Line<Row>> {
  type Acc = Map<string, { counter: Counter; values: number[] }>;
  const lines = linesOf<Acc, { keyed: Acc }>(rows, grouping, part, names, {
    make: () => new Map(),
    add: (acc, row) => {
      for (const [key, value] of Object.entries(entries(row))) {
        let entry = acc.get(key);
        if (!entry) {
          entry = { counter: new Counter(), values: [] };
          acc.set(key, entry);
        }
        entry.counter.add(row.recordKey);
        entry.values.push(Number(value));
      }
    },
    finish: (acc) => ({ keyed: acc }),
  });
  return lines.flatMap(({ part: linePart, group, isTotal, keyed }) =>
    [...keyed].map(([key, { counter, values }]) => ({ ...finish(key, counter, values), part: linePart, group, isTotal })),
  );
}

function perspectiveLines(rows: readonly ReleasedRow[], grouping: Grouping | null, part: Part, names: Names) {
  return keyedLines(
    rows,
    grouping,
    part,
    names,
    (row) => row.answers,
    (item, counter, values): PerspectiveRow => ({
      item,
      respondents: counter.tally(),
      sum: values.reduce((sum, value) => sum + value, 0),
      // A loop: spreading a large population's values as arguments overflows the stack.
      largest: values.reduce((largest, value) => Math.max(largest, value), Number.NEGATIVE_INFINITY),
    }),
  );
}

function careLines(rows: readonly ReleasedRow[], grouping: Grouping | null, part: Part, names: Names): Array<Line<CareRow>> {
  const columns = Object.entries(FIDELITY_COLUMNS) as Array<[string, (typeof FIDELITY_COLUMNS)[keyof typeof FIDELITY_COLUMNS]]>;
  return linesOf(rows, grouping, part, names, {
    make: () => ({
      trajectories: new Counter(),
      fidelity: columns.map(([name, column]) => ({ name, column, scored: new Counter(), values: [] as number[] })),
    }),
    add: (acc, row) => {
      acc.trajectories.add(row.recordKey);
      for (const fidelity of acc.fidelity) {
        const value = row[fidelity.column];
        if (value === null) continue;
        fidelity.scored.add(row.recordKey);
        fidelity.values.push(value);
      }
    },
    finish: (acc) => ({
      trajectories: acc.trajectories.tally(),
      fidelity: Object.fromEntries(
        acc.fidelity.map((entry) => [entry.name, { scored: entry.scored.tally(), quartiles: quartilesOf(entry.values) }]),
      ),
    }),
  });
}

function doseLines(rows: readonly ReleasedRow[], grouping: Grouping | null, part: Part, names: Names) {
  return keyedLines(
    rows,
    grouping,
    part,
    names,
    (row) => row.doses,
    (activityTypeCode, counter, values): DoseRow => ({ activityTypeCode, received: counter.tally(), quartiles: quartilesOf(values) }),
  );
}

/** The lines one measure's answer is laid out from, for one part of a population. */
export function aggregate(
  measure: 'overview' | 'outcomes' | 'recognition' | 'perspective' | 'care',
  rows: readonly ReleasedRow[],
  grouping: Grouping | null,
  part: Part,
  names: Names,
): Fetched {
  switch (measure) {
    case 'overview':
      return { overview: overviewLines(rows, grouping, part, names) };
    case 'outcomes':
      return { outcomes: outcomeLines(rows, grouping, part, names) };
    case 'recognition':
      return { outcomes: outcomeLines(rows, 'recognition', part, names) };
    case 'perspective':
      return { perspective: perspectiveLines(rows, grouping, part, names) };
    case 'care':
      return { care: careLines(rows, grouping, part, names), doses: doseLines(rows, grouping, part, names) };
  }
}

/** The start years an answer lists: those of the released population, first to last (the same list for every asker). */
export function startYearsOf(rows: readonly ReleasedRow[]): string[] {
  if (rows.length === 0) return [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    const year = Number(row.startDate.slice(0, 4));
    if (year < first) first = year;
    if (year > last) last = year;
  }
  return Array.from({ length: last - first + 1 }, (_, index) => String(first + index));
}
