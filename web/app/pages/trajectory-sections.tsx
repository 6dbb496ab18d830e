import { barChart, INFORMANTS, type Instrument, levelLabel, seriesChart } from '../charts';
import {
  baselineTrendText,
  formatNumber,
  formatRci,
  nonOverlapNote,
  RCI_THRESHOLD,
  reliableChangeWords,
  tauUOutOfRange,
  words,
  yesNo,
} from '../format';
import type { CatalogueQuery, Domain, TrajectoryDetailQuery } from '../generated/operations';
import { baselineTrendLine, type TrendPoint } from '../trend';
import { ChartFigure, DataTable } from '../ui';

// The parts of the trajectory page: the N=1 charts per domain, problem recognition at intake,
// dose beside the fixed offer, fidelity per core element. Each chart has its table alternative.

export type Detail = NonNullable<TrajectoryDetailQuery['trajectory']>;
type Series = Detail['series'][number];
type Catalogue = CatalogueQuery;

export const DOMAINS: Domain[] = ['exploitation_resilience', 'social_emotional', 'family_network', 'participation'];
const byInformant = (a: Series, b: Series) => INFORMANTS.indexOf(a.informant) - INFORMANTS.indexOf(b.informant);

/** The API's per-series indicators: reliable change (Jacobson & Truax) and non-overlap for the chosen phase. */
function SeriesTable({ instrument, series, testId }: { instrument: Instrument; series: Series[]; testId: string }) {
  const value = (v: number | undefined) =>
    v === undefined ? '—' : instrument.kind === 'status' ? levelLabel(instrument, v) : formatNumber(v);
  const beyond = series.filter((s) => tauUOutOfRange(s.nonOverlap?.tauU));
  return (
    <>
      <DataTable
        testId={testId}
        caption={`${instrument.name}: reliable change and non-overlap per informant`}
        rows={[...series].sort(byInformant)}
        columns={[
          { header: 'Informant', cell: (s) => s.informant },
          { header: 'Observations', numeric: true, cell: (s) => s.observations.length },
          { header: 'First', numeric: true, cell: (s) => value(s.observations[0]?.value) },
          { header: 'Last', numeric: true, cell: (s) => value(s.observations.at(-1)?.value) },
          { header: 'Change', cell: (s) => words(s.change) },
          { header: 'Reliable change (first to last)', cell: (s) => reliableChangeWords(s.reliableChange) },
          { header: `RCI (reliable beyond ±${RCI_THRESHOLD})`, numeric: true, cell: (s) => formatRci(s.reliableChange?.rci) },
          { header: 'NAP', numeric: true, cell: (s) => formatNumber(s.nonOverlap?.nap) },
          { header: 'Tau-U', numeric: true, cell: (s) => formatNumber(s.nonOverlap?.tauU) },
          { header: 'Tau-BC', numeric: true, cell: (s) => formatNumber(s.nonOverlap?.tauBC) },
          { header: 'Baseline trend (Tau-BC)', cell: (s) => baselineTrendText(s.nonOverlap?.baselineTrend) },
          {
            header: 'Phases A/B',
            numeric: true,
            cell: (s) => (s.nonOverlap ? `${s.nonOverlap.phaseALength}/${s.nonOverlap.phaseBLength}` : '—'),
          },
          { header: 'Note', cell: (s) => nonOverlapNote(s.nonOverlap) },
        ]}
      />
      {beyond.length > 0 ? (
        <p className="muted" data-testid={`${testId}-tau-u-note`}>
          Tau-U of {beyond.map((s) => s.informant).join(', ')} lies beyond ±1. Tau-U subtracts the baseline’s own trend (Kendall’s S within
          phase A) from the A-versus-B comparison and divides by the m·n pairs, as Parker et al. (2011) and SingleCaseES do; a baseline
          trend running against the phase difference can take it past ±1. It is not a share: read Tau-BC beside it.
        </p>
      ) : null}
    </>
  );
}

/** What the dashed lines are, and for whom Tau-BC removed the trend. */
function trendCaption(trends: TrendPoint[], corrected: string[]): string {
  const informants = [...new Set(trends.map((t) => t.informant))];
  if (informants.length === 0) return '';
  return ` Thin dashed lines: the baseline's Theil–Sen trend of ${informants.join(', ')} (over session numbers, drawn at the sessions' days), dotted where extended into phase B. Tau-BC ${corrected.length ? `removed it for ${corrected.join(', ')} (trend significant, Tarlow 2017)` : 'removed none (no significant baseline trend, Tarlow 2017)'}.`;
}

