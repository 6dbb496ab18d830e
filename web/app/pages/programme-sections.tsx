import type { ReactNode } from 'react';
import { graphql } from '../api';
import { words } from '../format';
import { type CatalogueQuery, ComparisonDocument, type StatisticsGrouping, type StatisticsMeasure } from '../generated/operations';
import {
  activityLabel,
  DOMAIN_STATUSES,
  DOMAINS,
  domainBases,
  domainMatrix,
  domainParts,
  doseMatrix,
  fidelityLabel,
  fidelityMatrix,
  heatCells,
  OUTCOME_CLASSES,
  outcomeBases,
  outcomeMatrix,
  outcomeParts,
  overviewMatrix,
  perspectiveItems,
  perspectiveMatrix,
} from '../programme-matrices';
import type { Session } from '../session';
import { type Comparison, keysOf, type Line, linesOf } from '../statistics';
import { heatmapChart, partsChart } from '../statistics-charts';
import { ErrorMessage, Loading } from '../ui';
import { type AsyncState, useAsync } from '../use-async';
import { StatisticsFigure } from './statistics-figure';

// The sections of the programmes page, one protected answer each (GraphQL `comparison`: for an
// institution its own figures beside the national ones).

export interface SectionProps {
  session: Session;
  catalogue: CatalogueQuery;
  groupBy: StatisticsGrouping;
  groupLabel: string;
}

export function useComparison(session: Session, measure: StatisticsMeasure, groupBy: StatisticsGrouping | null): AsyncState<Comparison> {
  return useAsync(
    () => graphql(session, ComparisonDocument, { measure, groupBy }).then((answer) => answer.comparison),
    [session, measure, groupBy],
  );
}

/** A section's heading, its loading state or the API's refusal, and when its figures were released. */
export function Section({
  id,
  title,
  state,
  children,
}: {
  id: string;
  title: string;
  state: AsyncState<Comparison>;
  children: (comparison: Comparison) => ReactNode;
}) {
  const released = state.status === 'done' ? state.data.national.disclosureControl.releasedAt : null;
  return (
    <section aria-labelledby={`${id}-heading`} data-testid={`section-${id}`} aria-busy={state.status === 'loading'}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {state.status === 'loading' ? <Loading what={title.toLowerCase()} /> : null}
      {state.status === 'error' ? <ErrorMessage error={state.error} /> : null}
      {state.status === 'done' ? (
        <>
          <p className="muted">
            {released
              ? `Figures released ${released.slice(0, 16).replace('T', ' ')} UTC.`
              : 'Not released yet: the figures appear at the first release.'}
          </p>
          {children(state.data)}
        </>
      ) : null}
    </section>
  );
}

const rowsOf = (lines: Line[]) => lines.map((line) => line.chartLabel);
const PERTURBED = 'Counts are perturbed by the cell-key method;';

/** The overview's answer is asked by the page (its refusal stands for the whole page). */
export function OverviewSection({
  state,
  catalogue,
  groupLabel,
}: {
  state: AsyncState<Comparison>;
  catalogue: CatalogueQuery;
  groupLabel: string;
}) {
  return (
    <Section id="overview" title="Trajectories and youths" state={state}>
      {(comparison) => (
        <StatisticsFigure
          id="overview"
          title="Trajectories started, ended and active; distinct youths; days in care"
          description={`${PERTURBED} a median is suppressed where its published base is too small.`}
          caption={`Overview per ${groupLabel.toLowerCase()}`}
          matrix={overviewMatrix(linesOf(comparison, catalogue), groupLabel)}
        />
      )}
    </Section>
  );
}

export function OutcomesSection({ session, catalogue, groupBy, groupLabel }: SectionProps) {
  const state = useComparison(session, 'outcomes', groupBy);
  return (
    <Section id="outcomes" title="Outcome classes and domains" state={state}>
      {(comparison) => {
        const lines = linesOf(comparison, catalogue);
        return (
          <>
            <StatisticsFigure
              id="outcomes"
              title={`Outcome class per ${groupLabel.toLowerCase()}: share of its trajectories, ended or still in care`}
              description={`Each bar: the trajectories of one row by the outcome class of their latest measurements, as shares of the row's published count (n, right of the bar). Trajectories still in care are counted with the class they have so far: this is not an outcome at discharge. ${PERTURBED} hover a bar or open the table for the counts.`}
              caption={`Outcome classes per ${groupLabel.toLowerCase()} (published counts)`}
              matrix={outcomeMatrix(lines, groupLabel)}
              draw={() =>
                partsChart(outcomeParts(lines), {
                  rows: rowsOf(lines),
                  parts: OUTCOME_CLASSES.map(words),
                  normalize: true,
                  xLabel: 'Share of the trajectories →',
                  bases: outcomeBases(lines),
                })
              }
            />
            <StatisticsFigure
              id="domains"
              title={`Status per domain, per ${groupLabel.toLowerCase()} (shares published by the API)`}
              description="One panel per domain; each bar: the trajectories of one row with a known status in that domain, as shares (a perturbed count over the perturbed counts of its domain) of n, the published number with a known status, written right of the bar. A share of nothing is suppressed."
              caption={`Domain statuses per ${groupLabel.toLowerCase()}`}
              matrix={domainMatrix(lines, groupLabel)}
              draw={() =>
                partsChart(domainParts(lines), {
                  rows: rowsOf(lines),
                  parts: DOMAIN_STATUSES.map(words),
                  facets: DOMAINS.map(words),
                  normalize: false,
                  xLabel: 'Share →',
                  bases: domainBases(lines),
                })
              }
            />
          </>
        );
      }}
    </Section>
  );
}

