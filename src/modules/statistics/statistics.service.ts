import { type Equation, protectCounts, suppressTable } from '../../lib/statistics/disclosure-control';
import { DOMAINS, END_REASONS } from '../../lib/vocabulary';
import {
  type CareRow,
  type DoseRow,
  FIDELITY_COLUMNS,
  type Grouping,
  type Line,
  type OutcomeRow,
  type OverviewRow,
  type Part,
  type PerspectiveRow,
  type RecognitionRow,
  type StatisticsRepository,
} from './statistics.repository';

// Turns aggregates into answers that cannot point at one youth: every count below the minimum
// cell size is suppressed (null, flagged — never a fake zero), enough further counts are
// suppressed that none can be worked out from the rest of the same answer, and shares and
// medians are given only over at least the minimum number of trajectories.

export interface Cell {
  value: number | null;
  suppressed: boolean;
}

export interface GroupAnswer {
  group: string;
  values: Record<string, Cell>;
}

export interface StatisticsAnswer {
  measure: string;
  groupBy: Grouping | null;
  minimumCellSize: number;
  groups: GroupAnswer[];
  total: Record<string, Cell>;
}

const cell = (value: number | null, suppressed: boolean): Cell => ({ value: suppressed ? null : value, suppressed });
/** A share or median: only over at least the minimum number of trajectories, and a published base. */
const over = (value: number | null, base: number, baseSuppressed: boolean, minimum: number): Cell =>
  base >= minimum && !baseSuppressed && value !== null ? { value: Math.round(value * 1000) / 1000, suppressed: false } : { value: null, suppressed: true };

const OUTCOME_CLASSES = ['improved', 'mixed', 'not_improved', 'insufficient_data'] as const;
const DOMAIN_STATUSES = ['improved', 'unchanged', 'deteriorated', 'mixed'] as const;
const RECOGNITION = ['low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown'] as const;

export const MEASURES = ['overview', 'outcomes', 'recognition', 'perspective', 'care'] as const;
export type Measure = (typeof MEASURES)[number];

/** Who asks: an institution knows its own trajectories, so what the national figures reveal to it differs. */
export type Viewer = { kind: 'national' } | { kind: 'institution'; institutionId: string };

/**
 * Protects counts laid out as lines of equal width, the last line the total of the others
 * (when there are other lines). Columns from 1 on may be parts of column 0 (`partsOfFirst`):
 * then what is left of column 0 (trajectories without a score, say) is an unpublished count
 * that must not come out small either. Returns, per line and column, whether it is suppressed.
 */
function protectColumns(lines: number[][], minimum: number, options: { partsOfFirst?: boolean } = {}): boolean[][] {
  const width = lines[0]?.length ?? 0;
  const totalLine = lines.length - 1;
  const at = (line: number, column: number) => line * width + column;
  const values = lines.flat();
  const equations: Equation[] =
    lines.length > 1
      ? Array.from({ length: width }, (_, column) => ({ anchor: at(totalLine, column), members: lines.slice(0, -1).map((_, line) => at(line, column)) }))
      : [];
  const hidden: number[] = [];
  if (options.partsOfFirst) {
    lines.forEach((line, index) => {
      for (let column = 1; column < width; column += 1) {
        hidden.push(values.length);
        values.push(line[0]! - line[column]!);
        equations.push({ anchor: at(index, 0), members: [at(index, column), values.length - 1] });
      }
    });
  }
  const suppressed = protectCounts(values, equations, minimum, (index) => index < lines.length * width && Math.floor(index / width) === totalLine, [], hidden);
  return lines.map((_, line) => suppressed.slice(line * width, (line + 1) * width));
}

/**
 * One domain's status table: per line (groups, then the total) the four status counts, the
 * trajectories with a known status (their sum), and the line's trajectories as the outcome table
 * published them. What is left (trajectories without a known status) is never published and must
 * not follow, small, from what is. Trajectories are fixed here (the outcome table decided them):
 * published ones enter as known constants, suppressed ones as unknowns.
 */
