import { words } from './format';
import type { CatalogueQuery, ComparisonQuery, StatisticsGrouping, StatisticsTableFieldsFragment } from './generated/operations';

// The programmes page's numbers, exactly as the API publishes them (cell-key method, issue #17):
// a value is shown as the API wrote it, a suppressed one as "suppressed", never as a number.
// Tables and CSV files are built from the same matrices, so a download is what the table shows.
// Pure functions: the browser test builds its expectations with them from its own API answers.

export type Comparison = ComparisonQuery['comparison'];
export type StatisticsTable = StatisticsTableFieldsFragment;
export type Cell = StatisticsTable['total'][number];
export type Scope = 'national' | 'own';

export const GROUPINGS: ReadonlyArray<{ code: StatisticsGrouping; label: string }> = [
  { code: 'programme', label: 'Programme' },
  { code: 'institution', label: 'Institution' },
  { code: 'setting', label: 'Setting' },
  { code: 'start_year', label: 'Start year' },
  { code: 'gender', label: 'Gender' },
  { code: 'age_group', label: 'Age group' },
];

export const SUPPRESSED = 'suppressed';
export const OWN_LABEL = 'your institution';

/** One line of an answer: a group or the total, of the national picture or an institution's own. */
export interface Line {
  scope: Scope;
  group: string | null;
  /** The group's name as the table shows it ("All" for the total). */
  label: string;
  /** The same, with the scope where an institution sees both ("… (your institution)"), for the charts' axes. */
  chartLabel: string;
  cells: Map<string, Cell>;
}

/** A bar segment of a stacked chart (statistics-charts.ts): a part of a row. */
export interface Part {
  row: string;
  part: string;
  /** Facet (a domain), when the chart has several panels. */
  facet?: string;
  value: number | null;
  suppressed: boolean;
  text: string;
}

/** A cell of a heatmap (statistics-charts.ts). */
export interface HeatCell {
  row: string;
  column: string;
  value: number | null;
  suppressed: boolean;
  text: string;
}

/** A table as strings: what the page shows, what the CSV holds, what the test compares. */
export interface Matrix {
  header: string[];
  rows: string[][];
}

export function groupLabel(catalogue: CatalogueQuery, groupBy: StatisticsGrouping | null, group: string): string {
  if (groupBy === 'programme') return catalogue.programmes.find((p) => p.code === group)?.name ?? group;
  if (groupBy === 'start_year' || groupBy === 'age_group' || groupBy === 'institution') return group;
  return words(group);
}

/**
 * The lines of a comparison: every national group, each followed by the institution's own figure
 * for it where there is one, then the totals. Own groups the national answer lacks come last.
 */
export function linesOf(comparison: Comparison, catalogue: CatalogueQuery): Line[] {
  const { national, own } = comparison;
  const make = (scope: Scope, table: StatisticsTable, group: string | null, cells: Cell[]): Line => {
    const label = group === null ? 'All' : groupLabel(catalogue, table.groupBy ?? null, group);
    return {
      scope,
      group,
      label,
      chartLabel: own ? `${label} (${scope === 'own' ? OWN_LABEL : 'national'})` : label,
      cells: new Map(cells.map((cell) => [cell.name, cell])),
    };
  };
  const ownGroups = new Map((own?.groups ?? []).map((g) => [g.group, g.values]));
  const lines: Line[] = [];
  for (const group of national.groups) {
    lines.push(make('national', national, group.group, group.values));
    const mine = ownGroups.get(group.group);
    if (own && mine) lines.push(make('own', own, group.group, mine));
    ownGroups.delete(group.group);
  }
  if (own) for (const [group, values] of ownGroups) lines.push(make('own', own, group, values));
  lines.push(make('national', national, null, national.total));
  if (own) lines.push(make('own', own, null, own.total));
  return lines;
}

/** A published value as text: the API's number as it wrote it, "suppressed" where it left one out. */
export function cellText(cell: Cell | undefined): string {
  if (!cell) return '—';
  if (cell.suppressed) return SUPPRESSED;
  return cell.value === null ? '—' : String(cell.value);
}

/** The keys in the API's value names (`dose.<activity>.received`, `<item>.mean`), in the answer's order. */
export function keysOf(lines: Line[], prefix: string, suffix: string): string[] {
  const head = prefix ? `${prefix}.` : '';
  const keys = new Set<string>();
  for (const line of lines)
    for (const name of line.cells.keys())
      if (name.startsWith(head) && name.endsWith(`.${suffix}`)) keys.add(name.slice(head.length, -suffix.length - 1));
  return [...keys];
}

const leading = (hasOwn: boolean) => (line: Line) => (hasOwn ? [line.label, line.scope === 'own' ? OWN_LABEL : 'national'] : [line.label]);
const leadingHeader = (first: string, hasOwn: boolean) => (hasOwn ? [first, 'Scope'] : [first]);

/** A published value rounded to `digits` for reading (the CSV holds the same text): a suppressed one stays the word. */
export function roundedText(cell: Cell | undefined, digits: number): string {
  if (!cell || cell.suppressed || cell.value === null) return cellText(cell);
  return cell.value.toFixed(digits);
}

/** A column per named value: a line per row. */
export function wideMatrix(
  lines: Line[],
  first: string,
  columns: Array<{ name: string; header: string; text?: (cell: Cell | undefined) => string }>,
): Matrix {
  const hasOwn = lines.some((line) => line.scope === 'own');
  return {
    header: [...leadingHeader(first, hasOwn), ...columns.map((c) => c.header)],
    rows: lines.map((line) => [...leading(hasOwn)(line), ...columns.map((c) => (c.text ?? cellText)(line.cells.get(c.name)))]),
  };
}

/** A row per line and key (a domain, an item, an activity type), a column per value of that key. */
export function longMatrix(
  lines: Line[],
  first: string,
  keyHeader: string,
  keys: Array<{ key: string; label: string }>,
  columns: Array<{ name: (key: string) => string; header: string }>,
): Matrix {
  const hasOwn = lines.some((line) => line.scope === 'own');
  return {
    header: [...leadingHeader(first, hasOwn), keyHeader, ...columns.map((c) => c.header)],
    rows: lines.flatMap((line) =>
      keys.map(({ key, label }) => [...leading(hasOwn)(line), label, ...columns.map((c) => cellText(line.cells.get(c.name(key))))]),
    ),
  };
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF between records. */
export function toCsv(matrix: Matrix): string {
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return `${[matrix.header, ...matrix.rows].map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}
