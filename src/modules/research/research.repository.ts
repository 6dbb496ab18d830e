import type { SqlConnection } from '../../db/client';
import type { careActivities, measurements, placements, programmeOfferItems } from '../../db/schema';
import type { SqlRow } from '../../db/sql-row';
import type { TrajectoryFilter } from '../../generated/graphql';
import { errors } from '../../lib/errors';
import type { RegistryScope, RequestScope } from '../../plugins/request-scope';
import { readerOf, showsCalendarDates } from './research-policy';
import type { DomainStatus, OutcomeClass, ProblemRecognition } from '../../lib/statistics/trajectory-indicators';
import type { Domain, EndReason, ExploitationAtIntake, Gender, ResearchConsent, YesNoUnknown } from '../../lib/vocabulary';

// Record-level reads for the research API. The scope is part of every statement here, child
// records included (they are joined to their trajectory and the scope applied again), so a
// batch can never mix in a row of another scope. Child statements name the ids on the
// trajectory side too: otherwise the planner hashes every trajectory in scope (126 ms against
// 3.5 ms for a page of 50 at 100,000 trajectories).

/** Whose records a statement reads: a request's scope, or the registry's own maintenance. */
export type RecordScope = RequestScope | RegistryScope;

/**
 * The scope's condition on trajectory alias `t`, with its parameter appended to `params`
 * (research-policy.ts decides the reader; a researcher sees consented trajectories that ended
 * before the release date, research-release.ts).
 */
function scopeCondition(scope: RecordScope, releasedBefore: string | null, params: unknown[]): string {
  if (scope.role === 'registry') return 'true';
  const reader = readerOf(scope);
  if (reader === 'institution' && scope.institution) {
    params.push(scope.institution.id);
    return `t.institution_id = $${params.length}::uuid`;
  }
  // Fail closed: anything else but a researcher with a release date reads nothing.
  if (reader !== 'researcher') throw errors.forbidden();
  if (releasedBefore === null) throw new Error('research reads for a researcher need a release date');
  params.push(releasedBefore);
  return `t.research_consent = 'granted' and t.end_date < $${params.length}::date`;
}

export interface TrajectoryRow {
  id: string;
  subject_id: string;
  registry_key: string;
  institution_code: string;
  programme_id: string;
  programme_code: string;
  start_date: string;
  end_date: string | null;
  end_reason: EndReason | null;
  exploitation_at_intake: ExploitationAtIntake;
  research_consent: ResearchConsent;
  birth_year: number;
  gender: Gender;
  mild_intellectual_disability: YesNoUnknown;
  prior_youth_care: YesNoUnknown;
  /** Null when none are stored yet or an update is queued: then they are computed on the spot. */
  stored_outcomes: StoredOutcomes | null;
}

/** The GraphQL input, as codegen writes it from schema.graphql: declared once, in research.graphql.ts. */
export type { TrajectoryFilter };

/**
 * The stored outcome indicators (modules/indicators), current when the trajectory waits on no
 * indicator update: writes queue it in their own transaction, and the maintainer stores the new
 * indicators and takes it off the queue in one. They are what compute-indicators gives for the
 * same series, so a page reads them instead of computing them again.
 */
export interface StoredOutcomes {
  outcome_class: OutcomeClass;
  problem_recognition: ProblemRecognition;
  statuses: Record<Domain, DomainStatus>;
}

/** A trajectory row as the research API reads it (research-releases.repository.ts freezes the same). */
export const TRAJECTORY_SELECT = `
  select t.id, t.subject_id, s.registry_key, i.code as institution_code, p.id as programme_id, p.code as programme_code,
         t.start_date::text, t.end_date::text, t.end_reason, t.exploitation_at_intake, t.research_consent,
         s.birth_year, s.gender, s.mild_intellectual_disability, s.prior_youth_care,
         case when ti.trajectory_id is not null and not exists (select 1 from indicator_queue q where q.trajectory_id = t.id)
              then json_build_object('outcome_class', ti.outcome_class, 'problem_recognition', ti.problem_recognition,
                                     'statuses', json_build_object('exploitation_resilience', ti.status_exploitation_resilience,
                                                                   'social_emotional', ti.status_social_emotional,
                                                                   'family_network', ti.status_family_network,
                                                                   'participation', ti.status_participation)) end as stored_outcomes
    from trajectories t
    join subjects s on s.id = t.subject_id
    join institutions i on i.id = t.institution_id
    join programmes p on p.id = t.programme_id
    left join trajectory_indicators ti on ti.trajectory_id = t.id`;

