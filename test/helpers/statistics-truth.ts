import type { SqlConnection } from '../../src/db/client';

// The true values behind every statistics answer, computed here from the stored records and
// indicators, independently of the service's SQL: one row per trajectory, aggregated in
// JavaScript. The attack tests and the utility benchmark compare published answers with these.

export const TRUTH_GROUPINGS = ['programme', 'institution', 'setting', 'start_year', 'gender', 'age_group'] as const;
export type TruthGrouping = (typeof TRUTH_GROUPINGS)[number];

export interface TruthTrajectory {
  id: string;
  /** What makes two trajectories one youth (see the statistics feature: a youth is this value). */
  youth: string;
  consent: string;
  institution: string;
  institutionId: string;
  programme: string;
  setting: string;
  start_year: string;
  gender: string;
  age_group: string;
  days: number | null;
  /** The end date (YYYY-MM-DD), null while in care. */
  endDate: string | null;
  endReason: string | null;
  outcome: string;
  recognition: string;
  statuses: Record<string, string>;
  fidelity: Record<string, number | null>;
  doses: Record<string, number>;
  answers: Record<string, number>;
}

const DOMAIN_COLUMNS = {
  exploitation_resilience: 'status_exploitation_resilience',
  social_emotional: 'status_social_emotional',
  family_network: 'status_family_network',
  participation: 'status_participation',
} as const;
const FIDELITY = {
  summary: 'fidelity_summary',
  diagnostics_safety: 'fidelity_diagnostics_safety',
  living_climate: 'fidelity_living_climate',
  mentor_conversations: 'fidelity_mentor_conversations',
} as const;

/** Every trajectory in the statistics population (research consent not refused or withdrawn), or those of `ids` among them. */
export async function loadTruth(connection: Pick<SqlConnection, 'query'>, ids?: string[]): Promise<TruthTrajectory[]> {
  const { rows } = await connection.query<Record<string, unknown>>(
    `select t.id, s.registry_key as youth, t.research_consent as consent, i.code as institution, t.institution_id::text as institution_id, p.code as programme,
            coalesce((select pl.setting from placements pl where pl.trajectory_id = t.id order by pl.start_date limit 1), p.settings[1]) as setting,
            extract(year from t.start_date)::int as start_year, coalesce(s.gender, 'unknown') as gender, s.birth_year,
            t.end_date - t.start_date as days, t.end_date::text as end_date, t.end_reason,
            coalesce(ti.outcome_class, 'insufficient_data') as outcome, coalesce(ti.problem_recognition, 'unknown') as recognition,
            ${Object.values(DOMAIN_COLUMNS)
              .map((column) => `coalesce(ti.${column}, 'unknown') as ${column}`)
              .join(', ')},
            ${Object.values(FIDELITY)
              .map((column) => `ti.${column}`)
              .join(', ')},
            (select coalesce(jsonb_object_agg(d.activity_type_code, d.per_month_in_care), '{}') from trajectory_doses d where d.trajectory_id = t.id) as doses,
            (select coalesce(jsonb_object_agg(a.instrument_code, a.value), '{}') from (
               select distinct on (m.instrument_code) m.instrument_code, m.value from measurements m
                where m.trajectory_id = t.id and m.informant = 'youth' and m.instrument_code like 'youth_perspective_%'
                order by m.instrument_code, m.measured_on desc, m.id desc) a) as answers
       from trajectories t join subjects s on s.id = t.subject_id join programmes p on p.id = t.programme_id join institutions i on i.id = t.institution_id
       left join trajectory_indicators ti on ti.trajectory_id = t.id
      where t.research_consent not in ('refused', 'withdrawn') ${ids ? 'and t.id = any($1::uuid[])' : ''}`,
    ids ? [ids] : [],
  );
  return rows.map((row) => {
    const startYear = Number(row.start_year);
    // Issue #11 makes a subject's attributes nullable: an unknown birth year is the group 'unknown', as in the service.
    const age = row.birth_year === null ? null : startYear - Number(row.birth_year);
    return {
      id: String(row.id),
      youth: String(row.youth),
      consent: String(row.consent),
      institution: String(row.institution),
      institutionId: String(row.institution_id),
      programme: String(row.programme),
      setting: String(row.setting),
      start_year: String(startYear),
      gender: String(row.gender),
      age_group: age === null ? 'unknown' : age <= 13 ? 'up to 13' : age <= 15 ? '14-15' : age <= 17 ? '16-17' : '18 and over',
      days: row.days === null ? null : Number(row.days),
      endDate: row.end_date === null ? null : String(row.end_date),
      endReason: row.end_reason === null ? null : String(row.end_reason),
      outcome: String(row.outcome),
      recognition: String(row.recognition),
      statuses: Object.fromEntries(Object.entries(DOMAIN_COLUMNS).map(([domain, column]) => [domain, String(row[column])])),
      fidelity: Object.fromEntries(
        Object.entries(FIDELITY).map(([name, column]) => [name, row[column] === null ? null : Number(row[column])]),
      ),
      doses: Object.fromEntries(Object.entries(row.doses as Record<string, number>).map(([type, value]) => [type, Number(value)])),
      answers: Object.fromEntries(Object.entries(row.answers as Record<string, number>).map(([item, value]) => [item, Number(value)])),
    };
  });
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
};
const mean = (values: number[]): number | null => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);