function protectDomainTable(
  lines: Array<{ statuses: number[]; known: number; trajectories: number; trajectoriesPublished: boolean }>,
  minimum: number,
): { statusSuppressed: boolean[][]; knownSuppressed: boolean[] } {
  const values: number[] = [];
  const totals = new Set<number>();
  const hidden: number[] = [];
  const add = (value: number, options: { total?: boolean; hidden?: boolean } = {}) => {
    if (options.total) totals.add(values.length);
    if (options.hidden) hidden.push(values.length);
    return values.push(value) - 1;
  };
  const totalLine = lines.length - 1;
  const layout = lines.map((line, index) => {
    const isTotal = index === totalLine && lines.length > 1;
    const statuses = line.statuses.map((value) => add(value, { total: isTotal }));
    const known = add(line.known, { total: true });
    // A published count of trajectories is a constant here: value 0 keeps it from being chosen as a complement.
    const trajectories = line.trajectoriesPublished ? add(0) : add(line.trajectories, { hidden: true });
    const rest = add(line.trajectories - line.known, { hidden: true });
    return { statuses, known, trajectories, rest };
  });
  const equations: Equation[] = layout.flatMap((line) => [
    { anchor: line.known, members: line.statuses },
    { anchor: line.trajectories, members: [line.known, line.rest] },
  ]);
  if (lines.length > 1) {
    const groups = layout.slice(0, -1);
    const total = layout[totalLine]!;
    total.statuses.forEach((anchor, position) => equations.push({ anchor, members: groups.map((line) => line.statuses[position]!) }));
    equations.push({ anchor: total.known, members: groups.map((line) => line.known) });
  }
  const suppressed = protectCounts(values, equations, minimum, (index) => totals.has(index), [], hidden);
  return {
    statusSuppressed: layout.map((line) => line.statuses.map((index) => suppressed[index]!)),
    knownSuppressed: layout.map((line) => suppressed[line.known]!),
  };
}

