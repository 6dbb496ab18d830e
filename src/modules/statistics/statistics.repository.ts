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

const POPULATION_FROM = `
  from trajectories t
  join subjects s on s.id = t.subject_id
  join programmes p on p.id = t.programme_id
  join institutions i on i.id = t.institution_id`;
const POPULATION_WHERE = `t.research_consent not in ('refused', 'withdrawn')`;
const POPULATION = `${POPULATION_FROM} left join trajectory_indicators ti on ti.trajectory_id = t.id where ${POPULATION_WHERE}`;

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
    async overview(grouping: Grouping | null): Promise<OverviewRow[]> {
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
           from (select ${groupSql(grouping)} as g, t.subject_id, t.start_date, t.end_date, t.end_reason ${POPULATION}) population
          group by g order by g`,
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

    async outcomes(grouping: Grouping | null): Promise<OutcomeRow[]> {
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
           ${POPULATION}
          group by 1 order by 1`,
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
    async perspective(grouping: Grouping | null): Promise<PerspectiveRow[]> {
      const { rows } = await database.query<{ group: string | null; item: string; respondents: number; mean: number | null }>(
        `select g as "group", item, count(*)::int as respondents, avg(value)::float8 as mean
           from (select distinct on (t.id, m.instrument_code) ${groupSql(grouping)} as g, m.instrument_code as item, m.value
                   ${POPULATION_FROM} join measurements m on m.trajectory_id = t.id
                  where ${POPULATION_WHERE} and m.instrument_code like 'youth_perspective_%' and m.informant = 'youth'
                  order by t.id, m.instrument_code, m.measured_on desc, m.id desc) latest
          group by g, item order by g, item`,
      );
      return rows.map((row) => ({ group: row.group, item: row.item, respondents: row.respondents, mean: row.mean === null ? null : Number(row.mean) }));
    },

    /** Outcome class by problem recognition at intake: the study's key finding. */
    async recognition(): Promise<RecognitionRow[]> {
      const { rows } = await database.query<{ recognition: string; outcome_class: string; trajectories: number }>(
        `select coalesce(ti.problem_recognition, 'unknown') as recognition, coalesce(ti.outcome_class, 'insufficient_data') as outcome_class,
                count(*)::int as trajectories
           ${POPULATION}
          group by 1, 2`,
      );
      return rows.map((row) => ({ recognition: row.recognition, outcomeClass: row.outcome_class, trajectories: row.trajectories }));
    },
  };
}

export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