/** A true value and, for shares, means and medians, how many it is over. */
export interface TrueValue {
  value: number | null;
  kind: 'count' | 'share' | 'mean' | 'median';
  base: number;
}

/** The true values of one line of an answer (a group, or the total), by the answer's value names. */
export function trueLine(measure: string, rows: TruthTrajectory[]): Record<string, TrueValue> {
  const count = (value: number): TrueValue => ({ value, kind: 'count', base: value });
  const entries: Record<string, TrueValue> = {};
  switch (measure) {
    case 'overview': {
      const ended = rows.filter((row) => row.days !== null);
      entries.started = count(rows.length);
      entries.ended = count(ended.length);
      entries.active = count(rows.length - ended.length);
      entries.youths = count(new Set(rows.map((row) => row.youth)).size);
      entries.medianDaysInCare = { value: median(ended.map((row) => row.days!)), kind: 'median', base: ended.length };
      for (const reason of ['completed', 'transferred', 'premature_end', 'other'])
        entries[`endReason.${reason}`] = count(ended.filter((row) => row.endReason === reason).length);
      break;
    }
    case 'outcomes':
    case 'recognition': {
      entries.trajectories = count(rows.length);
      for (const outcome of ['improved', 'mixed', 'not_improved', 'insufficient_data'])
        entries[`outcome.${outcome}`] = count(rows.filter((row) => row.outcome === outcome).length);
      if (measure === 'recognition') break;
      for (const domain of Object.keys(DOMAIN_COLUMNS)) {
        const known = rows.filter((row) => row.statuses[domain] !== 'unknown');
        entries[`${domain}.known`] = count(known.length);
        for (const status of ['improved', 'unchanged', 'deteriorated', 'mixed']) {
          entries[`${domain}.share_${status}`] = {
            value: known.length ? known.filter((row) => row.statuses[domain] === status).length / known.length : null,
            kind: 'share',
            base: known.length,
          };
        }
      }
      break;
    }
    case 'perspective': {
      const items = [...new Set(rows.flatMap((row) => Object.keys(row.answers)))];
      for (const item of items) {
        const values = rows.map((row) => row.answers[item]).filter((value): value is number => value !== undefined);
        entries[`${item}.respondents`] = count(values.length);
        entries[`${item}.mean`] = { value: mean(values), kind: 'mean', base: values.length };
      }
      break;
    }
    case 'care': {
      entries.trajectories = count(rows.length);
      for (const name of Object.keys(FIDELITY)) {
        const scored = rows.map((row) => row.fidelity[name]).filter((value): value is number => value !== null && value !== undefined);
        entries[`fidelity.${name}.scored`] = count(scored.length);
        entries[`fidelity.${name}.median`] = { value: median(scored), kind: 'median', base: scored.length };
      }
      const types = [...new Set(rows.flatMap((row) => Object.keys(row.doses)))];
      for (const type of types) {
        const received = rows.map((row) => row.doses[type]).filter((value): value is number => value !== undefined);
        entries[`dose.${type}.received`] = count(received.length);
        entries[`dose.${type}.medianPerMonth`] = { value: median(received), kind: 'median', base: received.length };
      }
      break;
    }
  }
  return entries;
}

/** The group a trajectory falls in, for a grouping (recognition groups by problem recognition). */
export function groupOf(row: TruthTrajectory, grouping: TruthGrouping | 'recognition'): string {
  return grouping === 'recognition' ? row.recognition : row[grouping];
}

/** The true answer: per group, and the total line. */
export function trueAnswer(
  measure: string,
  grouping: TruthGrouping | null,
  rows: TruthTrajectory[],
): { groups: Map<string, Record<string, TrueValue>>; total: Record<string, TrueValue> } {
  const by = measure === 'recognition' ? 'recognition' : grouping;
  const groups = new Map<string, Record<string, TrueValue>>();
  if (by) {
    const members = new Map<string, TruthTrajectory[]>();
    for (const row of rows) {
      const key = groupOf(row, by);
      members.set(key, [...(members.get(key) ?? []), row]);
    }
    for (const [key, list] of members) groups.set(key, trueLine(measure, list));
  }
  return { groups, total: trueLine(measure, rows) };
}
