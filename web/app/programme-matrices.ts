import { words } from './format';
import type { CatalogueQuery, Domain } from './generated/operations';
import { cellText, type HeatCell, type Line, keysOf, longMatrix, type Matrix, type Part, roundedText, wideMatrix } from './statistics';

// What each section of the programmes page shows, as the API names its values (see README,
// "Statistics"): the tables (and so the CSV files) and the charts' data come from here.

export const DOMAINS: Domain[] = ['exploitation_resilience', 'social_emotional', 'family_network', 'participation'];
export const OUTCOME_CLASSES = ['improved', 'mixed', 'not_improved', 'insufficient_data'] as const;
export const DOMAIN_STATUSES = ['improved', 'unchanged', 'mixed', 'deteriorated'] as const;

export function overviewMatrix(lines: Line[], first: string): Matrix {
  return wideMatrix(lines, first, [
    { name: 'started', header: 'Started' },
    { name: 'ended', header: 'Ended' },
    { name: 'active', header: 'Active' },
    { name: 'youths', header: 'Youths' },
    // The cell-key method's noise gives the median decimals; a day is the unit care is counted in.
    { name: 'medianDaysInCare', header: 'Median days in care (ended)', text: (cell) => roundedText(cell, 0) },
    ...['completed', 'transferred', 'premature_end', 'other'].map((reason) => ({
      name: `endReason.${reason}`,
      header: `Ended: ${words(reason)}`,
    })),
  ]);
}

/** Outcome classes of the study (per programme, or per problem recognition at intake). */
export function outcomeMatrix(lines: Line[], first: string): Matrix {
  return wideMatrix(lines, first, [
    { name: 'trajectories', header: 'Trajectories' },
    ...OUTCOME_CLASSES.map((c) => ({ name: `outcome.${c}`, header: words(c) })),
  ]);
}

export function outcomeParts(lines: Line[]): Part[] {
  return lines.flatMap((line) => OUTCOME_CLASSES.map((c) => partOf(line, words(c), `outcome.${c}`)));
}

/** "n = …" of a published count; a suppressed one as "n supp." (short: it sits between the panels, as "supp." in a heatmap cell). */
const baseText = (cell: Parameters<typeof cellText>[0]) => (cell?.suppressed ? 'n supp.' : `n = ${cellText(cell)}`);

/** The base of each row's shares: its published number of trajectories. */
export function outcomeBases(lines: Line[]): Array<{ row: string; text: string }> {
  return lines.map((line) => ({ row: line.chartLabel, text: baseText(line.cells.get('trajectories')) }));
}

export function domainMatrix(lines: Line[], first: string): Matrix {
  return longMatrix(
    lines,
    first,
    'Domain',
    DOMAINS.map((d) => ({ key: d, label: words(d) })),
    [
      { name: (d) => `${d}.known`, header: 'With a known status' },
      ...DOMAIN_STATUSES.map((s) => ({ name: (d: string) => `${d}.share_${s}`, header: `Share ${words(s)}` })),
    ],
  );
}

export function domainParts(lines: Line[]): Part[] {
  return lines.flatMap((line) =>
    DOMAINS.flatMap((d) => DOMAIN_STATUSES.map((s) => ({ ...partOf(line, words(s), `${d}.share_${s}`), facet: words(d) }))),
  );
}

/** The base of each domain's shares: the published number of trajectories with a known status there. */
export function domainBases(lines: Line[]): Array<{ row: string; facet: string; text: string }> {
  return lines.flatMap((line) =>
    DOMAINS.map((d) => ({ row: line.chartLabel, facet: words(d), text: baseText(line.cells.get(`${d}.known`)) })),
  );
}

const itemLabel = (catalogue: CatalogueQuery, code: string) =>
  (catalogue.instruments.find((i) => i.code === code)?.name ?? code).replace(/^Youth perspective: /, '');

export function perspectiveItems(lines: Line[], catalogue: CatalogueQuery) {
  return keysOf(lines, '', 'mean').map((key) => ({ key, label: itemLabel(catalogue, key) }));
}

export function perspectiveMatrix(lines: Line[], first: string, catalogue: CatalogueQuery): Matrix {
  return longMatrix(lines, first, 'Item', perspectiveItems(lines, catalogue), [
    { name: (k) => `${k}.respondents`, header: 'Respondents' },
    { name: (k) => `${k}.mean`, header: 'Mean' },
  ]);
}

export const fidelityLabel = (key: string) => (key === 'summary' ? 'whole fixed offer' : words(key));

export function fidelityMatrix(lines: Line[], first: string): Matrix {
  const keys = keysOf(lines, 'fidelity', 'median').map((key) => ({ key, label: fidelityLabel(key) }));
  return longMatrix(lines, first, 'Fidelity of', keys, [
    { name: (k) => `fidelity.${k}.scored`, header: 'Trajectories scored' },
    { name: (k) => `fidelity.${k}.median`, header: 'Median score' },
  ]);
}

export const activityLabel = (catalogue: CatalogueQuery, code: string) =>
  catalogue.activityTypes.find((t) => t.code === code)?.name ?? words(code);

export function doseMatrix(lines: Line[], first: string, catalogue: CatalogueQuery): Matrix {
  const keys = keysOf(lines, 'dose', 'medianPerMonth').map((key) => ({ key, label: activityLabel(catalogue, key) }));
  return longMatrix(lines, first, 'Activity type', keys, [
    { name: (k) => `dose.${k}.received`, header: 'Trajectories that received it' },
    { name: (k) => `dose.${k}.medianPerMonth`, header: 'Median per month in care' },
  ]);
}

function partOf(line: Line, part: string, name: string): Part {
  const cell = line.cells.get(name);
  return { row: line.chartLabel, part, value: cell?.value ?? null, suppressed: cell?.suppressed ?? false, text: cellText(cell) };
}

/** The cells of a heatmap: one per line and key, the value the API names `name(key)`. */
export function heatCells(lines: Line[], keys: Array<{ key: string; label: string }>, name: (key: string) => string): HeatCell[] {
  return lines.flatMap((line) =>
    keys.map(({ key, label }) => {
      const cell = line.cells.get(name(key));
      return {
        row: line.chartLabel,
        column: label,
        value: cell?.value ?? null,
        suppressed: cell?.suppressed ?? false,
        text: cellText(cell),
      };
    }),
  );
}