// Child rows as the statements below select them: the columns' types come from the tables, and
// `day` / `start_day` / `end_day` are days since the trajectory's start, computed in the query.
export type PlacementRow = SqlRow<typeof placements, 'trajectoryId' | 'setting' | 'startDate' | 'endDate'> & {
  start_day: number;
  end_day: number | null;
};

export type ActivityRow = SqlRow<
  typeof careActivities,
  'trajectoryId' | 'activityTypeCode' | 'activityDate' | 'count' | 'durationMinutes' | 'domain' | 'parentsInvolved' | 'topics'
> & { day: number };

export type MeasurementRow = SqlRow<typeof measurements, 'trajectoryId' | 'instrumentCode' | 'informant' | 'measuredOn' | 'value'> & {
  day: number;
};

export type OfferItemRow = SqlRow<
  typeof programmeOfferItems,
  'programmeId' | 'activityTypeCode' | 'expectedCount' | 'period' | 'coreElement'
>;

/** One measurement series of a trajectory, in time order. */
export interface SeriesRow {
  instrument_code: string;
  informant: string;
  /** `date` is the calendar date for an institution's own records, null otherwise. */
  observations: Array<{ day: number; value: number; date: string | null }>;
}

/** A page's row: with its series when they were asked for in the same statement. */
export interface PageRow extends TrajectoryRow {
  series?: SeriesRow[];
}

/** A measurement as `measurementsOf` gives it: instrument, informant, day, value, date (or null). */
export type MeasurementTuple = [string, string, number, number, string | null];

/**
 * Every measurement of trajectory `t` (measurements `m`) as one JSON array of tuples, in series
 * and time order: one aggregate and one sort per trajectory. A JSON object per observation
 * and an aggregate per series took about twice the database time (about 1,100 sorts for a page
 * of 50) and 40 % more bytes. Calendar dates only in an institution's scope (researchers get day
 * offsets alone).
 */
function measurementsOf(scope: RecordScope): string {
  const date = scope.role !== 'registry' && showsCalendarDates(readerOf(scope)) ? 'm.measured_on::text' : 'null';
  return `json_agg(json_build_array(m.instrument_code, m.informant, m.measured_on - t.start_date, m.value, ${date})
                   order by m.instrument_code, m.informant, m.measured_on, m.id)`;
}

/** The tuples of `measurementsOf`, split into series (they arrive in series order). */
export function seriesOfMeasurements(tuples: readonly MeasurementTuple[] | null): SeriesRow[] {
  const series: SeriesRow[] = [];
  let current: SeriesRow | undefined;
  for (const [instrument, informant, day, value, date] of tuples ?? []) {
    if (!current || current.instrument_code !== instrument || current.informant !== informant) {
      current = { instrument_code: instrument, informant, observations: [] };
      series.push(current);
    }
    current.observations.push({ day, value, date });
  }
  return series;
}

const groupBy = <Row extends { trajectory_id: string }>(rows: Row[]) => {
  const grouped = new Map<string, Row[]>();
  for (const row of rows) {
    const list = grouped.get(row.trajectory_id);
    if (list) list.push(row);
    else grouped.set(row.trajectory_id, [row]);
  }
  return grouped;
};

/** Record reads for requests: every statement takes the request's scope. */
export function createResearchRepository(database: SqlConnection, release: { releasedBefore: string | null }) {
  return readsIn<RequestScope>(database, release.releasedBefore);
}

/** Record reads for the registry's own maintenance (the indicator maintainer), with REGISTRY_SCOPE. */
export function createRegistryResearchRepository(database: SqlConnection) {
  return readsIn<RegistryScope>(database, null);
}