export function createStatisticsService(repository: StatisticsRepository, minimum: number) {
  // Each builder protects one part (national, own or others) of a measure's lines.
  const builders = {
    overview(groupBy: Grouping | null, partLines: Array<Line<OverviewRow>>): StatisticsAnswer {
      const { rows, overall } = split(partLines, ZERO_OVERVIEW);
      // Values: per group started, ended, active and the end reasons; then the same for the total.
      const fields = ['started', 'ended', 'active', ...END_REASONS] as const;
      const lines = [...rows, overall!].map((row) => [row.started, row.ended, row.active, ...END_REASONS.map((reason) => row.endReasons[reason] ?? 0)]);
      const values = lines.flat();
      const at = (line: number, field: number) => line * fields.length + field;
      const totalLine = lines.length - 1;
      const equations: Equation[] = [];
      for (let line = 0; line < lines.length; line += 1) {
        equations.push({ anchor: at(line, 0), members: [at(line, 1), at(line, 2)] });
        equations.push({ anchor: at(line, 1), members: END_REASONS.map((_, index) => at(line, 3 + index)) });
      }
      if (rows.length > 0) {
        for (let field = 0; field < fields.length; field += 1) {
          equations.push({ anchor: at(totalLine, field), members: rows.map((_, line) => at(line, field)) });
        }
      }
      const suppressed = protectCounts(values, equations, minimum, (index) => Math.floor(index / fields.length) === totalLine || index % fields.length < 2);
      // Youths are counted distinct. For groupings of the youth herself (gender) the groups add up
      // to the total; for the others they may overlap. Protect them as if they added up: that is
      // exact for the first and errs on the side of hiding for the second.
      const youths = [...rows.map((row) => row.youths), overall!.youths];
      const youthsSuppressed = protectCounts(youths, rows.length > 0 ? [{ anchor: rows.length, members: rows.map((_, index) => index) }] : [], minimum, (index) => index === rows.length);
      const answerFor = (row: (typeof rows)[number], line: number): Record<string, Cell> => {
        const youthsLine = line === totalLine ? rows.length : line;
        const entries: Record<string, Cell> = {};
        fields.forEach((field, index) => {
          entries[index < 3 ? field : `endReason.${field}`] = cell(values[at(line, index)]!, suppressed[at(line, index)]!);
        });
        entries.youths = cell(row.youths, youthsSuppressed[youthsLine]!);
        entries.medianDaysInCare = over(row.medianDaysInCare, row.durationCount, suppressed[at(line, 1)]!, minimum);
        return entries;
      };
      return {
        measure: 'overview',
        groupBy,
        minimumCellSize: minimum,
        groups: rows.map((row, line) => ({ group: row.group ?? 'unknown', values: answerFor(row, line) })),
        total: answerFor(overall!, totalLine),
      };
    },

    outcomes(groupBy: Grouping | null, partLines: Array<Line<OutcomeRow>>): StatisticsAnswer {
      const { rows, overall } = split(partLines, ZERO_OUTCOMES);
      const table = suppressTable(
        {
          cells: rows.map((row) => OUTCOME_CLASSES.map((name) => row.classes[name]!)),
          rowTotals: rows.map((row) => row.trajectories),
          columnTotals: OUTCOME_CLASSES.map((name) => overall!.classes[name]!),
          grandTotal: overall!.trajectories,
        },
        minimum,
      );
      // With no grouping the "table" is the totals line alone.
      const totalsOnly = rows.length === 0 ? suppressTable({ cells: [OUTCOME_CLASSES.map((name) => overall!.classes[name]!)], rowTotals: [overall!.trajectories] }, minimum) : null;
      // Per domain, the status counts are a table of their own (rows: groups; row totals: the
      // trajectories with a known status), protected like the outcome table, with what is left of
      // each line's trajectories (no known status) as an unpublished count that must not come out
      // small; a share is given only where its count and its base are published, so no share
      // times base reveals a small count.
      const lines = [...rows, overall];
      const trajectoriesPublished = [
        ...rows.map((_, index) => table.rowTotals[index] !== null),
        (totalsOnly ? totalsOnly.rowTotals[0] : table.grandTotal) !== null,
      ];
      const domainTables = DOMAINS.map((domain) => ({
        domain,
        ...protectDomainTable(
          lines.map((row, index) => ({
            statuses: DOMAIN_STATUSES.map((status) => row.domains[domain]![status]),
            known: row.domains[domain]!.known,
            trajectories: row.trajectories,
            trajectoriesPublished: trajectoriesPublished[index]!,
          })),
          minimum,
        ),
      }));
      const domainCells = (row: (typeof rows)[number], index: number | 'total') => {
        const entries: Record<string, Cell> = {};
        const lineIndex = index === 'total' ? lines.length - 1 : index;
        for (const { domain, statusSuppressed, knownSuppressed } of domainTables) {
          const base = row.domains[domain]!.known;
          entries[`${domain}.known`] = cell(base, knownSuppressed[lineIndex]!);
          DOMAIN_STATUSES.forEach((status, position) => {
            entries[`${domain}.share_${status}`] = statusSuppressed[lineIndex]![position]
              ? { value: null, suppressed: true }
              : over(base ? row.domains[domain]![status] / base : null, base, knownSuppressed[lineIndex]!, minimum);
          });
        }
        return entries;
      };
      const line = (row: (typeof rows)[number], published: Array<number | null>, trajectories: number | null, index: number | 'total'): Record<string, Cell> => ({
        trajectories: cell(row.trajectories, trajectories === null),
        ...Object.fromEntries(OUTCOME_CLASSES.map((name, position) => [`outcome.${name}`, cell(published[position]!, published[position] === null)])),
        ...domainCells(row, index),
      });
      return {
        measure: 'outcomes',
        groupBy,
        minimumCellSize: minimum,
        groups: rows.map((row, index) => ({ group: row.group ?? 'unknown', values: line(row, table.cells[index]!, table.rowTotals[index]!, index) })),
        total: totalsOnly
          ? line(overall!, totalsOnly.cells[0]!, totalsOnly.rowTotals[0]!, 'total')
          : line(overall!, table.columnTotals!, table.grandTotal ?? null, 'total'),
      };
    },

    /**
     * The youth's own perspective: per group, the mean of each of the ten items over the
     * trajectories that answered it (their latest answer), only over at least the minimum.
     */
    perspective(groupBy: Grouping | null, partLines: Array<Line<PerspectiveRow>>): StatisticsAnswer {
      const rows = partLines.filter((line) => !line.isTotal);
      const overall = partLines.filter((line) => line.isTotal);
      const items = [...new Set(overall.map((row) => row.item))].sort();
      const groups = [...new Set(rows.map((row) => row.group ?? 'unknown'))];
      const find = (list: typeof rows, group: string | null, item: string) => list.find((row) => (row.group ?? 'unknown') === (group ?? 'unknown') && row.item === item);
      // Respondent counts add up across groups per item: protect them like any count table.
      const table = suppressTable(
        {
          cells: groups.map((group) => items.map((item) => find(rows, group, item)?.respondents ?? 0)),
          rowTotals: groups.map((group) => items.reduce((sum, item) => sum + (find(rows, group, item)?.respondents ?? 0), 0)),
          columnTotals: items.map((item) => find(overall, null, item)?.respondents ?? 0),
          grandTotal: items.reduce((sum, item) => sum + (find(overall, null, item)?.respondents ?? 0), 0),
        },
        minimum,
      );
      const values = (list: typeof rows, group: string | null, published: Array<number | null>): Record<string, Cell> =>
        Object.fromEntries(
          items.flatMap((item, index) => {
            const row = find(list, group, item);
            const respondents = row?.respondents ?? 0;
            const suppressed = published[index] === null;
            return [
              [`${item}.respondents`, cell(respondents, suppressed)],
              [`${item}.mean`, over(row?.mean ?? null, respondents, suppressed, minimum)],
            ];
          }),
        );
      return {
        measure: 'perspective',
        groupBy,
        minimumCellSize: minimum,
        groups: groups.map((group, index) => ({ group, values: values(rows, group, table.cells[index]!) })),
        total: values(overall, null, groups.length > 0 ? table.columnTotals! : items.map((item) => {
          const respondents = find(overall, null, item)?.respondents ?? 0;
          return respondents > 0 && respondents < minimum ? null : respondents;
        })),
      };
    },

    /** Outcome class by problem recognition at intake. */
    recognition(_groupBy: Grouping | null, partLines: Array<Line<RecognitionRow>>): StatisticsAnswer {
      const rows = partLines.filter((line) => line.isTotal);
      const count = (recognition: string, outcome: string) =>
        rows.find((row) => row.recognition === recognition && row.outcomeClass === outcome)?.trajectories ?? 0;
      const cells = RECOGNITION.map((recognition) => OUTCOME_CLASSES.map((outcome) => count(recognition, outcome)));
      const rowTotals = cells.map((line) => line.reduce((sum, value) => sum + value, 0));
      const columnTotals = OUTCOME_CLASSES.map((_, j) => cells.reduce((sum, line) => sum + line[j]!, 0));
      const table = suppressTable({ cells, rowTotals, columnTotals, grandTotal: rowTotals.reduce((a, b) => a + b, 0) }, minimum);
      const values = (published: Array<number | null>, total: number | null): Record<string, Cell> => ({
        trajectories: cell(total, total === null),
        ...Object.fromEntries(OUTCOME_CLASSES.map((name, index) => [`outcome.${name}`, cell(published[index]!, published[index] === null)])),
      });
      return {
        measure: 'recognition',
        groupBy: null,
        minimumCellSize: minimum,
        groups: RECOGNITION.map((recognition, index) => ({ group: recognition, values: values(table.cells[index]!, table.rowTotals[index]!) })),
        total: values(table.columnTotals!, table.grandTotal ?? null),
      };
    },

    /**
     * Care delivered: per group the median fidelity (summary and per core element) over the
     * trajectories with a score, and per activity type how many trajectories received it and
     * their median occurrences per month in care.
     */
    care(groupBy: Grouping | null, lines: { lines: Array<Line<CareRow>>; doses: Array<Line<DoseRow>> }): StatisticsAnswer {
      const { rows, overall } = split(lines.lines, ZERO_CARE);
      const fidelityNames = Object.keys(FIDELITY_COLUMNS);
      const activityTypes = [...new Set(lines.doses.filter((dose) => dose.isTotal).map((dose) => dose.activityTypeCode))].sort();
      const groups = rows.map((row) => row.group);
      const doseOf = (line: Line<CareRow>, type: string) =>
        lines.doses.find((dose) => dose.isTotal === line.isTotal && dose.group === line.group && dose.activityTypeCode === type);
      const lineRows = [...rows, overall];
      // Counts per line: trajectories, scored per fidelity column, received per activity type.
      const counts = lineRows.map((row) => [
        row.trajectories,
        ...fidelityNames.map((name) => row.fidelity[name]?.scored ?? 0),
        ...activityTypes.map((type) => doseOf(row, type)?.received ?? 0),
      ]);
      const suppressed = protectColumns(counts, minimum, { partsOfFirst: true });
      const values = (line: number): Record<string, Cell> => {
        const row = lineRows[line]!;
        const entries: Record<string, Cell> = { trajectories: cell(counts[line]![0]!, suppressed[line]![0]!) };
        fidelityNames.forEach((name, index) => {
          const column = 1 + index;
          entries[`fidelity.${name}.scored`] = cell(counts[line]![column]!, suppressed[line]![column]!);
          entries[`fidelity.${name}.median`] = over(row.fidelity[name]?.median ?? null, counts[line]![column]!, suppressed[line]![column]!, minimum);
        });
        activityTypes.forEach((type, index) => {
          const column = 1 + fidelityNames.length + index;
          entries[`dose.${type}.received`] = cell(counts[line]![column]!, suppressed[line]![column]!);
          entries[`dose.${type}.medianPerMonth`] = over(doseOf(row, type)?.medianPerMonth ?? null, counts[line]![column]!, suppressed[line]![column]!, minimum);
        });
        return entries;
      };
      return {
        measure: 'care',
        groupBy,
        minimumCellSize: minimum,
        groups: groups.map((group, line) => ({ group: group ?? 'unknown', values: values(line) })),
        total: values(lineRows.length - 1),
      };
    },
  };

  /** One statement per measure; the answer of each part asked for, protected on its own. */
  async function answers(name: Measure, groupBy: Grouping | null, splitFor: string | null, parts: Part[]): Promise<Partial<Record<Part, StatisticsAnswer>>> {
    const slice = { grouping: name === 'recognition' ? null : groupBy, splitFor };
    const build = <Row>(lines: Array<Line<Row>>, builder: (groupBy: Grouping | null, lines: Array<Line<Row>>) => StatisticsAnswer) =>
      Object.fromEntries(parts.map((part) => [part, builder(slice.grouping, lines.filter((line) => line.part === part))]));
    switch (name) {
      case 'overview':
        return build(await repository.overview(slice), builders.overview);
      case 'outcomes':
        return build(await repository.outcomes(slice), builders.outcomes);
      case 'perspective':
        return build(await repository.perspective(slice), builders.perspective);
      case 'recognition':
        return build(await repository.recognition(slice), builders.recognition);
      case 'care': {
        const { lines, doses } = await repository.care(slice);
        return Object.fromEntries(
          parts.map((part) => [part, builders.care(slice.grouping, { lines: lines.filter((line) => line.part === part), doses: doses.filter((dose) => dose.part === part) })]),
        );
      }
    }
  }

  return {
    /**
     * The national figures as this viewer may see them. An institution knows its own counts, so a
     * national figure minus its own is the other institutions' figure: it is published only where
     * that figure over the other institutions passes disclosure control as well.
     */
    async answer(name: Measure, groupBy: Grouping | null, viewer: Viewer): Promise<StatisticsAnswer> {
      if (viewer.kind === 'national') return (await answers(name, groupBy, null, ['national'])).national!;
      const { national, others } = await answers(name, groupBy, viewer.institutionId, ['national', 'others']);
      return withheldWhereOthersAre(national!, others!);
    },

    /** The viewer's own programmes (institutions) next to the national picture, both protected. */
    async comparison(name: Measure, groupBy: Grouping | null, viewer: Viewer): Promise<{ national: StatisticsAnswer; own: StatisticsAnswer | null }> {
      if (viewer.kind === 'national') return { national: await this.answer(name, groupBy, viewer), own: null };
      const { national, own, others } = await answers(name, groupBy, viewer.institutionId, ['national', 'own', 'others']);
      return { national: withheldWhereOthersAre(national!, others!), own: own! };
    },
  };
}

