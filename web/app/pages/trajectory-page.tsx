import { useEffect, useMemo, useRef, useState } from 'react';
import { graphql } from '../api';
import { AVAILABILITY, outcomeText, words } from '../format';
import { type CatalogueQuery, TrajectoryDetailDocument, type TrajectoryDetailQuery } from '../generated/operations';
import type { Session } from '../session';
import { ErrorMessage, Loading } from '../ui';
import { useAsync } from '../use-async';
import { type Detail, DOMAINS, DomainSection, DoseSection, FidelitySection, RecognitionSection } from './trajectory-sections';

// One trajectory as a picture: the N=1 chart per domain and the care delivered. Researchers see
// day offsets and the start month only, exactly as the API gives them.

/** The phase chosen by default: the first trauma treatment (the study's intervention of interest), else none. */
function defaultPhase(detail: Detail): string {
  const sorted = [...detail.careActivities].sort((a, b) => a.day - b.day);
  return sorted.find((a) => a.activityTypeCode.startsWith('trauma_treatment'))?.activityTypeCode ?? '';
}

export function TrajectoryPage({
  session,
  catalogue,
  id,
  release,
}: {
  session: Session;
  catalogue: CatalogueQuery;
  id: string;
  /** The research release picked in the list (researchers; null: the latest). */
  release: string | null;
}) {
  const researcher = catalogue.viewer.role === 'researcher';
  // undefined: not chosen yet (the default needs the trajectory's activities); '': no phase.
  const [phase, setPhase] = useState<string | undefined>(undefined);
  const state = useAsync(
    () =>
      graphql(session, TrajectoryDetailDocument, {
        id,
        withPhase: Boolean(phase),
        phaseActivity: phase || null,
        release: researcher ? release : null,
      }),
    [session, id, phase, release],
  );
  const last = useRef<TrajectoryDetailQuery | null>(null);
  if (state.status === 'done') last.current = state.data;
  const detail =
    last.current?.trajectory?.id === id ? last.current.trajectory : state.status === 'done' ? state.data.trajectory : undefined;

  useEffect(() => {
    if (phase === undefined && state.status === 'done' && state.data.trajectory) setPhase(defaultPhase(state.data.trajectory));
  }, [phase, state]);
  const heading = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again on purpose when the trajectory changes, to focus its heading
  useEffect(() => heading.current?.focus(), [id]);

  const phases = useMemo(() => {
    const first = new Map<string, number>();
    for (const activity of detail?.careActivities ?? [])
      first.set(activity.activityTypeCode, Math.min(first.get(activity.activityTypeCode) ?? Infinity, activity.day));
    return [...first]
      .sort((a, b) => a[1] - b[1])
      .map(([code, day]) => ({ code, day, name: catalogue.activityTypes.find((t) => t.code === code)?.name ?? code }));
  }, [detail, catalogue]);

  return (
    <article aria-labelledby="trajectory-heading">
      <p>
        <a href="#/trajectories">← All trajectories</a>
      </p>
      <h1 id="trajectory-heading" tabIndex={-1} ref={heading}>
        Trajectory <code>{id.slice(0, 8)}</code>
      </h1>
      {state.status === 'error' ? <ErrorMessage error={state.error} /> : null}
      {state.status === 'loading' && !detail ? <Loading what="the trajectory" /> : null}
      {state.status === 'done' && !state.data.trajectory ? (
        <div className="error" role="alert" data-error-code="NOT_FOUND">
          {researcher ? (
            <p>
              <strong>Not in {release ? `release ${release}` : 'the latest research release'}.</strong> Researchers see a trajectory only
              once it has research consent, has ended, the quarter it ended in has passed, and a release has been made since; a trajectory
              erased at the youth’s request leaves every release.
            </p>
          ) : (
            <p>
              <strong>No such trajectory among your institution’s records.</strong>
            </p>
          )}
        </div>
      ) : null}
      {detail ? (
        <TrajectoryBody
          detail={detail}
          catalogue={catalogue}
          phase={phase ?? ''}
          phases={phases}
          onPhase={setPhase}
          updating={state.status === 'loading'}
        />
      ) : null}
    </article>
  );
}

