import type { Database } from '../../db/client';
import { END_REASONS } from '../../lib/vocabulary';

// Aggregates in SQL over the stored per-trajectory indicators: nothing here loads rows into
// Node beyond one line per group. The population leaves out trajectories whose research consent
// was refused or withdrawn (erased youths are gone altogether).

export const GROUPINGS = ['programme', 'institution', 'setting', 'start_year', 'gender', 'age_group'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** SQL for each grouping; the setting is the one the trajectory started in. */
const GROUP_EXPRESSION: Record<Grouping, string> = {
  programme: 'p.code',
  institution: 'i.code',
  setting: `coalesce((select pl.setting from placements pl where pl.trajectory_id = t.id order by pl.start_date limit 1), p.settings[1])`,
  start_year: `extract(year from t.start_date)::int::text`,
  gender: 's.gender',
  age_group: `case when extract(year from t.start_date)::int - s.birth_year <= 13 then 'up to 13'
                   when extract(year from t.start_date)::int - s.birth_year <= 15 then '14-15'
                   when extract(year from t.start_date)::int - s.birth_year <= 17 then '16-17'
                   else '18 and over' end`,
};

/**
 * Whose trajectories an aggregate counts: all, one institution's (its own view), or all but one
 * institution's (what the national figures reveal to an institution that knows its own).
 */
export type Population = { kind: 'all' } | { kind: 'institution'; institutionId: string } | { kind: 'other_institutions'; institutionId: string };
export const EVERYONE: Population = { kind: 'all' };

const POPULATION_FROM = `
  from trajectories t
  join subjects s on s.id = t.subject_id
  join programmes p on p.id = t.programme_id
  join institutions i on i.id = t.institution_id`;

/** The population's condition; its parameter (if any) is $1 of the statement. */
function populationWhere(population: Population): { where: string; params: unknown[] } {
  const consent = `t.research_consent not in ('refused', 'withdrawn')`;
  if (population.kind === 'institution') return { where: `${consent} and t.institution_id = $1::uuid`, params: [population.institutionId] };
  if (population.kind === 'other_institutions') return { where: `${consent} and t.institution_id <> $1::uuid`, params: [population.institutionId] };
  return { where: consent, params: [] };
}

function populationOf(population: Population) {
  const { where, params } = populationWhere(population);
  return { sql: `${POPULATION_FROM} left join trajectory_indicators ti on ti.trajectory_id = t.id where ${where}`, where, params };
}

export interface OverviewRow {
  group: string | null;
  started: number;
  ended: number;
  active: number;
  youths: number;
  /** Ended trajectories: how many went into the median. */
  durationCount: number;
  medianDaysInCare: number | null;
  endReasons: Record<string, number>;
}

export interface OutcomeRow {
  group: string | null;
  trajectories: number;
  classes: Record<string, number>;
  /** Per domain: trajectories with a known status, and how many improved, unchanged, deteriorated. */
  domains: Record<string, { known: number; improved: number; unchanged: number; deteriorated: number; mixed: number }>;
}

export interface PerspectiveRow {
  group: string | null;
  item: string;
  /** Trajectories with an answer to the item (their latest answer counts). */
  respondents: number;
  mean: number | null;
}

export interface CareGroupRow {
  group: string | null;
  trajectories: number;
  /** Per fidelity column: trajectories with a score, and their median score. */
  fidelity: Record<string, { scored: number; median: number | null }>;
}

export interface DoseRow {
  group: string | null;
  activityTypeCode: string;
  /** Trajectories that received the activity type at least once. */
  received: number;
  /** Their median number of occurrences per month in care. */
  medianPerMonth: number | null;
}

export const FIDELITY_COLUMNS = {
  summary: 'ti.fidelity_summary',
  diagnostics_safety: 'ti.fidelity_diagnostics_safety',
  living_climate: 'ti.fidelity_living_climate',
  mentor_conversations: 'ti.fidelity_mentor_conversations',
} as const;

export interface RecognitionRow {
  recognition: string;
  outcomeClass: string;
  trajectories: number;
}

const DOMAIN_COLUMNS = {
  exploitation_resilience: 'ti.status_exploitation_resilience',
  social_emotional: 'ti.status_social_emotional',
  family_network: 'ti.status_family_network',
  participation: 'ti.status_participation',
};

export function createStatisticsRepository(database: Database) {
  /** `grouping` null: one line for the whole registry. */
  const groupSql = (grouping: Grouping | null) => (grouping ? GROUP_EXPRESSION[grouping] : 'null::text');

  return {
    async overview(grouping: Grouping | null, population: Population = EVERYONE): Promise<OverviewRow[]> {
      const from = populationOf(population);
      const { rows } = await database.query<{
        group: string | null;
        started: number;
        ended: number;
        active: number;
        youths: number;
        duration_count: number;
        median_days: number | null;
        end_reasons: Record<string, number> | null;
      }>(
        `select g as "group", count(*)::int as started, count(end_date)::int as ended, (count(*) - count(end_date))::int as active,
                count(distinct subject_id)::int as youths, count(end_date)::int as duration_count,
                percentile_cont(0.5) within group (order by end_date - start_date) filter (where end_date is not null) as median_days,
                jsonb_build_object(${END_REASONS.map((reason) => `'${reason}', count(*) filter (where end_reason = '${reason}')`).join(', ')}) as end_reasons
           from (select ${groupSql(grouping)} as g, t.subject_id, t.start_date, t.end_date, t.end_reason ${from.sql}) population
          group by g order by g`,
        from.params,
      );
      return rows.map((row) => ({
        group: row.group,
        started: row.started,
        ended: row.ended,
        active: row.active,
        youths: row.youths,
        durationCount: row.duration_count,
        medianDaysInCare: row.median_days === null ? null : Number(row.median_days),
        endReasons: row.end_reasons ?? {},
      }));
    },

    async outcomes(grouping: Grouping | null, population: Population = EVERYONE): Promise<OutcomeRow[]> {
      const from = populationOf(population);
      const domainSelects = Object.entries(DOMAIN_COLUMNS)
        .map(
          ([domain, column]) => `
            count(*) filter (where ${column} <> 'unknown')::int as "${domain}_known",
            count(*) filter (where ${column} = 'improved')::int as "${domain}_improved",
            count(*) filter (where ${column} = 'unchanged')::int as "${domain}_unchanged",
            count(*) filter (where ${column} = 'deteriorated')::int as "${domain}_deteriorated",
            count(*) filter (where ${column} = 'mixed')::int as "${domain}_mixed"`,
        )
        .join(',');
      const { rows } = await database.query<Record<string, number | string | null>>(
        `select ${groupSql(grouping)} as "group", count(*)::int as trajectories,
                count(*) filter (where ti.outcome_class = 'improved')::int as improved,
                count(*) filter (where ti.outcome_class = 'mixed')::int as mixed,
                count(*) filter (where ti.outcome_class = 'not_improved')::int as not_improved,
                count(*) filter (where ti.outcome_class = 'insufficient_data' or ti.outcome_class is null)::int as insufficient_data,
                ${domainSelects}
           ${from.sql}
          group by 1 order by 1`,
        from.params,
      );
      return rows.map((row) => ({
        group: row.group as string | null,
        trajectories: Number(row.trajectories),
        classes: { improved: Number(row.improved), mixed: Number(row.mixed), not_improved: Number(row.not_improved), insufficient_data: Number(row.insufficient_data) },
        domains: Object.fromEntries(
          Object.keys(DOMAIN_COLUMNS).map((domain) => [
            domain,
            {
              known: Number(row[`${domain}_known`]),
              improved: Number(row[`${domain}_improved`]),
              unchanged: Number(row[`${domain}_unchanged`]),
              deteriorated: Number(row[`${domain}_deteriorated`]),
              mixed: Number(row[`${domain}_mixed`]),
            },
          ]),
        ),
      }));
    },

    /** The youth-perspective items: per trajectory the latest answer, then the mean per group. */
    async perspective(grouping: Grouping | null, population: Population = EVERYONE): Promise<PerspectiveRow[]> {
      const from = populationOf(population);
      const { rows } = await database.query<{ group: string | null; item: string; respondents: number; mean: number | null }>(
        `select g as "group", item, count(*)::int as respondents, avg(value)::float8 as mean
           from (select distinct on (t.id, m.instrument_code) ${groupSql(grouping)} as g, m.instrument_code as item, m.value
                   ${POPULATION_FROM} join measurements m on m.trajectory_id = t.id
                  where ${from.where} and m.instrument_code like 'youth_perspective_%' and m.informant = 'youth'
                  order by t.id, m.instrument_code, m.measured_on desc, m.id desc) latest
          group by g, item order by g, item`,
        from.params,
      );
      return rows.map((row) => ({ group: row.group, item: row.item, respondents: row.respondents, mean: row.mean === null ? null : Number(row.mean) }));
    },

    /** Outcome class by problem recognition at intake: the study's key finding. */
    async recognition(population: Population = EVERYONE): Promise<RecognitionRow[]> {
      const from = populationOf(population);
      const { rows } = await database.query<{ recognition: string; outcome_class: string; trajectories: number }>(
        `select coalesce(ti.problem_recognition, 'unknown') as recognition, coalesce(ti.outcome_class, 'insufficient_data') as outcome_class,
                count(*)::int as trajectories
           ${from.sql}
          group by 1, 2`,
        from.params,
      );
      return rows.map((row) => ({ recognition: row.recognition, outcomeClass: row.outcome_class, trajectories: row.trajectories }));
    },

    /** Care delivered: fidelity medians per group, and per activity type the dose of those who received it. */
    async care(grouping: Grouping | null, population: Population = EVERYONE): Promise<{ groups: CareGroupRow[]; doses: DoseRow[] }> {
      const from = populationOf(population);
      const fidelitySelects = Object.entries(FIDELITY_COLUMNS)
        .map(
          ([name, column]) =>
            `count(${column})::int as "${name}_scored", percentile_cont(0.5) within group (order by ${column}) as "${name}_median"`,
        )
        .join(', ');
      const [groups, doses] = await Promise.all([
        database.query<Record<string, number | string | null>>(
          `select ${groupSql(grouping)} as "group", count(*)::int as trajectories, ${fidelitySelects} ${from.sql} group by 1 order by 1`,
          from.params,
        ),
        database.query<{ group: string | null; activity_type_code: string; received: number; median: number }>(
          `select g as "group", d.activity_type_code, count(*)::int as received,
                  percentile_cont(0.5) within group (order by d.per_month_in_care) as median
             from (select ${groupSql(grouping)} as g, t.id ${from.sql}) population
             join trajectory_doses d on d.trajectory_id = population.id
            group by 1, 2 order by 1, 2`,
          from.params,
        ),
      ]);
      return {
        groups: groups.rows.map((row) => ({
          group: row.group as string | null,
          trajectories: Number(row.trajectories),
          fidelity: Object.fromEntries(
            Object.keys(FIDELITY_COLUMNS).map((name) => [
              name,
              { scored: Number(row[`${name}_scored`]), median: row[`${name}_median`] === null ? null : Number(row[`${name}_median`]) },
            ]),
          ),
        })),
        doses: doses.rows.map((row) => ({
          group: row.group,
          activityTypeCode: row.activity_type_code,
          received: row.received,
          medianPerMonth: row.median === null ? null : Number(row.median),
        })),
      };
    },
  };
}

export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
