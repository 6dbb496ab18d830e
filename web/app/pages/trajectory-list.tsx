import { type FormEvent, useState } from 'react';
import { download, graphql, messageFor } from '../api';
import { AVAILABILITY, formatNumber, listStatus, outcomeText, words } from '../format';
import {
  type CatalogueQuery,
  type ReleasesQuery,
  ReleasesDocument,
  type TrajectoryFilter,
  type TrajectoryListQuery,
  TrajectoryListDocument,
} from '../generated/operations';
import type { Session } from '../session';
import { DataTable, ErrorMessage, Loading } from '../ui';
import { useAsync } from '../use-async';

// Trajectories within the key's scope, with the API's filters and its cursor paging.

export interface ListState {
  filter: TrajectoryFilter;
  /** The research release a researcher reads (null: the latest). */
  release: string | null;
  first: number;
  /** The cursors of the pages before this one ('' for the first page), so Previous can go back. */
  cursors: string[];
}

export const INITIAL_LIST: ListState = { filter: {}, release: null, first: 20, cursors: [''] };

const ENUMS = {
  setting: ['closed_residential', 'open_residential', 'small_scale_residential', 'ambulatory'],
  gender: ['girl', 'boy', 'non_binary', 'other', 'unknown'],
  endReason: ['completed', 'transferred', 'premature_end', 'other'],
  consent: ['granted', 'refused', 'withdrawn', 'unknown'],
  outcomeClass: ['improved', 'not_improved', 'mixed', 'insufficient_data'],
  problemRecognition: ['low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown'],
} as const;

/** The form's fields as the API's filter: empty fields are left out. */
function filterOf(form: HTMLFormElement): TrajectoryFilter {
  const data = new FormData(form);
  const text = (name: string) => {
    const value = String(data.get(name) ?? '').trim();
    return value === '' ? undefined : value;
  };
  const number = (name: string) => (text(name) === undefined ? undefined : Number(text(name)));
  const filter: Record<string, unknown> = {
    institution: text('institution'),
    programme: text('programme'),
    setting: text('setting'),
    gender: text('gender'),
    ageAtStartMin: number('ageAtStartMin'),
    ageAtStartMax: number('ageAtStartMax'),
    startedFrom: text('startedFrom'),
    startedTo: text('startedTo'),
    endReason: text('endReason'),
    consent: text('consent'),
    ongoing: text('ongoing') === undefined ? undefined : text('ongoing') === 'true',
    outcomeClass: text('outcomeClass'),
    problemRecognition: text('problemRecognition'),
  };
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as TrajectoryFilter;
}