export function DomainSection({
  domain,
  detail,
  catalogue,
  phaseDay,
  phaseLabel,
  maxDay,
}: {
  domain: Domain | null;
  detail: Detail;
  catalogue: Catalogue;
  phaseDay: number | null;
  phaseLabel: string;
  maxDay: number;
}) {
  const series = detail.series.filter((s) => (catalogue.instruments.find((i) => i.code === s.instrumentCode)?.domain ?? null) === domain);
  if (series.length === 0) return null;
  const status = domain ? detail.domainStatuses.find((entry) => entry.domain === domain) : undefined;
  const codes = [...new Set(series.map((s) => s.instrumentCode))];
  const id = `domain-${domain ?? 'other'}`;
  return (
    <section aria-labelledby={`${id}-heading`} className="domain" data-testid={id}>
      <h2 id={`${id}-heading`}>{domain ? `Domain: ${words(domain)}` : 'Other instruments'}</h2>
      {status ? (
        <p className="domain-status">
          Status <strong>{words(status.status)}</strong> · problem recognition at intake <strong>{words(status.intakeRecognition)}</strong>
        </p>
      ) : null}
      {codes.map((code) => {
        const instrument = catalogue.instruments.find((i) => i.code === code);
        if (!instrument) return null;
        const mine = series.filter((s) => s.instrumentCode === code);
        const points = mine.flatMap((s) => s.observations.map((o) => ({ informant: s.informant, day: o.day, value: o.value })));
        const trends =
          phaseDay === null
            ? []
            : mine.flatMap((s) => {
                const trend = s.nonOverlap?.baselineTrend;
                return trend ? baselineTrendLine(s.informant, s.observations, phaseDay, trend.slope, instrument.higherIsBetter) : [];
              });
        const corrected = mine.filter((s) => s.nonOverlap?.baselineTrend?.corrected).map((s) => s.informant);
        return (
          <div key={code} className="instrument">
            <ChartFigure
              id={`chart-${code}`}
              title={`${instrument.name}: every informant over days since the start`}
              description={`${points.length} observations from ${mine.length} informant(s).${instrument.clinicalCutoff !== null && instrument.clinicalCutoff !== undefined ? ` Clinical cut-off ${instrument.clinicalCutoff}.` : ''}${phaseDay !== null ? ` Phase B from day ${phaseDay} (${phaseLabel}).` : ' No phase chosen.'}${trendCaption(trends, corrected)}`}
              draw={() => seriesChart(instrument, points, { maxDay, phaseDay, phaseLabel, trends })}
              table={
                <DataTable
                  testId={`observations-${code}`}
                  caption={`${instrument.name}: observations`}
                  rows={points}
                  columns={[
                    { header: 'Informant', cell: (p) => p.informant },
                    { header: 'Day', numeric: true, cell: (p) => p.day },
                    {
                      header: 'Value',
                      numeric: true,
                      cell: (p) => (instrument.kind === 'status' ? levelLabel(instrument, p.value) : formatNumber(p.value)),
                    },
                  ]}
                />
              }
            />
            <SeriesTable instrument={instrument} series={mine} testId={`series-${code}`} />
          </div>
        );
      })}
    </section>
  );
}

/** Is a value on the problem side of the instrument's cut-off? */
const problem = (instrument: Instrument, value: number) =>
  instrument.clinicalCutoff === null || instrument.clinicalCutoff === undefined
    ? null
    : instrument.higherIsBetter
      ? value < instrument.clinicalCutoff
      : value > instrument.clinicalCutoff;

/** The study's key signal: does the youth report problems where parent or mentor do? */
export function RecognitionSection({ detail, catalogue }: { detail: Detail; catalogue: Catalogue }) {
  const first = detail.series
    .map((s) => ({ series: s, instrument: catalogue.instruments.find((i) => i.code === s.instrumentCode), observation: s.observations[0] }))
    .filter((row): row is { series: Series; instrument: Instrument; observation: Series['observations'][number] } =>
      Boolean(row.instrument?.domain && row.instrument.kind === 'score' && row.observation),
    )
    .sort((a, b) => a.series.instrumentCode.localeCompare(b.series.instrumentCode) || byInformant(a.series, b.series));
  return (
    <section aria-labelledby="recognition-heading" data-testid="recognition">
      <h2 id="recognition-heading">Problem recognition at intake</h2>
      <p>
        Overall: <strong data-testid="recognition-overall">{words(detail.problemRecognition.overall)}</strong>. Per domain, from the youth’s
        own reports beside the parent’s and mentor’s:
      </p>
      <DataTable
        testId="recognition-domains"
        caption="Problem recognition at intake per domain"
        rows={DOMAINS.map(
          (domain) =>
            detail.domainStatuses.find((entry) => entry.domain === domain) ?? {
              domain,
              status: 'unknown' as const,
              intakeRecognition: 'unknown' as const,
            },
        )}
        columns={[
          { header: 'Domain', cell: (entry) => words(entry.domain) },
          { header: 'Intake recognition', cell: (entry) => words(entry.intakeRecognition) },
          { header: 'Domain status at the end', cell: (entry) => words(entry.status) },
        ]}
      />
      <DataTable
        testId="recognition-first"
        caption="First observation of each informant (score instruments), against the clinical cut-off"
        rows={first}
        columns={[
          { header: 'Instrument', cell: (row) => row.instrument.name },
          { header: 'Informant', cell: (row) => row.series.informant },
          { header: 'Day', numeric: true, cell: (row) => row.observation.day },
          { header: 'Value', numeric: true, cell: (row) => formatNumber(row.observation.value) },
          { header: 'Problem (beyond cut-off)', cell: (row) => yesNo(problem(row.instrument, row.observation.value)) },
        ]}
      />
    </section>
  );
}

