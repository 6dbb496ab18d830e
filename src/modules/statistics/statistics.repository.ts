import type { Database } from '../../db/client';
import { END_REASONS } from '../../lib/vocabulary';

// Aggregates in SQL over the stored per-trajectory indicators: nothing here loads rows into
// Node beyond one line per group. The population leaves out trajectories whose research consent
// was refused or withdrawn (erased youths are gone altogether).
//
// Each measure is one scan: GROUPING SETS give the groups and the total line together, and, for
// an institution, the same for its own trajectories and for the other institutions' (what the
// national figures reveal to someone who knows their own), so a comparison costs one statement.

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

/** Only the joins a statement needs: inner joins cost even when nothing is read from them. */
type Join = 'subjects' | 'programmes' | 'institutions' | 'indicators';
const GROUP_JOINS: Record<Grouping, Join[]> = {
  programme: ['programmes'],
  institution: ['institutions'],
  setting: ['programmes'],
  start_year: [],
  gender: ['subjects'],
  age_group: ['subjects'],
};
const JOIN_SQL: Record<Join, string> = {
  subjects: 'join subjects s on s.id = t.subject_id',
  programmes: 'join programmes p on p.id = t.programme_id',
  institutions: 'join institutions i on i.id = t.institution_id',
  indicators: 'left join trajectory_indicators ti on ti.trajectory_id = t.id',
};

/** What to aggregate: by which grouping (null: the total alone), and split for which institution. */
export interface Slice {
  grouping: Grouping | null;
  /** An institution asking: lines for its own trajectories and for the others' as well. */
  splitFor: string | null;
}

/** Whose trajectories a line counts: everyone's, or (split) the asker's own or the others'. */
export type Part = 'national' | 'own' | 'others';

/** One output line: its part, its group (null on the total line), and the aggregates. */
export type Line<Row> = Row & { part: Part; group: string | null; isTotal: boolean };

interface LineColumns {
  national: boolean;
  part: string;
  group: string | null;
  is_total: boolean;
}

/**
 * The statement shape every measure shares. `columns` are selected per trajectory (alias
 * `t`, plus the joins asked for); `keys` are further grouping columns of that inner select
 * (an item, an activity type); `aggregates` are computed per line.
 */
function sliced(slice: Slice, options: { columns: string; joins: Join[]; from?: string; keys?: string[]; aggregates: string }) {
  const params: unknown[] = [];
  const joins = new Set<Join>([...(slice.grouping ? GROUP_JOINS[slice.grouping] : []), ...options.joins]);
  let part = `'national'`;
  if (slice.splitFor) {
    params.push(slice.splitFor);
    part = `case when t.institution_id = $1::uuid then 'own' else 'others' end`;
  }
  const keys = options.keys ?? [];
  const k = keys.map((key) => `, ${key}`).join('');
  const grouped = slice.grouping !== null;
  const split = slice.splitFor !== null;
  // Only the sets this slice needs: each set costs a pass over the sorted rows.
  const sets = [
    ...(grouped && split ? [`(part, g${k})`] : []),
    ...(split ? [`(part${k})`] : []),
    ...(grouped ? [`(g${k})`] : []),
    `(${keys.join(', ')})`,
  ];
  const text = `
    select ${split ? 'grouping(part) = 1' : 'true'} as national, ${split ? 'part' : `'national'`} as part,
           ${grouped ? 'g' : 'null::text'} as "group", ${grouped ? 'grouping(g) = 1' : 'true'} as is_total${k}, ${options.aggregates}
      from (select ${grouped ? GROUP_EXPRESSION[slice.grouping!] : 'null::text'} as g, ${part} as part, ${options.columns}
              from trajectories t ${(['subjects', 'programmes', 'institutions', 'indicators'] as const).filter((join) => joins.has(join)).map((join) => JOIN_SQL[join]).join(' ')}
              ${options.from ?? ''}
             where t.research_consent not in ('refused', 'withdrawn')) population
     ${sets.length === 1 && keys.length === 0 ? '' : `group by grouping sets (${sets.join(', ')})`}`;
  return { text, params };
}

/**
 * Keeps the lines the slice asked for, labelled; drops the duplicates a constant grouping makes;
 * and puts them in one fixed order (part, group, keys), whatever plan the database chose:
 * complementary suppression breaks ties by position, so the same data must always come in the
 * same order, or two answers could hide different cells.
 */
