import type { Database, SqlConnection } from '../../db/client';
import type { Tally } from '../../lib/statistics/cell-key-method';
import { END_REASONS } from '../../lib/vocabulary';

// Aggregates in SQL over the released statistics rows (statistics_trajectories): nothing here
// loads rows into Node beyond one line per group. Every count comes with the sum of its
// contributors' record keys, from which the cell-key method perturbs it.
//
// Each measure is one scan: GROUPING SETS give the groups and the total line together, and, for
// an institution, the same for its own trajectories, so a comparison costs one statement.

export const GROUPINGS = ['programme', 'institution', 'setting', 'start_year', 'gender', 'age_group'] as const;
export type Grouping = (typeof GROUPINGS)[number];

const GROUP_EXPRESSION: Record<Grouping | 'recognition', string> = {
  programme: 'p.code',
  institution: 'i.code',
  setting: 'r.setting',
  start_year: 'extract(year from r.start_date)::int::text',
  gender: 'r.gender',
  age_group: 'r.age_group',
  recognition: 'r.problem_recognition',
};

/** Whose trajectories are counted. */
export type Population = 'all' | 'consented';

/** What to aggregate: by which grouping (null: the total alone), over whom, and split for which institution. */
export interface Slice {
  grouping: Grouping | 'recognition' | null;
  /** Funders and institutions: consent granted or unknown; researchers: consent granted only. */
  population: Population;
  /** An institution asking: lines for its own trajectories as well. */
  ownInstitution: string | null;
}

/** Whose trajectories a line counts: everyone's, or (for an institution) its own. */
export type Part = 'national' | 'own';

/** One output line: its part, its group (null on the total line), and the aggregates. */
export type Line<Row> = Row & { part: Part; group: string | null; isTotal: boolean };

interface LineColumns {
  national: boolean;
  part: string;
  group: string | null;
  is_total: boolean;
}

/** A count of trajectories (with a condition) and the sum of their record keys, as two columns. */
const tally = (name: string, condition = 'true') =>
  `count(*) filter (where ${condition})::int as "${name}_n", coalesce(sum(record_key) filter (where ${condition}), 0)::text as "${name}_k"`;
const tallyOf = (row: Record<string, unknown>, name: string): Tally => ({
  count: Number(row[`${name}_n`]),
  keys: String(row[`${name}_k`]),
});
const quartiles = (expression: string, condition = 'true') =>
  `percentile_cont(array[0.25, 0.5, 0.75]) within group (order by ${expression}) filter (where ${condition})`;
const numbers = (value: unknown): number[] | null => (Array.isArray(value) ? value.map(Number) : null);

/**
 * The statement shape every measure shares. `columns` are selected per released row (alias
 * `r`); `keys` are further grouping columns of that inner select (an item, an activity type);
 * `aggregates` are computed per line.
 */
function sliced(slice: Slice | SummarySlice, options: { columns: string; from?: string; keys?: string[]; aggregates: string }) {
  const params: unknown[] = [];
  let part = `'national'`;
  if ('everyInstitution' in slice) {
    // Summaries: each institution's own lines at once (the part is the institution's id).
    part = 'r.institution_id::text';
  } else if (slice.ownInstitution) {
    params.push(slice.ownInstitution);
    part = `case when r.institution_id = $1::uuid then 'own' else 'others' end`;
  }
  const keys = options.keys ?? [];
  const k = keys.map((key) => `, ${key}`).join('');
  const grouped = slice.grouping !== null;
  const split = 'everyInstitution' in slice || slice.ownInstitution !== null;
  const sets = [
    ...(grouped && split ? [`(part, g${k})`] : []),
    ...(split ? [`(part${k})`] : []),
    ...(grouped ? [`(g${k})`] : []),
    `(${keys.join(', ')})`,
  ];
  const text = `
    select ${split ? 'grouping(part) = 1' : 'true'} as national, ${split ? 'part' : `'national'`} as part,
           ${grouped ? 'g' : 'null::text'} as "group", ${grouped ? 'grouping(g) = 1' : 'true'} as is_total${k}, ${options.aggregates}
      from (select ${grouped ? GROUP_EXPRESSION[slice.grouping!] : 'null::text'} as g, ${part} as part, r.record_key, ${options.columns}
              from statistics_trajectories r
              join programmes p on p.id = r.programme_id
              join institutions i on i.id = r.institution_id
              ${options.from ?? ''}
             ${slice.population === 'consented' ? `where r.research_consent = 'granted'` : ''}) population
     ${sets.length === 1 && keys.length === 0 ? '' : `group by grouping sets (${sets.join(', ')})`}`;
  return { text, params };
}

