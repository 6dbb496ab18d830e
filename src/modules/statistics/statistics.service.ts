import { type Equation, protectCounts, suppressTable } from '../../lib/statistics/disclosure-control';
import { DOMAINS, END_REASONS } from '../../lib/vocabulary';
import { EVERYONE, FIDELITY_COLUMNS, type Grouping, type Population, type StatisticsRepository } from './statistics.repository';

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
 * (when there are other lines). Returns, per line and column, whether the count is suppressed.
 */
function protectColumns(lines: number[][], minimum: number): boolean[][] {
  const width = lines[0]?.length ?? 0;
  const totalLine = lines.length - 1;
  const at = (line: number, column: number) => line * width + column;
  const equations: Equation[] =
    lines.length > 1
      ? Array.from({ length: width }, (_, column) => ({ anchor: at(totalLine, column), members: lines.slice(0, -1).map((_, line) => at(line, column)) }))
      : [];
  const suppressed = protectCounts(lines.flat(), equations, minimum, (index) => Math.floor(index / width) === totalLine);
  return lines.map((_, line) => suppressed.slice(line * width, (line + 1) * width));
}

export function createStatisticsService(repository: StatisticsRepository, minimum: number) {
  const measures = {
    async overview(groupBy: Grouping | null, population: Population = EVERYONE): Promise<StatisticsAnswer> {
      const [rows, [overall]] = await Promise.all([groupBy ? repository.overview(groupBy, population) : Promise.resolve([]), repository.overview(null, population)]);
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

    async outcomes(groupBy: Grouping | null, population: Population = EVERYONE): Promise<StatisticsAnswer> {
      const [rows, [overall]] = await Promise.all([groupBy ? repository.outcomes(groupBy, population) : Promise.resolve([]), repository.outcomes(null, population)]);
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
      // trajectories with a known status), protected like the outcome table; a share is given
      // only where its count and its base are published, so no share times base reveals a small count.
      const domainTables = DOMAINS.map((domain) => {
        const counts = (row: (typeof rows)[number]) => DOMAIN_STATUSES.map((status) => row.domains[domain]![status]);
        const known = (row: (typeof rows)[number]) => row.domains[domain]!.known;
        const protectedTable =
          rows.length > 0
            ? suppressTable({ cells: rows.map(counts), rowTotals: rows.map(known), columnTotals: counts(overall!), grandTotal: known(overall!) }, minimum)
            : suppressTable({ cells: [counts(overall!)], rowTotals: [known(overall!)] }, minimum);
        return { domain, protectedTable };
      });
      const domainCells = (row: (typeof rows)[number], index: number | 'total') => {
        const entries: Record<string, Cell> = {};
        for (const { domain, protectedTable } of domainTables) {
          const isTotal = index === 'total';
          const statusCells = isTotal ? (rows.length > 0 ? protectedTable.columnTotals! : protectedTable.cells[0]!) : protectedTable.cells[index]!;
          const known = isTotal ? (rows.length > 0 ? protectedTable.grandTotal! : protectedTable.rowTotals[0]!) : protectedTable.rowTotals[index]!;
          const base = row.domains[domain]!.known;
          entries[`${domain}.known`] = cell(base, known === null);
          DOMAIN_STATUSES.forEach((status, position) => {
            const count = statusCells[position];
            entries[`${domain}.share_${status}`] =
              count === null || count === undefined ? { value: null, suppressed: true } : over(base ? count / base : null, base, known === null, minimum);
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
    async perspective(groupBy: Grouping | null, population: Population = EVERYONE): Promise<StatisticsAnswer> {
      const [rows, overall] = await Promise.all([groupBy ? repository.perspective(groupBy, population) : Promise.resolve([]), repository.perspective(null, population)]);
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
    async recognition(_groupBy: Grouping | null = null, population: Population = EVERYONE): Promise<StatisticsAnswer> {
      const rows = await repository.recognition(population);
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
    async care(groupBy: Grouping | null, population: Population = EVERYONE): Promise<StatisticsAnswer> {
      const [grouped, overall] = await Promise.all([groupBy ? repository.care(groupBy, population) : Promise.resolve({ groups: [], doses: [] }), repository.care(null, population)]);
      const fidelityNames = Object.keys(FIDELITY_COLUMNS);
      const activityTypes = [...new Set(overall.doses.map((dose) => dose.activityTypeCode))].sort();
      const groups = grouped.groups.map((row) => row.group);
      const doseOf = (doses: typeof overall.doses, group: string | null, type: string) => doses.find((dose) => dose.group === group && dose.activityTypeCode === type);
      const lineRows = [...grouped.groups.map((row) => ({ row, doses: grouped.doses })), { row: overall.groups[0] ?? { group: null, trajectories: 0, fidelity: {} }, doses: overall.doses }];
      // Counts per line: trajectories, scored per fidelity column, received per activity type.
      const counts = lineRows.map(({ row, doses }) => [
        row.trajectories,
        ...fidelityNames.map((name) => row.fidelity[name]?.scored ?? 0),
        ...activityTypes.map((type) => doseOf(doses, row.group, type)?.received ?? 0),
      ]);
      const suppressed = protectColumns(counts, minimum);
      const values = (line: number): Record<string, Cell> => {
        const { row, doses } = lineRows[line]!;
        const entries: Record<string, Cell> = { trajectories: cell(counts[line]![0]!, suppressed[line]![0]!) };
        fidelityNames.forEach((name, index) => {
          const column = 1 + index;
          entries[`fidelity.${name}.scored`] = cell(counts[line]![column]!, suppressed[line]![column]!);
          entries[`fidelity.${name}.median`] = over(row.fidelity[name]?.median ?? null, counts[line]![column]!, suppressed[line]![column]!, minimum);
        });
        activityTypes.forEach((type, index) => {
          const column = 1 + fidelityNames.length + index;
          entries[`dose.${type}.received`] = cell(counts[line]![column]!, suppressed[line]![column]!);
          entries[`dose.${type}.medianPerMonth`] = over(doseOf(doses, row.group, type)?.medianPerMonth ?? null, counts[line]![column]!, suppressed[line]![column]!, minimum);
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

  const measure = (name: Measure, groupBy: Grouping | null, population: Population) => measures[name](groupBy, population);

  return {
    ...measures,

    /**
     * The national figures as this viewer may see them. An institution knows its own counts, so a
     * national figure minus its own is the other institutions' figure: it is published only where
     * that figure over the other institutions passes disclosure control as well.
     */
    async answer(name: Measure, groupBy: Grouping | null, viewer: Viewer): Promise<StatisticsAnswer> {
      const national = await measure(name, groupBy, EVERYONE);
      if (viewer.kind === 'national') return national;
      const [others, own] = await Promise.all([
        measure(name, groupBy, { kind: 'other_institutions', institutionId: viewer.institutionId }),
        measure(name, groupBy, { kind: 'institution', institutionId: viewer.institutionId }),
      ]);
      return withheldWhereOthersAre(national, others, own);
    },

    /** The viewer's own programmes (institutions) next to the national picture, both protected. */
    async comparison(name: Measure, groupBy: Grouping | null, viewer: Viewer): Promise<{ national: StatisticsAnswer; own: StatisticsAnswer | null }> {
      if (viewer.kind === 'national') return { national: await measure(name, groupBy, EVERYONE), own: null };
      const population: Population = { kind: 'institution', institutionId: viewer.institutionId };
      const [national, own] = await Promise.all([this.answer(name, groupBy, viewer), measure(name, groupBy, population)]);
      return { national, own };
    },
  };
}

/**
 * A national cell stays published only where the same cell over the other institutions is
 * published too (or does not exist: then the national figure is the viewer's own).
 */
function withheldWhereOthersAre(national: StatisticsAnswer, others: StatisticsAnswer, own: StatisticsAnswer): StatisticsAnswer {
  const guard = (values: Record<string, Cell>, otherValues: Record<string, Cell> | undefined, ownValues: Record<string, Cell> | undefined) =>
    Object.fromEntries(
      Object.entries(values).map(([key, value]) => {
        const other = otherValues?.[key];
        const published = !value.suppressed && (other ? !other.suppressed : ownValues?.[key] ? !ownValues[key]!.suppressed : false);
        return [key, published ? value : { value: null, suppressed: true }];
      }),
    );
  const find = (answer: StatisticsAnswer, group: string) => answer.groups.find((entry) => entry.group === group)?.values;
  return {
    ...national,
    groups: national.groups.map((entry) => ({ group: entry.group, values: guard(entry.values, find(others, entry.group), find(own, entry.group)) })),
    total: guard(national.total, others.total, own.total),
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