const PER_MONTH: Record<string, number | null> = { week: 52 / 12, month: 1, quarter: 1 / 3, trajectory: null };

export function DoseSection({ detail, catalogue }: { detail: Detail; catalogue: Catalogue }) {
  const offer = catalogue.programmes.find((p) => p.code === detail.programmeCode)?.fixedOffer ?? [];
  const name = (code: string) => catalogue.activityTypes.find((a) => a.code === code)?.name ?? code;
  const perMonthKnown = detail.dose.some((d) => d.perMonthInCare !== null && d.perMonthInCare !== undefined);
  const rows = detail.dose.map((d) => {
    const offered = offer.find((o) => o.activityTypeCode === d.activityTypeCode);
    const factor = offered ? PER_MONTH[offered.period] : null;
    return {
      ...d,
      name: name(d.activityTypeCode),
      offered,
      expectedPerMonth: offered && factor !== null && factor !== undefined ? offered.expectedCount * factor : null,
    };
  });
  return (
    <section aria-labelledby="dose-heading" data-testid="dose">
      <h2 id="dose-heading">Dose per activity type</h2>
      <ChartFigure
        id="chart-dose"
        title={perMonthKnown ? 'Occurrences per month in care, beside the programme’s fixed offer' : 'Occurrences delivered'}
        description={
          perMonthKnown
            ? 'Bars: delivered per month in care. Orange ticks: expected per month by the fixed offer.'
            : 'Per month in care is given for ended trajectories only (researchers); bars show the count delivered.'
        }
        draw={() =>
          barChart(
            rows.map((r) => ({
              label: r.name,
              value: perMonthKnown ? (r.perMonthInCare ?? 0) : r.count,
              expected: perMonthKnown ? r.expectedPerMonth : null,
            })),
            { xLabel: perMonthKnown ? 'per month in care →' : 'occurrences →' },
          )
        }
        table={<span className="muted">The table below holds every value of this chart.</span>}
      />
      <DataTable
        testId="dose-table"
        caption="Dose per activity type"
        rows={rows}
        columns={[
          { header: 'Activity type', cell: (r) => r.name },
          { header: 'Occurrences', numeric: true, cell: (r) => r.count },
          { header: 'Minutes', numeric: true, cell: (r) => r.minutes },
          { header: 'Per month in care', numeric: true, cell: (r) => formatNumber(r.perMonthInCare) },
          {
            header: 'Fixed offer',
            cell: (r) => (r.offered ? `${r.offered.expectedCount} per ${r.offered.period}` : 'not in the fixed offer'),
          },
        ]}
      />
    </section>
  );
}

export function FidelitySection({ detail }: { detail: Detail }) {
  const fidelity = detail.fidelity;
  return (
    <section aria-labelledby="fidelity-heading" data-testid="fidelity">
      <h2 id="fidelity-heading">Fidelity per core element</h2>
      {fidelity ? (
        <>
          <p>
            Summary score <strong data-testid="fidelity-summary">{formatNumber(fidelity.summary)}</strong> (0–1: delivered against the
            programme’s fixed offer, capped at 1 per item).
          </p>
          <ChartFigure
            id="chart-fidelity"
            title="Fidelity score per core element"
            description="0 means nothing of the fixed offer for that core element was delivered, 1 all of it."
            draw={() =>
              barChart(
                fidelity.coreElements.map((c) => ({ label: words(c.coreElement), value: c.score })),
                { xLabel: 'score →', domain: [0, 1] },
              )
            }
            table={<span className="muted">The table below holds every value of this chart.</span>}
          />
          <DataTable
            testId="fidelity-table"
            caption="Fidelity per core element"
            rows={fidelity.coreElements}
            columns={[
              { header: 'Core element', cell: (c) => words(c.coreElement) },
              { header: 'Expected', numeric: true, cell: (c) => formatNumber(c.expected) },
              { header: 'Delivered', numeric: true, cell: (c) => c.delivered },
              { header: 'Score', numeric: true, cell: (c) => formatNumber(c.score) },
            ]}
          />
        </>
      ) : (
        <p data-testid="fidelity-unavailable">
          Not available: for researchers, fidelity is given for ended trajectories only (it depends on the exact time in care).
        </p>
      )}
    </section>
  );
}