export function linesOf<Row>(rows: Array<Row & LineColumns>, slice: Slice, keys: string[] = []): Array<Line<Row>> {
  const order = (row: Row & LineColumns) => [
    row.national ? '0' : row.part === 'own' ? '1' : '2',
    row.is_total ? '1' : '0',
    row.group ?? '',
    ...keys.map((key) => String((row as Record<string, unknown>)[key] ?? '')),
  ];
  const compare = (a: string[], b: string[]) => {
    for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return a[index]! < b[index]! ? -1 : 1;
    return 0;
  };
  return rows
    .filter((row) => (slice.splitFor ? true : row.national) && (slice.grouping ? true : row.is_total))
    .map((row) => ({ row, key: order(row) }))
    .sort((a, b) => compare(a.key, b.key))
    .map(({ row: { national, part, group, is_total: isTotal, ...rest } }) => ({
      ...(rest as unknown as Row),
      part: national ? 'national' : (part as Part),
      group: isTotal ? null : group,
      isTotal,
    }));
}

export interface OverviewRow {
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
  trajectories: number;
  classes: Record<string, number>;
  /** Per domain: trajectories with a known status, and how many improved, unchanged, deteriorated. */
  domains: Record<string, { known: number; improved: number; unchanged: number; deteriorated: number; mixed: number }>;
}