function readsIn<Scope extends RecordScope>(database: SqlConnection, releasedBefore: string | null) {
  const condition = (scope: Scope, params: unknown[]) => scopeCondition(scope, releasedBefore, params);
  /** The scope, the filter and the cursor of a list of trajectories, as SQL conditions (parameters pushed onto `params`). */
  const listConditions = (scope: Scope, filter: TrajectoryFilter, after: string | null, params: unknown[]): string[] => {
    const conditions = [condition(scope, params)];
    const add = (value: unknown, condition: (placeholder: string) => string) => {
      if (value === undefined || value === null) return;
      params.push(value);
      conditions.push(condition(`$${params.length}`));
    };
    add(after, (p) => `t.id > ${p}::uuid`);
    add(filter.institution, (p) => `i.code = ${p}`);
    add(filter.programme, (p) => `p.code = ${p}`);
    add(filter.setting, (p) => `exists (select 1 from placements pl where pl.trajectory_id = t.id and pl.setting = ${p})`);
    add(filter.gender, (p) => `s.gender = ${p}`);
    add(filter.ageAtStartMin, (p) => `extract(year from t.start_date)::int - s.birth_year >= ${p}::int`);
    add(filter.ageAtStartMax, (p) => `extract(year from t.start_date)::int - s.birth_year <= ${p}::int`);
    add(filter.startedFrom, (p) => `t.start_date >= (${p} || '-01')::date`);
    add(filter.startedTo, (p) => `t.start_date < ((${p} || '-01')::date + interval '1 month')`);
    add(filter.endReason, (p) => `t.end_reason = ${p}`);
    add(filter.consent, (p) => `t.research_consent = ${p}`);
    // The stored indicators (kept up to date in the background, see modules/indicators).
    add(
      filter.outcomeClass,
      (p) => `exists (select 1 from trajectory_indicators ti where ti.trajectory_id = t.id and ti.outcome_class = ${p})`,
    );
    add(
      filter.problemRecognition,
      (p) => `exists (select 1 from trajectory_indicators ti where ti.trajectory_id = t.id and ti.problem_recognition = ${p})`,
    );
    if (filter.ongoing === true) conditions.push('t.end_date is null');
    if (filter.ongoing === false) conditions.push('t.end_date is not null');
    return conditions;
  };
  return {
    /** How many trajectories the list holds under this filter, every page together. */
    async countTrajectories(scope: Scope, filter: TrajectoryFilter): Promise<number> {
      const params: unknown[] = [];
      const conditions = listConditions(scope, filter, null, params);
      const { rows } = await database.query<{ total: number }>(
        `select count(*)::int as total from (${TRAJECTORY_SELECT} where ${conditions.join(' and ')}) listed`,
        params,
      );
      return rows[0]!.total;
    },

    /**
     * A page of trajectories in id order. With `withSeries`, each row carries its measurement
     * series too (as `series` gives them), built in the same statement over the page's rows: one
     * round trip and one snapshot for the page instead of two.
     */
    async listTrajectories(
      scope: Scope,
      filter: TrajectoryFilter,
      after: string | null,
      limit: number,
      options: { withSeries?: boolean } = {},
    ): Promise<PageRow[]> {
      const params: unknown[] = [];
      const conditions = listConditions(scope, filter, after, params);
      params.push(limit);
      const page = `${TRAJECTORY_SELECT} where ${conditions.join(' and ')} order by t.id limit $${params.length}`;
      if (!options.withSeries) return (await database.query<PageRow>(page, params)).rows;
      // The measurements after the limit, over the page's rows only (the scope was applied to
      // them in this statement).
      const { rows } = await database.query<TrajectoryRow & { measurements: MeasurementTuple[] | null }>(
        `select page.*,
                (select ${measurementsOf(scope)}
                   from measurements m join trajectories t on t.id = m.trajectory_id
                  where m.trajectory_id = page.id and t.id = page.id) as measurements
           from (${page}) page
          order by page.id`,
        params,
      );
      return rows.map(({ measurements, ...row }) => ({ ...row, series: seriesOfMeasurements(measurements) }));
    },

    async trajectoriesByIds(scope: Scope, ids: readonly string[]): Promise<Map<string, TrajectoryRow>> {
      const params: unknown[] = [ids];
      const { rows } = await database.query<TrajectoryRow>(
        `${TRAJECTORY_SELECT} where t.id = any($1::uuid[]) and ${condition(scope, params)}`,
        params,
      );
      return new Map(rows.map((row) => [row.id, row]));
    },

    /** For each trajectory, the ids of the other trajectories of the same youth (equal registry key) within the scope. */
    async otherTrajectoryIds(scope: Scope, ids: readonly string[]): Promise<Map<string, string[]>> {
      const params: unknown[] = [ids];
      const { rows } = await database.query<{ trajectory_id: string; other_id: string }>(
        `select mine.id as trajectory_id, t.id as other_id
           from trajectories mine
           join subjects ms on ms.id = mine.subject_id
           join subjects os on os.registry_key = ms.registry_key
           join trajectories t on t.subject_id = os.id and t.id <> mine.id
          where mine.id = any($1::uuid[]) and ${condition(scope, params)}
          order by t.start_date, t.id`,
        params,
      );
      const grouped = new Map<string, string[]>();
      for (const row of rows) grouped.set(row.trajectory_id, [...(grouped.get(row.trajectory_id) ?? []), row.other_id]);
      return grouped;
    },

    async placements(scope: Scope, ids: readonly string[]): Promise<Map<string, PlacementRow[]>> {
      const params: unknown[] = [ids];
      const { rows } = await database.query<PlacementRow>(
        `select pl.trajectory_id, pl.setting, pl.start_date::text, pl.end_date::text,
                (pl.start_date - t.start_date) as start_day, (pl.end_date - t.start_date) as end_day
           from placements pl join trajectories t on t.id = pl.trajectory_id
          where pl.trajectory_id = any($1::uuid[]) and t.id = any($1::uuid[]) and ${condition(scope, params)}
          order by pl.trajectory_id, pl.start_date`,
        params,
      );
      return groupBy(rows);
    },

    async activities(scope: Scope, ids: readonly string[]): Promise<Map<string, ActivityRow[]>> {
      const params: unknown[] = [ids];
      const { rows } = await database.query<ActivityRow>(
        `select a.trajectory_id, a.activity_type_code, a.activity_date::text, (a.activity_date - t.start_date) as day,
                a.count, a.duration_minutes, a.domain, a.parents_involved, a.topics
           from care_activities a join trajectories t on t.id = a.trajectory_id
          where a.trajectory_id = any($1::uuid[]) and t.id = any($1::uuid[]) and ${condition(scope, params)}
          order by a.trajectory_id, a.activity_date, a.id`,
        params,
      );
      return groupBy(rows);
    },

    async measurements(scope: Scope, ids: readonly string[]): Promise<Map<string, MeasurementRow[]>> {
      const params: unknown[] = [ids];
      const { rows } = await database.query<MeasurementRow>(
        `select m.trajectory_id, m.instrument_code, m.informant, m.measured_on::text, (m.measured_on - t.start_date) as day, m.value
           from measurements m join trajectories t on t.id = m.trajectory_id
          where m.trajectory_id = any($1::uuid[]) and t.id = any($1::uuid[]) and ${condition(scope, params)}
          order by m.trajectory_id, m.instrument_code, m.informant, m.measured_on, m.id`,
        params,
      );
      return groupBy(rows);
    },

    /** The trajectories' measurement series, as a page with `withSeries` gives them. */
    async series(scope: Scope, ids: readonly string[]): Promise<Map<string, SeriesRow[]>> {
      const params: unknown[] = [ids];
      const { rows } = await database.query<{ trajectory_id: string; measurements: MeasurementTuple[] }>(
        `select m.trajectory_id, ${measurementsOf(scope)} as measurements
           from measurements m join trajectories t on t.id = m.trajectory_id
          where m.trajectory_id = any($1::uuid[]) and t.id = any($1::uuid[]) and ${condition(scope, params)}
          group by m.trajectory_id`,
        params,
      );
      return new Map(rows.map((row) => [row.trajectory_id, seriesOfMeasurements(row.measurements)]));
    },

    async offers(programmeIds: readonly string[]) {
      const { rows } = await database.query<OfferItemRow>(
        'select programme_id, activity_type_code, expected_count, period, core_element from programme_offer_items where programme_id = any($1::uuid[])',
        [programmeIds],
      );
      const grouped = new Map<string, typeof rows>();
      for (const row of rows) grouped.set(row.programme_id, [...(grouped.get(row.programme_id) ?? []), row]);
      return grouped;
    },
  };
}

export type ResearchRepository = ReturnType<typeof createResearchRepository>;
/** What the GraphQL layer reads, live or from a release. */
export type ResearchReads = Omit<ResearchRepository, 'measurements'>;
export type RegistryResearchRepository = ReturnType<typeof createRegistryResearchRepository>;
