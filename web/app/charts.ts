import * as Plot from '@observablehq/plot';
import type { CatalogueQuery, Informant } from './generated/operations';
import type { TrendPoint } from './trend';

// The N=1 phase chart and the bar charts of the trajectory page, drawn with Observable Plot.

/**
 * Plot puts its default styles in <style> elements, which the service's content security policy
 * (style-src 'self') refuses. They are taken out before the chart enters the document (a detached
 * <style> is never checked) and the same rules live in app.css under this fixed class name.
 */
const CLASS_NAME = 'registry-plot';

export function withoutInlineStyles<T extends Element>(element: T): T {
  for (const style of element.querySelectorAll('style')) style.remove();
  return element;
}

export type Instrument = CatalogueQuery['instruments'][number];

/** Okabe–Ito colours (distinguishable with colour-vision deficiencies), and a symbol each, so colour is never the only cue. */
export const INFORMANTS: Informant[] = ['youth', 'parent', 'mentor', 'clinician', 'teacher'];
const INFORMANT_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8A6D00'];
const INFORMANT_SYMBOLS = ['circle', 'square', 'triangle', 'diamond', 'star'] as const;

export interface SeriesPoint {
  informant: Informant;
  day: number;
  value: number;
}

export const levelLabel = (instrument: Instrument, value: number): string =>
  instrument.levels?.find((level) => level.value === value)?.label ?? String(value);

/**
 * Every series of one instrument, every informant, over days since the start: the clinical
 * cut-off as a dashed rule, the start of phase B (the chosen activity) as a vertical line. Status
 * instruments are drawn as steps over their ordered levels.
 */
export function seriesChart(
  instrument: Instrument,
  points: SeriesPoint[],
  options: { maxDay: number; phaseDay: number | null; phaseLabel: string; trends?: TrendPoint[] },
): SVGElement | HTMLElement {
  const status = instrument.kind === 'status';
  const levels = [...(instrument.levels ?? [])].sort((a, b) => (a.rank ?? -1) - (b.rank ?? -1));
  const y = (point: SeriesPoint) => (status ? levelLabel(instrument, point.value) : point.value);
  const marks: Plot.Markish[] = [Plot.frame({ stroke: '#ccc' })];
  if (!status && instrument.clinicalCutoff !== null && instrument.clinicalCutoff !== undefined) {
    marks.push(
      Plot.ruleY([instrument.clinicalCutoff], { stroke: '#444', strokeDasharray: '5 4', className: 'mark-cutoff' }),
      Plot.text([instrument.clinicalCutoff], {
        y: (value: number) => value,
        frameAnchor: 'right',
        dy: -6,
        text: () => 'clinical cut-off',
        fill: '#444',
        ariaHidden: 'true',
      }),
    );
  }
  if (options.phaseDay !== null) {
    marks.push(
      Plot.ruleX([options.phaseDay], { stroke: '#B00020', strokeWidth: 2, className: 'mark-phase' }),
      Plot.text([options.phaseDay], {
        x: (day: number) => day,
        frameAnchor: 'top',
        dx: 4,
        textAnchor: 'start',
        dy: 8,
        text: () => `B: ${options.phaseLabel}`,
        fill: '#B00020',
        ariaHidden: 'true',
      }),
    );
  }
  const trends = options.trends ?? [];
  // The last baseline point joins the extension, so the dotted line continues the dashed one.
  const lastA = new Map(trends.filter((t) => t.phase === 'A').map((t) => [t.informant, t]));
  const extended = [...lastA.values(), ...trends.filter((t) => t.phase === 'B')];
  for (const [data, dash, className] of [
    [trends.filter((t) => t.phase === 'A'), '6 3', 'mark-trend'],
    [extended, '1 3', 'mark-trend-extended'],
  ] as const) {
    marks.push(
      Plot.line(data, {
        x: 'day',
        y: 'value',
        z: 'informant',
        stroke: 'informant',
        strokeWidth: 1,
        strokeDasharray: dash,
        clip: true,
        className,
      }),
    );
  }
  marks.push(
    Plot.line(points, {
      x: 'day',
      y,
      z: 'informant',
      stroke: 'informant',
      strokeWidth: 1.5,
      curve: status ? 'step-after' : 'linear',
      className: 'mark-series',
    }),
    Plot.dot(points, {
      x: 'day',
      y,
      fill: 'informant',
      symbol: 'informant',
      r: 3.5,
      className: 'mark-observations',
      ariaDescription: 'observations',
      title: (point: SeriesPoint) => `${point.informant}, day ${point.day}: ${status ? levelLabel(instrument, point.value) : point.value}`,
    }),
  );
  const present = INFORMANTS.filter((informant) => points.some((point) => point.informant === informant));
  return withoutInlineStyles(
    Plot.plot({
      className: CLASS_NAME,
      width: 760,
      height: status ? 160 : 240,
      marginLeft: status ? 70 : 45,
      marginRight: 20,
      style: { fontSize: '12px', background: 'transparent' },
      x: { label: 'Days since the start of the trajectory →', domain: [0, Math.max(options.maxDay, 1)], grid: true },
      y: status
        ? { type: 'point', domain: levels.map((level) => level.label), label: null }
        : {
            label: `↑ ${instrument.higherIsBetter ? 'higher is better' : 'higher is worse'}`,
            domain: [instrument.minValue, instrument.maxValue],
            grid: true,
          },
      color: { type: 'categorical', domain: present, range: present.map((informant) => INFORMANT_COLOURS[INFORMANTS.indexOf(informant)]!) },
      symbol: {
        type: 'categorical',
        domain: present,
        range: present.map((informant) => INFORMANT_SYMBOLS[INFORMANTS.indexOf(informant)]!),
        legend: true,
      },
      marks,
    }),
  );
}

export interface Bar {
  label: string;
  value: number;
  /** An expected value drawn as a tick (the programme's fixed offer). */
  expected?: number | null;
}

/** Horizontal bars, with an optional tick for what was expected. */
export function barChart(bars: Bar[], options: { xLabel: string; domain?: [number, number] }): SVGElement | HTMLElement {
  const expected = bars.filter((bar) => bar.expected !== null && bar.expected !== undefined);
  return withoutInlineStyles(
    Plot.plot({
      className: CLASS_NAME,
      width: 760,
      height: 40 + bars.length * 26,
      marginLeft: 230,
      marginRight: 30,
      style: { fontSize: '12px', background: 'transparent' },
      x: { label: options.xLabel, grid: true, ...(options.domain ? { domain: options.domain } : {}) },
      y: { label: null, domain: bars.map((bar) => bar.label) },
      marks: [
        Plot.barX(bars, {
          x: 'value',
          y: 'label',
          fill: '#0072B2',
          className: 'mark-bars',
          title: (bar: Bar) => `${bar.label}: ${bar.value}`,
        }),
        Plot.tickX(expected, { x: 'expected', y: 'label', stroke: '#D55E00', strokeWidth: 3, className: 'mark-expected' }),
        Plot.ruleX([0]),
      ],
    }),
  );
}