export function RecognitionSection({ session, catalogue }: SectionProps) {
  const state = useComparison(session, 'recognition', null);
  return (
    <Section id="recognition" title="Outcome by problem recognition at intake" state={state}>
      {(comparison) => {
        const lines = linesOf(comparison, catalogue);
        return (
          <StatisticsFigure
            id="recognition"
            title="Outcome class by the youth's problem recognition at intake (share of each group)"
            description={`Each bar: the trajectories of one problem-recognition group (does the youth report problems where a parent or mentor does?) by outcome class, as shares of the group's published count (n, right of the bar), ended or still in care. ${PERTURBED} compare the bars to see whether low recognition goes with fewer improvements here.`}
            caption="Outcome classes per problem recognition at intake (published counts)"
            matrix={outcomeMatrix(lines, 'Problem recognition')}
            draw={() =>
              partsChart(outcomeParts(lines), {
                rows: rowsOf(lines),
                parts: OUTCOME_CLASSES.map(words),
                normalize: true,
                xLabel: 'Share of the trajectories →',
                bases: outcomeBases(lines),
              })
            }
          />
        );
      }}
    </Section>
  );
}

export function PerspectiveSection({ session, catalogue, groupBy, groupLabel }: SectionProps) {
  const state = useComparison(session, 'perspective', groupBy);
  return (
    <Section id="perspective" title="The youth's perspective: ten points for good care" state={state}>
      {(comparison) => {
        const lines = linesOf(comparison, catalogue);
        const items = perspectiveItems(lines, catalogue);
        const instrument = catalogue.instruments.find((i) => i.code === items[0]?.key);
        return (
          <StatisticsFigure
            id="perspective"
            title={`Mean of each youth's latest answer per item, per ${groupLabel.toLowerCase()}`}
            description="Means carry noise of the cell-key method and are suppressed (grey, “supp.”) where the published number of respondents is below the minimum base."
            caption={`Youth-perspective items per ${groupLabel.toLowerCase()}`}
            matrix={perspectiveMatrix(lines, groupLabel, catalogue)}
            draw={() =>
              heatmapChart(
                heatCells(lines, items, (k) => `${k}.mean`),
                {
                  rows: rowsOf(lines),
                  columns: items.map((i) => i.label),
                  domain: [instrument?.minValue ?? 1, instrument?.maxValue ?? 4],
                  label: 'Mean answer',
                },
              )
            }
          />
        );
      }}
    </Section>
  );
}

export function CareSection({ session, catalogue, groupBy, groupLabel }: SectionProps) {
  const state = useComparison(session, 'care', groupBy);
  return (
    <Section id="care" title="Care delivered: fidelity and dose" state={state}>
      {(comparison) => {
        const lines = linesOf(comparison, catalogue);
        const elements = keysOf(lines, 'fidelity', 'median').map((key) => ({ key, label: fidelityLabel(key) }));
        const activities = keysOf(lines, 'dose', 'medianPerMonth').map((key) => ({ key, label: activityLabel(catalogue, key) }));
        const doses = heatCells(lines, activities, (k) => `dose.${k}.medianPerMonth`);
        const highest = Math.max(1, ...doses.map((cell) => cell.value ?? 0));
        return (
          <>
            <StatisticsFigure
              id="fidelity"
              title={`Fidelity to the programme's fixed offer: median score per core element, per ${groupLabel.toLowerCase()}`}
              description="1 means the fixed offer was delivered in full. Medians carry noise and are suppressed (grey, “supp.”) over too few scored trajectories."
              caption={`Fidelity per ${groupLabel.toLowerCase()}`}
              matrix={fidelityMatrix(lines, groupLabel)}
              draw={() =>
                heatmapChart(
                  heatCells(lines, elements, (k) => `fidelity.${k}.median`),
                  { rows: rowsOf(lines), columns: elements.map((e) => e.label), domain: [0, 1], label: 'Median fidelity score' },
                )
              }
            />
            <StatisticsFigure
              id="dose"
              title={`Dose: median occurrences per month in care of each activity type, per ${groupLabel.toLowerCase()}`}
              description="Over the trajectories that received the activity; suppressed (grey, “supp.”) where too few did."
              caption={`Dose per activity type per ${groupLabel.toLowerCase()}`}
              matrix={doseMatrix(lines, groupLabel, catalogue)}
              draw={() =>
                heatmapChart(doses, {
                  rows: rowsOf(lines),
                  columns: activities.map((a) => a.label),
                  domain: [0, highest],
                  label: 'Median per month',
                  scheme: 'greens',
                })
              }
            />
          </>
        );
      }}
    </Section>
  );
}