function Select({
  name,
  label,
  options,
  value,
}: {
  name: string;
  label: string;
  options: readonly string[];
  value: string | null | undefined;
}) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value ?? ''}>
        <option value="">any</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {words(option)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function TrajectoryList({
  session,
  catalogue,
  state,
  onChange,
}: {
  session: Session;
  catalogue: CatalogueQuery;
  state: ListState;
  onChange: (state: ListState) => void;
}) {
  const after = state.cursors.at(-1) || null;
  const researcher = catalogue.viewer.role === 'researcher';
  const answer = useAsync(
    () => graphql(session, TrajectoryListDocument, { first: state.first, after, filter: state.filter, release: state.release }),
    [session, JSON.stringify(state)],
  );
  const [formKey, setFormKey] = useState(0);
  const institutions = [...new Set(catalogue.programmes.map((p) => p.institutionCode))].sort();
  const f = state.filter;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onChange({ ...state, filter: filterOf(event.currentTarget), cursors: [''] });
  };
  const page = answer.status === 'done' ? answer.data.trajectories : null;
  const offset = (state.cursors.length - 1) * state.first;
  return (
    <section aria-labelledby="list-heading">
      <h1 id="list-heading">Trajectories</h1>
      {researcher ? (
        <ReleasePicker
          session={session}
          read={page?.release ?? null}
          picked={state.release}
          filter={state.filter}
          onPick={(release) => onChange({ ...state, release, cursors: [''] })}
        />
      ) : null}
      <form key={formKey} className="filters" onSubmit={submit} aria-label="Filters">
        <Select name="institution" label="Institution" options={institutions} value={f.institution} />
        <Select name="programme" label="Programme" options={catalogue.programmes.map((p) => p.code)} value={f.programme} />
        <Select name="setting" label="Setting" options={ENUMS.setting} value={f.setting} />
        <Select name="gender" label="Gender" options={ENUMS.gender} value={f.gender} />
        <label>
          Age at start from
          <input name="ageAtStartMin" type="number" min={0} max={30} defaultValue={f.ageAtStartMin ?? ''} />
        </label>
        <label>
          Age at start to
          <input name="ageAtStartMax" type="number" min={0} max={30} defaultValue={f.ageAtStartMax ?? ''} />
        </label>
        <label>
          Started from (month)
          <input name="startedFrom" type="month" defaultValue={f.startedFrom ?? ''} />
        </label>
        <label>
          Started to (month)
          <input name="startedTo" type="month" defaultValue={f.startedTo ?? ''} />
        </label>
        <Select name="endReason" label="End reason" options={ENUMS.endReason} value={f.endReason} />
        {researcher ? null : <Select name="consent" label="Consent" options={ENUMS.consent} value={f.consent} />}
        <Select
          name="ongoing"
          label="Ongoing"
          options={['true', 'false']}
          value={f.ongoing === undefined || f.ongoing === null ? '' : String(f.ongoing)}
        />
        <Select name="outcomeClass" label="Outcome class" options={ENUMS.outcomeClass} value={f.outcomeClass} />
        <Select name="problemRecognition" label="Problem recognition" options={ENUMS.problemRecognition} value={f.problemRecognition} />
        <div className="filter-actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setFormKey((key) => key + 1);
              onChange({ ...state, filter: {}, cursors: [''] });
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {answer.status === 'loading' ? <Loading what="trajectories" /> : null}
      {answer.status === 'error' ? <ErrorMessage error={answer.error} /> : null}
      {page ? (
        <>
          <p role="status" aria-live="polite" data-testid="list-status">
            {listStatus(page, offset)}
          </p>
          {page.nodes.length > 1 ? <p className="muted">A column header with ⇅ sorts the trajectories of this page.</p> : null}
          <DataTable
            testId="trajectory-list"
            caption="Trajectories (open one for its N=1 charts)"
            rows={page.nodes}
            columns={[
              { header: 'Trajectory', cell: (t) => <a href={`#/trajectories/${encodeURIComponent(t.id)}`}>{t.id.slice(0, 8)}</a> },
              { header: 'Institution', cell: (t) => t.institutionCode, sortValue: (t) => t.institutionCode },
              { header: 'Programme', cell: (t) => t.programmeCode, sortValue: (t) => t.programmeCode },
              { header: 'Start month', cell: (t) => t.startMonth, sortValue: (t) => t.startMonth },
              { header: 'Age at start', numeric: true, cell: (t) => t.subject.ageAtStart, sortValue: (t) => t.subject.ageAtStart },
              { header: 'Gender', cell: (t) => words(t.subject.gender), sortValue: (t) => t.subject.gender },
              { header: 'Days in care', numeric: true, cell: (t) => formatNumber(t.daysInCare, 0), sortValue: (t) => t.daysInCare ?? null },
              { header: 'End reason', cell: (t) => (t.endReason ? words(t.endReason) : 'open'), sortValue: (t) => t.endReason ?? 'open' },
              {
                header: 'Outcome',
                cell: (t) => outcomeText(t.outcomeClass, t.endReason !== null),
                sortValue: (t) => outcomeText(t.outcomeClass, t.endReason !== null),
              },
              {
                header: 'Problem recognition',
                cell: (t) => words(t.problemRecognition.overall),
                sortValue: (t) => t.problemRecognition.overall,
              },
              ...(researcher
                ? []
                : [{ header: 'Researchers', cell: (t: (typeof page.nodes)[number]) => AVAILABILITY[t.researchAvailability] }]),
            ]}
          />
        </>
      ) : null}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          disabled={state.cursors.length <= 1}
          onClick={() => onChange({ ...state, cursors: state.cursors.slice(0, -1) })}
        >
          ← Previous
        </button>
        <button
          type="button"
          disabled={!page?.pageInfo.hasNextPage}
          onClick={() => page?.pageInfo.endCursor && onChange({ ...state, cursors: [...state.cursors, page.pageInfo.endCursor] })}
        >
          Next →
        </button>
        <label>
          Per page
          <select value={state.first} onChange={(event) => onChange({ ...state, first: Number(event.target.value), cursors: [''] })}>
            {[20, 50, 100].map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </nav>
    </section>
  );
}

/** The filters the download takes (the rest are GraphQL's alone). */
const DOWNLOAD_FILTERS = ['institution', 'programme', 'setting', 'gender', 'endReason', 'startedFrom', 'startedTo'] as const;

/** Which research release a researcher reads, how to cite it, and its download. */
function ReleasePicker({
  session,
  read,
  picked,
  filter,
  onPick,
}: {
  session: Session;
  read: TrajectoryListQuery['trajectories']['release'] | null;
  picked: string | null;
  filter: TrajectoryFilter;
  onPick: (release: string | null) => void;
}) {
  const releases = useAsync<ReleasesQuery>(() => graphql(session, ReleasesDocument, {}), [session]);
  const [saving, setSaving] = useState<string | null>(null);
  // A retired release (past RESEARCH_RELEASE_RETENTION) answers 410 when read: not offered.
  const list = releases.status === 'done' ? releases.data.releases.filter((release) => !release.retiredAt) : [];
  const save = async () => {
    if (!read) return;
    const query = new URLSearchParams();
    for (const name of DOWNLOAD_FILTERS) if (filter[name]) query.set(name, String(filter[name]));
    const suffix = query.size ? `?${query}` : '';
    setSaving('Preparing the download…');
    try {
      const bytes = await download(
        session,
        `/api/v1/research/releases/${encodeURIComponent(read.id)}/datapackage.zip${suffix}`,
        `registry-release-${read.id}.zip`,
      );
      setSaving(`Downloaded ${formatNumber(bytes / 1024, 0)} kB.`);
    } catch (error) {
      setSaving(messageFor(error).text);
    }
  };
  return (
    <div className="release" data-testid="release-picker">
      <label>
        Research release
        <select value={picked ?? ''} onChange={(event) => onPick(event.target.value || null)}>
          <option value="">latest</option>
          {list.map((release) => (
            <option key={release.id} value={release.id}>
              {release.id} ({formatNumber(release.trajectories, 0)} trajectories, ended before {release.cutoff})
            </option>
          ))}
        </select>
      </label>
      <p data-testid="release-read">
        {read
          ? `Reading release ${read.id}: every consented trajectory that ended before ${read.cutoff}, made ${read.publishedAt.slice(0, 7)}. Cite as: ${read.citation}`
          : 'No research release has been made yet: researchers see trajectories from the first release on.'}
        {read?.withdrawnTrajectoryIds.length
          ? ` ${read.withdrawnTrajectoryIds.length} trajectories were withdrawn from it since (erased): delete them from any copy you downloaded.`
          : null}
      </p>
      {read ? (
        <p>
          <button type="button" className="secondary" onClick={save}>
            Download as a data package (CSV and codebook{DOWNLOAD_FILTERS.some((name) => filter[name]) ? ', filtered' : ''})
          </button>{' '}
          <span role="status" aria-live="polite">
            {saving}
          </span>
        </p>
      ) : null}
    </div>
  );
}