function TrajectoryBody({
  detail,
  catalogue,
  phase,
  phases,
  onPhase,
  updating,
}: {
  detail: Detail;
  catalogue: CatalogueQuery;
  phase: string;
  phases: Array<{ code: string; day: number; name: string }>;
  onPhase: (code: string) => void;
  updating: boolean;
}) {
  const chosen = phases.find((p) => p.code === phase);
  const maxDay = Math.max(
    detail.endDay ?? 0,
    detail.daysInCare ?? 0,
    ...detail.series.flatMap((s) => s.observations.map((o) => o.day)),
    ...detail.careActivities.map((a) => a.day),
  );
  const programme = catalogue.programmes.find((p) => p.code === detail.programmeCode);
  return (
    <>
      <dl className="facts" data-testid="facts">
        <dt>Programme</dt>
        <dd>{programme?.name ?? detail.programmeCode}</dd>
        <dt>Institution</dt>
        <dd>{detail.institutionCode}</dd>
        <dt>Start</dt>
        <dd>{detail.startDate ?? detail.startMonth}</dd>
        <dt>Days in care</dt>
        <dd>{detail.daysInCare ?? (detail.endDay === null ? 'open' : '—')}</dd>
        <dt>End reason</dt>
        <dd>{words(detail.endReason) === '—' ? 'open' : words(detail.endReason)}</dd>
        <dt>Youth</dt>
        <dd>
          {detail.subject.ageAtStart} years at the start, {words(detail.subject.gender)}
        </dd>
        {detail.researchAvailability !== 'released' || detail.startDate ? (
          <>
            <dt>Researchers</dt>
            <dd data-testid="research-availability">{AVAILABILITY[detail.researchAvailability]}</dd>
          </>
        ) : null}
        <dt>{detail.endReason ? 'Outcome at discharge' : 'Outcome class so far'}</dt>
        <dd data-testid="outcome-class">{outcomeText(detail.outcomeClass, detail.endReason !== null)}</dd>
        <dt>Placements</dt>
        <dd>{detail.placements.map((p) => `${words(p.setting)} (day ${p.startDay}–${p.endDay ?? '…'})`).join('; ') || '—'}</dd>
      </dl>
      <form className="phase" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="phase">Phase B starts at the first</label>
        <select id="phase" value={phase} onChange={(event) => onPhase(event.target.value)}>
          <option value="">(no phase)</option>
          {phases.map((p) => (
            <option key={p.code} value={p.code}>
              {p.name} (day {p.day})
            </option>
          ))}
        </select>
        <span role="status" aria-live="polite" className="muted">
          {updating ? 'Updating NAP and Tau-U…' : ''}
        </span>
      </form>
      <p className="muted">
        NAP (Parker &amp; Vannest 2009), Tau-U (Parker et al. 2011) and Tau-BC (Tarlow 2017) compare the observations before the phase line
        (A) with those from it on (B), each informant on their own, and need three of each; positive means improvement (NAP: above 0.5).
        Tau-BC removes the baseline’s Theil–Sen trend only where Kendall’s test finds it significant (p &lt; .05), over session numbers
        rather than days; the table says which it did. Reliable change compares the first and the last observation (Jacobson &amp; Truax
        1991): reliable beyond an RCI of ±1.96, positive is better.
      </p>
      {[...DOMAINS, null].map((domain) => (
        <DomainSection
          key={domain ?? 'other'}
          domain={domain}
          detail={detail}
          catalogue={catalogue}
          phaseDay={chosen?.day ?? null}
          phaseLabel={chosen?.name ?? ''}
          maxDay={maxDay}
        />
      ))}
      <RecognitionSection detail={detail} catalogue={catalogue} />
      <DoseSection detail={detail} catalogue={catalogue} />
      <FidelitySection detail={detail} />
    </>
  );
}
