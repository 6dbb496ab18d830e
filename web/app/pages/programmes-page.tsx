import { useEffect, useRef } from 'react';
import type { CatalogueQuery, StatisticsGrouping } from '../generated/operations';
import type { Session } from '../session';
import { type Comparison, GROUPINGS } from '../statistics';
import { ErrorMessage, Loading } from '../ui';
import { CareSection, OutcomesSection, OverviewSection, PerspectiveSection, RecognitionSection, useComparison } from './programme-sections';

// Programmes side by side (funders, researchers, institutions), from the statistics the API
// publishes by the cell-key method. An institution sees its own figures beside the national ones.
// The overview is asked first: where the API refuses the role, its refusal is the page.

export function ProgrammesPage({
  session,
  catalogue,
  groupBy,
  onGroupBy,
}: {
  session: Session;
  catalogue: CatalogueQuery;
  groupBy: StatisticsGrouping;
  onGroupBy: (groupBy: StatisticsGrouping) => void;
}) {
  const overview = useComparison(session, 'overview', groupBy);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const groupLabel = GROUPINGS.find((g) => g.code === groupBy)?.label ?? groupBy;
  const props = { session, catalogue, groupBy, groupLabel };
  return (
    <article aria-labelledby="programmes-heading">
      <h1 id="programmes-heading" tabIndex={-1} ref={heading}>
        Programmes side by side
      </h1>
      <form className="phase" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="group-by">Group by</label>
        <select id="group-by" value={groupBy} onChange={(event) => onGroupBy(event.target.value as StatisticsGrouping)}>
          {GROUPINGS.map((g) => (
            <option key={g.code} value={g.code}>
              {g.label}
            </option>
          ))}
        </select>
        <span className="muted">Recognition is always grouped by problem recognition at intake.</span>
      </form>
      {overview.status === 'loading' ? <Loading what="the statistics" /> : null}
      {overview.status === 'error' ? <ErrorMessage error={overview.error} /> : null}
      {overview.status === 'done' ? (
        <>
          <Disclosure comparison={overview.data} />
          <OverviewSection state={overview} catalogue={catalogue} groupLabel={groupLabel} />
          <OutcomesSection {...props} />
          <RecognitionSection {...props} />
          <PerspectiveSection {...props} />
          <CareSection {...props} />
        </>
      ) : null}
    </article>
  );
}

/** What protects these figures, in the API's own words (its disclosureControl). */
function Disclosure({ comparison }: { comparison: Comparison }) {
  const { national, own } = comparison;
  const control = national.disclosureControl;
  return (
    <section className="disclosure" aria-labelledby="disclosure-heading" data-testid="disclosure">
      <h2 id="disclosure-heading">How these figures are protected</h2>
      <p>
        Method <strong>{control.method}</strong> (perturbation table <code>{control.perturbationTable}</code>): every count is off by at
        most <strong data-testid="maximum-deviation">{control.maximumDeviation}</strong> either way, and is 0 or more than{' '}
        {control.threshold}. Means and medians are <span className="suppressed">suppressed</span> where fewer than {control.minimumBase}{' '}
        published contributors stand behind them. Population:{' '}
        {national.population === 'research_release'
          ? `trajectories with research consent granted that ended before ${control.release?.researchCutoff ?? 'the research cut-off'} (what you see at record level)`
          : 'trajectories with research consent granted or unknown'}
        {own ? '; your institution’s own figures are perturbed the same way' : ''}.
      </p>
      <p data-testid="release">
        {control.release
          ? `Release ${control.release.id} (${control.release.period}, ${control.releaseCalendar} calendar): these figures stay as they are until the next release.`
          : 'Nothing has been released yet.'}
      </p>
      <details>
        <summary>The API’s notes on this method</summary>
        <ul>
          {control.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      </details>
    </section>
  );
}