/** A slice for the care summaries: national lines and every institution's own lines together. */
interface SummarySlice {
  grouping: Grouping | null;
  population: Population;
  everyInstitution: true;
}

/** Keeps the lines the slice asked for (not the other institutions'), labelled. */
function linesOf<Row>(rows: Array<Row & LineColumns>, slice: Slice): Array<Line<Row>> {
  return rows
    .filter((row) => (row.national || row.part === 'own') && (slice.grouping ? true : row.is_total))
    .map(({ national, part, group, is_total: isTotal, ...rest }) => ({
      ...(rest as unknown as Row),
      part: national ? 'national' : (part as Part),
      group: isTotal ? null : group,
      isTotal,
    }));
}

export interface OverviewRow {
  started: Tally;
  ended: Tally;
  active: Tally;
  youths: Tally;
  endReasons: Record<string, Tally>;
  /** Days in care of the ended trajectories: quartiles. */
  daysInCare: number[] | null;
}

export interface OutcomeRow {
  trajectories: Tally;
  classes: Record<string, Tally>;
  /** Per domain: trajectories with a known status, and per status. */
  domains: Record<string, { known: Tally; statuses: Record<string, Tally> }>;
}

export interface PerspectiveRow {
  item: string;
  /** Trajectories with an answer to the item (their latest answer counts). */
  respondents: Tally;
  sum: number;
  largest: number;
}

export interface CareRow {
  trajectories: Tally;
  /** Per fidelity column: trajectories with a score, and the quartiles of their scores. */
  fidelity: Record<string, { scored: Tally; quartiles: number[] | null }>;
}

export interface DoseRow {
  activityTypeCode: string;
  /** Trajectories that received the activity type at least once. */
  received: Tally;
  /** Quartiles of their occurrences per month in care. */
  quartiles: number[] | null;
}

export const OUTCOME_CLASSES = ['improved', 'mixed', 'not_improved', 'insufficient_data'] as const;
export const DOMAIN_STATUSES = ['improved', 'unchanged', 'deteriorated', 'mixed'] as const;
export const RECOGNITION = ['low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown'] as const;

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

export interface CareLines {
  lines: Array<Line<CareRow>>;
  doses: Array<Line<DoseRow>>;
}

/** `grouping` of the summaries of the total alone. */
const NO_GROUPING = 'none';

function careStatements(slice: Slice | SummarySlice) {
  return {
    fidelity: sliced(slice, {
      columns: Object.values(FIDELITY_COLUMNS)
        .map((column) => `r.${column}`)
        .join(', '),
      aggregates: [
        tally('trajectories'),
        ...Object.entries(FIDELITY_COLUMNS).flatMap(([name, column]) => [
          tally(`${name}_scored`, `${column} is not null`),
          `${quartiles(column, `${column} is not null`)} as "${name}_q"`,
        ]),
      ].join(', '),
    }),
    doses: sliced(slice, {
      columns: 'dose.activity_type_code, dose.per_month::float8 as per_month',
      from: 'cross join lateral jsonb_each_text(r.doses) as dose(activity_type_code, per_month)',
      keys: ['activity_type_code'],
      aggregates: `${tally('received')}, ${quartiles('per_month')} as q`,
    }),
  };
}

const careLine = (row: Line<Record<string, unknown>>): Line<CareRow> => ({
  part: row.part,
  group: row.group,
  isTotal: row.isTotal,
  trajectories: tallyOf(row, 'trajectories'),
  fidelity: Object.fromEntries(
    Object.keys(FIDELITY_COLUMNS).map((name) => [name, { scored: tallyOf(row, `${name}_scored`), quartiles: numbers(row[`${name}_q`]) }]),
  ),
});

