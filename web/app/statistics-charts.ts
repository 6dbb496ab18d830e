import * as Plot from '@observablehq/plot';
import { withoutInlineStyles } from './charts';
import type { HeatCell, Part } from './statistics';

// The programmes page's charts (Observable Plot). A suppressed value is drawn as what it is (a
// grey cell or the word "suppressed", never a bar or a colour that stands for a number), and every
// mark's tooltip is the text of its table cell.

/** Okabe–Ito colours per part; the order of the legend is the order given. */
const PART_COLOURS: Record<string, string> = {
  improved: '#0072B2',
  unchanged: '#999999',
  mixed: '#E69F00',
  'not improved': '#D55E00',
  deteriorated: '#D55E00',
  'insufficient data': '#CCCCCC',
};

/**
 * Horizontal stacked bars of the parts of each row (outcome classes, domain statuses): as shares
 * of the row when normalized. `bases`: the published count each row's shares are of, written as
 * "n = …" right of its bar (a share is read with its base).
 */
export function partsChart(
  parts: Part[],
  options: {
    rows: string[];
    parts: string[];
    facets?: string[];
    normalize: boolean;
    xLabel: string;
    bases: Array<{ row: string; facet?: string; text: string }>;
  },
): SVGElement | HTMLElement {
  const drawn = parts.filter((p) => !p.suppressed && p.value !== null && p.value > 0);
  const suppressed = parts.filter((p) => p.suppressed);
  const facet = options.facets ? { fx: 'facet' as const } : {};
  return withoutInlineStyles(
    Plot.plot({
      className: 'registry-plot',
      width: options.facets ? 1000 : 800,
      height: 60 + options.rows.length * 24,
      marginLeft: 250,
      marginRight: options.facets ? 70 : 80,
      style: { fontSize: '12px', background: 'transparent' },
      // Shares as percentages; between panels, room for "n = …" and so that one panel's "100%"
      // does not run into the next one's "0%".
      x: { label: options.xLabel, domain: [0, 1], tickFormat: '.0%', ticks: options.facets ? [0, 0.5, 1] : 5 },
      y: { label: null, domain: options.rows },
      fx: options.facets ? { domain: options.facets, label: null, padding: 0.35 } : undefined,
      color: { type: 'categorical', domain: options.parts, range: options.parts.map((p) => PART_COLOURS[p] ?? '#56B4E9'), legend: true },
      marks: [
        Plot.barX(
          drawn,
          Plot.stackX({
            x: 'value',
            y: 'row',
            fill: 'part',
            order: options.parts,
            offset: options.normalize ? 'normalize' : undefined,
            ...facet,
            className: 'mark-parts',
            title: (p: Part) => `${p.row} · ${p.part}: ${p.text}`,
          }),
        ),
        Plot.text(suppressed, {
          x: 0.5,
          y: 'row',
          ...facet,
          text: () => 'suppressed',
          fill: '#1a1a1a',
          className: 'mark-suppressed',
          title: (p: Part) => `${p.row} · ${p.part}: ${p.text}`,
        }),
        Plot.text(options.bases, {
          x: 1,
          y: 'row',
          ...facet,
          dx: 4,
          textAnchor: 'start',
          text: 'text',
          fill: '#1a1a1a',
          className: 'mark-bases',
        }),
        Plot.ruleX([0]),
      ],
    }),
  );
}

/** A grid of values (means, medians): colour by value, the value written in the cell; suppressed cells grey with the word. */
export function heatmapChart(
  cells: HeatCell[],
  options: { rows: string[]; columns: string[]; domain: [number, number]; label: string; scheme?: Plot.ColorScheme },
): SVGElement | HTMLElement {
  const [low, high] = options.domain;
  // White text only on the darkest fifth or so of the scheme, dark text elsewhere: both keep about 4.5:1 or more.
  const dark = (cell: HeatCell) => cell.value !== null && (cell.value - low) / (high - low || 1) > 0.72;
  const valued = cells.filter((c) => !c.suppressed && c.value !== null);
  const suppressed = cells.filter((c) => c.suppressed);
  const title = (c: HeatCell) => `${c.row} · ${c.column}: ${c.text}`;
  return withoutInlineStyles(
    Plot.plot({
      className: 'registry-plot',
      width: Math.max(760, 250 + options.columns.length * 62),
      height: 130 + options.rows.length * 24,
      marginLeft: 250,
      marginBottom: 110,
      style: { fontSize: '12px', background: 'transparent' },
      x: { label: null, domain: options.columns, tickRotate: -35 },
      y: { label: null, domain: options.rows },
      color: { type: 'linear', scheme: options.scheme ?? 'blues', domain: options.domain, label: options.label, legend: true },
      marks: [
        Plot.cell(valued, { x: 'column', y: 'row', fill: 'value', inset: 0.5, className: 'mark-cells', title }),
        Plot.cell(suppressed, { x: 'column', y: 'row', fill: '#e8e8e8', inset: 0.5, className: 'mark-suppressed', title }),
        Plot.text(valued, {
          x: 'column',
          y: 'row',
          text: 'text',
          fill: (c: HeatCell) => (dark(c) ? 'white' : '#1a1a1a'),
          ariaHidden: 'true',
        }),
        Plot.text(suppressed, { x: 'column', y: 'row', text: () => 'supp.', fill: '#1a1a1a', ariaHidden: 'true' }),
      ],
    }),
  );
}