const ZERO_OVERVIEW: OverviewRow = { started: 0, ended: 0, active: 0, youths: 0, durationCount: 0, medianDaysInCare: null, endReasons: {} };
const ZERO_OUTCOMES: OutcomeRow = {
  trajectories: 0,
  classes: { improved: 0, mixed: 0, not_improved: 0, insufficient_data: 0 },
  domains: Object.fromEntries(DOMAINS.map((domain) => [domain, { known: 0, improved: 0, unchanged: 0, deteriorated: 0, mixed: 0 }])),
};
const ZERO_CARE: CareRow = { trajectories: 0, fidelity: {} };

/** The group lines and the total line of one part (a part without trajectories has none: zeros). */
function split<Row>(lines: Array<Line<Row>>, zero: Row): { rows: Array<Line<Row>>; overall: Line<Row> } {
  const overall = lines.find((line) => line.isTotal) ?? ({ ...zero, part: 'national', group: null, isTotal: true } as Line<Row>);
  return { rows: lines.filter((line) => !line.isTotal), overall };
}

/**
 * A national cell stays published only where the same cell over the other institutions is
 * published too. Where the others have no such cell (no trajectories in that group, no one given
 * that activity type), their figure is zero and the national figure is the viewer's own: the
 * national answer's own protection applies.
 */