export interface PerspectiveRow {
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

export interface CareRow {
  trajectories: number;
  /** Per fidelity column: trajectories with a score, and their median score. */
  fidelity: Record<string, { scored: number; median: number | null }>;
}

export interface DoseRow {
  activityTypeCode: string;
  /** Trajectories that received the activity type at least once. */
  received: number;
  /** Their median number of occurrences per month in care. */
  medianPerMonth: number | null;
}

export const FIDELITY_COLUMNS = {
  summary: 'fidelity_summary',
  diagnostics_safety: 'fidelity_diagnostics_safety',
  living_climate: 'fidelity_living_climate',
  mentor_conversations: 'fidelity_mentor_conversations',
} as const;

const DOMAIN_COLUMNS = {
  exploitation_resilience: 'status_exploitation_resilience',
  social_emotional: 'status_social_emotional',
  family_network: 'status_family_network',
  participation: 'status_participation',
};

export function createStatisticsRepository(database: Database) {
  return {
    async overview(slice: Slice): Promise<Array<Line<OverviewRow>>> {
      const statement = sliced(slice, {
        // A youth is a registry key: the same youth at two institutions has a row at each.
        columns: 's.registry_key, t.start_date, t.end_date, t.end_reason',
        joins: ['subjects'],
        aggregates: `count(*)::int as started, count(end_date)::int as ended, (count(*) - count(end_date))::int as active,
                count(distinct registry_key)::int as youths,
                percentile_cont(0.5) within group (order by end_date - start_date) filter (where end_date is not null) as median_days,
                jsonb_build_object(${END_REASONS.map((reason) => `'${reason}', count(*) filter (where end_reason = '${reason}')`).join(', ')}) as end_reasons`,
      });
      const { rows } = await database.query<LineColumns & { started: number; ended: number; active: number; youths: number; median_days: number | null; end_reasons: Record<string, number> | null }>(
        statement.text,
        statement.params,
      );
      return linesOf(rows, slice).map((row) => ({
        part: row.part,
        group: row.group,
        isTotal: row.isTotal,
        started: row.started,
        ended: row.ended,
        active: row.active,
        youths: row.youths,
        durationCount: row.ended,
        medianDaysInCare: row.median_days === null ? null : Number(row.median_days),
        endReasons: row.end_reasons ?? {},
      }));
    },

    async outcomes(slice: Slice): Promise<Array<Line<OutcomeRow>>> {
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
      const statement = sliced(slice, {
        columns: `ti.outcome_class, ${Object.values(DOMAIN_COLUMNS).map((column) => `ti.${column}`).join(', ')}`,
        joins: ['indicators'],
        aggregates: `count(*)::int as trajectories,
                count(*) filter (where outcome_class = 'improved')::int as improved,
                count(*) filter (where outcome_class = 'mixed')::int as mixed,
                count(*) filter (where outcome_class = 'not_improved')::int as not_improved,
                count(*) filter (where outcome_class = 'insufficient_data' or outcome_class is null)::int as insufficient_data,
                ${domainSelects}`,
      });
      const { rows } = await database.query<LineColumns & Record<string, number>>(statement.text, statement.params);
      return linesOf(rows, slice).map((row) => ({
        part: row.part,
        group: row.group,
        isTotal: row.isTotal,
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
    async perspective(slice: Slice): Promise<Array<Line<PerspectiveRow>>> {
      const statement = sliced(slice, {
        columns: 'latest.item, latest.value',
        joins: [],
        from: `join (select distinct on (m.trajectory_id, m.instrument_code) m.trajectory_id, m.instrument_code as item, m.value
                       from measurements m
                      where m.instrument_code like 'youth_perspective_%' and m.informant = 'youth'
                      order by m.trajectory_id, m.instrument_code, m.measured_on desc, m.id desc) latest on latest.trajectory_id = t.id`,
        keys: ['item'],
        aggregates: 'count(*)::int as respondents, avg(value)::float8 as mean',
      });
      const { rows } = await database.query<LineColumns & { item: string; respondents: number; mean: number | null }>(statement.text, statement.params);
      return linesOf(rows, slice, ['item']).map((row) => ({ ...row, mean: row.mean === null ? null : Number(row.mean) }));
    },

    /** Outcome class by problem recognition at intake: the study's key finding. */
    async recognition(slice: Slice): Promise<Array<Line<RecognitionRow>>> {
      const statement = sliced(
        { grouping: null, splitFor: slice.splitFor },
        {
          columns: `coalesce(ti.problem_recognition, 'unknown') as recognition, coalesce(ti.outcome_class, 'insufficient_data') as outcome_class`,
          joins: ['indicators'],
          keys: ['recognition', 'outcome_class'],
          aggregates: 'count(*)::int as trajectories',
        },
      );
      const { rows } = await database.query<LineColumns & { recognition: string; outcome_class: string; trajectories: number }>(statement.text, statement.params);
      return linesOf(rows, { grouping: null, splitFor: slice.splitFor }, ['recognition', 'outcome_class']).map((row) => ({
        part: row.part,
        group: row.group,
        isTotal: row.isTotal,
        recognition: row.recognition,
        outcomeClass: row.outcome_class,
        trajectories: row.trajectories,
      }));
    },

    /** Care delivered: fidelity medians per group, and per activity type the dose of those who received it. */
    async care(slice: Slice): Promise<{ lines: Array<Line<CareRow>>; doses: Array<Line<DoseRow>> }> {
      const fidelity = sliced(slice, {
        columns: Object.values(FIDELITY_COLUMNS).map((column) => `ti.${column}`).join(', '),
        joins: ['indicators'],
        aggregates: [
          'count(*)::int as trajectories',
          ...Object.entries(FIDELITY_COLUMNS).map(
            ([name, column]) => `count(${column})::int as "${name}_scored", percentile_cont(0.5) within group (order by ${column}) as "${name}_median"`,
          ),
        ].join(', '),
      });
      const doses = sliced(slice, {
        columns: 'd.activity_type_code, d.per_month_in_care',
        joins: [],
        from: 'join trajectory_doses d on d.trajectory_id = t.id',
        keys: ['activity_type_code'],
        aggregates: 'count(*)::int as received, percentile_cont(0.5) within group (order by per_month_in_care) as median',
      });
      const [fidelityRows, doseRows] = await Promise.all([
        database.query<LineColumns & Record<string, number | null>>(fidelity.text, fidelity.params),
        database.query<LineColumns & { activity_type_code: string; received: number; median: number | null }>(doses.text, doses.params),
      ]);
      return {
        lines: linesOf(fidelityRows.rows, slice).map((row) => ({
          part: row.part,
          group: row.group,
          isTotal: row.isTotal,
          trajectories: Number(row.trajectories),
          fidelity: Object.fromEntries(
            Object.keys(FIDELITY_COLUMNS).map((name) => [name, { scored: Number(row[`${name}_scored`]), median: row[`${name}_median`] === null ? null : Number(row[`${name}_median`]) }]),
          ),
        })),
        doses: linesOf(doseRows.rows, slice, ['activity_type_code']).map((row) => ({
          part: row.part,
          group: row.group,
          isTotal: row.isTotal,
          activityTypeCode: row.activity_type_code,
          received: row.received,
          medianPerMonth: row.median === null ? null : Number(row.median),
        })),
      };
    },
  };
}

export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