const doseLine = (row: Line<Record<string, unknown>>): Line<DoseRow> => ({
  part: row.part,
  group: row.group,
  isTotal: row.isTotal,
  activityTypeCode: String(row.activity_type_code),
  received: tallyOf(row, 'received'),
  quartiles: numbers(row.q),
});

/**
 * Recomputes the care summaries from the released rows, in the caller's (the release's)
 * transaction: per population and grouping, one statement for fidelity and one for the doses,
 * each giving the national lines and every institution's own lines in one scan. The rows
 * expanded per activity type (~28 a trajectory) are built once, in a temporary table.
 */
export async function refreshCareSummaries(connection: SqlConnection): Promise<void> {
  await connection.query('delete from statistics_care_summaries');
  for (const population of ['all', 'consented'] as const) {
    for (const grouping of [null, ...GROUPINGS]) {
      const slice: SummarySlice = { grouping, population, everyInstitution: true };
      const statements = careStatements(slice);
      for (const [statement, activity] of [
        [statements.fidelity, 'null::text'],
        [statements.doses, 'x.activity_type_code'],
      ] as const) {
        await connection.query(
          `insert into statistics_care_summaries (population, grouping, institution_id, "group", activity_type_code, figures)
           select $1, $2, case when x.national then null else x.part::uuid end, case when x.is_total then null else x."group" end, ${activity},
                  to_jsonb(x) - 'national' - 'part' - 'group' - 'activity_type_code'
             from (${statement.text}) x
            where ${grouping === null ? 'x.is_total' : 'true'}`,
          [population, grouping ?? NO_GROUPING],
        );
      }
    }
  }
}