function withheldWhereOthersAre(national: StatisticsAnswer, others: StatisticsAnswer): StatisticsAnswer {
  const guard = (values: Record<string, Cell>, otherValues: Record<string, Cell> | undefined) =>
    Object.fromEntries(
      Object.entries(values).map(([key, value]) => {
        const other = otherValues?.[key];
        const published = !value.suppressed && (other === undefined || !other.suppressed);
        return [key, published ? value : { value: null, suppressed: true }];
      }),
    );
  const find = (answer: StatisticsAnswer, group: string) => answer.groups.find((entry) => entry.group === group)?.values;
  return {
    ...national,
    groups: national.groups.map((entry) => ({ group: entry.group, values: guard(entry.values, find(others, entry.group)) })),
    total: guard(national.total, others.total),
  };
}

export type StatisticsService = ReturnType<typeof createStatisticsService>;

/** The answer as CSV: one line per group, then the total; suppressed cells read "suppressed". */
export function toCsv(answer: StatisticsAnswer): string {
  const columns = Object.keys(answer.total);
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const line = (group: string, values: Record<string, Cell>) =>
    [group, ...columns.map((column) => (values[column]?.suppressed ? 'suppressed' : String(values[column]?.value ?? '')))].map(quote).join(',');
  return [
    ['group', ...columns].map(quote).join(','),
    ...answer.groups.map((group) => line(group.group, group.values)),
    line('total', answer.total),
  ].join('\n') + '\n';
}