export function createStatisticsRepository(database: Pick<Database, 'query'>) {
  const run = async <Row>(statement: { text: string; params: unknown[] }) =>
    (await database.query<Row & LineColumns>(statement.text, statement.params)).rows;

  return {
    async overview(slice: Slice): Promise<Array<Line<OverviewRow>>> {
      const statement = sliced(slice, {
        columns: 'r.youth, r.youth_key, r.start_date, r.end_date, r.end_reason',
        aggregates: [
          tally('started'),
          tally('ended', 'end_date is not null'),
          tally('active', 'end_date is null'),
          ...END_REASONS.map((reason) => tally(`reason_${reason}`, `end_reason = '${reason}'`)),
          // Distinct youths; the key is the sum over the distinct youth keys (a rare shared key
          // counts once: still a function of the set of youths, so still consistent).
          'count(distinct youth)::int as youths_n, coalesce(sum(distinct youth_key), 0)::text as youths_k',
          `${quartiles('end_date - start_date', 'end_date is not null')} as days`,
        ].join(', '),
      });
      return linesOf(await run<Record<string, unknown>>(statement), slice).map((row) => ({
        part: row.part,
        group: row.group,
        isTotal: row.isTotal,
        started: tallyOf(row, 'started'),
        ended: tallyOf(row, 'ended'),
        active: tallyOf(row, 'active'),
        youths: { ...tallyOf(row, 'youths'), of: 'youths' },
        endReasons: Object.fromEntries(END_REASONS.map((reason) => [reason, tallyOf(row, `reason_${reason}`)])),
        daysInCare: numbers(row.days),
      }));
    },

    /** Outcome classes and domain statuses; grouped by `recognition`, the study's key finding. */
    async outcomes(slice: Slice): Promise<Array<Line<OutcomeRow>>> {
      const withDomains = slice.grouping !== 'recognition';
      const statement = sliced(slice, {
        columns: `r.outcome_class, ${Object.values(DOMAIN_COLUMNS)
          .map((column) => `r.${column}`)
          .join(', ')}`,
        aggregates: [
          tally('trajectories'),
          ...OUTCOME_CLASSES.map((name) => tally(`class_${name}`, `outcome_class = '${name}'`)),
          ...(withDomains
            ? Object.entries(DOMAIN_COLUMNS).flatMap(([domain, column]) => [
                tally(`${domain}_known`, `${column} <> 'unknown'`),
                ...DOMAIN_STATUSES.map((status) => tally(`${domain}_${status}`, `${column} = '${status}'`)),
              ])
            : []),
        ].join(', '),
      });
      return linesOf(await run<Record<string, unknown>>(statement), slice).map((row) => ({
        part: row.part,
        group: row.group,
        isTotal: row.isTotal,
        trajectories: tallyOf(row, 'trajectories'),
        classes: Object.fromEntries(OUTCOME_CLASSES.map((name) => [name, tallyOf(row, `class_${name}`)])),
        domains: withDomains
          ? Object.fromEntries(
              Object.keys(DOMAIN_COLUMNS).map((domain) => [
                domain,
                {
                  known: tallyOf(row, `${domain}_known`),
                  statuses: Object.fromEntries(DOMAIN_STATUSES.map((status) => [status, tallyOf(row, `${domain}_${status}`)])),
                },
              ]),
            )
          : {},
      }));
    },

    /** The youth-perspective items: per trajectory the latest answer; per group its sum and largest. */
    async perspective(slice: Slice): Promise<Array<Line<PerspectiveRow>>> {
      const statement = sliced(slice, {
        columns: 'answer.item, answer.value::float8 as value',
        from: 'cross join lateral jsonb_each_text(r.answers) as answer(item, value)',
        keys: ['item'],
        aggregates: `${tally('respondents')}, sum(value)::float8 as sum, max(value)::float8 as largest`,
      });
      return linesOf(await run<Record<string, unknown>>(statement), slice).map((row) => ({
        part: row.part,
        group: row.group,
        isTotal: row.isTotal,
        item: String(row.item),
        respondents: tallyOf(row, 'respondents'),
        sum: Number(row.sum),
        largest: Number(row.largest),
      }));
    },

    /**
     * Care delivered: fidelity per group, and per activity type the dose of those who received it.
     * Read from the summaries the last release computed (the same statements, run then); computed
     * from the released rows directly while there are none yet (before the first release after
     * migration 0009).
     */
    async care(slice: Slice): Promise<CareLines> {
      const params: unknown[] = [slice.population, slice.grouping ?? NO_GROUPING];
      if (slice.ownInstitution) params.push(slice.ownInstitution);
      const { rows } = await database.query<{
        institution_id: string | null;
        group: string | null;
        activity_type_code: string | null;
        figures: Record<string, unknown>;
      }>(
        `select institution_id, "group", activity_type_code, figures from statistics_care_summaries
          where population = $1 and grouping = $2 and (institution_id is null ${slice.ownInstitution ? 'or institution_id = $3::uuid' : ''})`,
        params,
      );
      if (rows.length === 0) return this.careFromReleasedRows(slice);
      const lineOf = (row: (typeof rows)[number]) => ({
        ...row.figures,
        part: row.institution_id === null ? ('national' as const) : ('own' as const),
        group: row.group,
        isTotal: row.figures.is_total === true,
      });
      return {
        lines: rows.filter((row) => row.activity_type_code === null).map((row) => careLine(lineOf(row))),
        doses: rows
          .filter((row) => row.activity_type_code !== null)
          .map((row) => doseLine({ ...lineOf(row), activity_type_code: row.activity_type_code })),
      };
    },

    /** The care aggregates computed from the released rows (what the summaries hold; the tests compare the two). */
    async careFromReleasedRows(slice: Slice): Promise<CareLines> {
      const statements = careStatements(slice);
      const [fidelityRows, doseRows] = await Promise.all([
        run<Record<string, unknown>>(statements.fidelity),
        run<Record<string, unknown>>(statements.doses),
      ]);
      return { lines: linesOf(fidelityRows, slice).map(careLine), doses: linesOf(doseRows, slice).map(doseLine) };
    },

    /** The start years an answer lists: those of the released population, first to last (the same list for every asker). */
    async startYears(): Promise<string[]> {
      const { rows } = await database.query<{ first: number | null; last: number | null }>(
        'select min(extract(year from start_date))::int as first, max(extract(year from start_date))::int as last from statistics_trajectories',
      );
      const { first, last } = rows[0]!;
      return first === null || last === null ? [] : Array.from({ length: last - first + 1 }, (_, index) => String(first + index));
    },
  };
}

export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
