// The statistics population as the records stand now: one row per trajectory whose research
// consent is granted or unknown, with everything any answer reads from it. A release copies
// rows of this into statistics_trajectories (statistics-releases.repository.ts).
//
// The two definitions other changes to the data model must keep right are here, once each.

import { YOUTH_PERSPECTIVE_PREFIX } from '../../lib/vocabulary';

/**
 * What makes several trajectories one youth: the registry key of the trajectory's subject row.
 * (Issue #11 gives each institution its own subject row per youth; the rows of one youth share
 * the registry key, so this stays right when `subjects s` is the trajectory's own institution's row.)
 */
export const YOUTH = 's.registry_key';

/**
 * The youth's record key for the cell-key method, in [0, 2^31): the first 31 bits of
 * SHA-256(secret ‖ youth), with the registry's statistics secret as parameter `secret`. Derived,
 * not stored, so that no row shared by the institutions has to be created or locked for it, and
 * the same youth gets the same key whichever institution's trajectories she is counted through.
 * (A secret prefix is enough here: the hash is never shown to anyone, so nothing can be extended.)
 */
export const youthRecordKey = (secret: string) =>
  `(('x' || left(encode(sha256(${secret}::bytea || convert_to(${YOUTH}, 'UTF8')), 'hex'), 8))::bit(32)::int & 2147483647)`;

export const AGE_GROUPS = ['up to 13', '14-15', '16-17', '18 and over', 'unknown'] as const;

const AGE_GROUP = `case when s.birth_year is null then 'unknown'
                        when extract(year from t.start_date)::int - s.birth_year <= 13 then 'up to 13'
                        when extract(year from t.start_date)::int - s.birth_year <= 15 then '14-15'
                        when extract(year from t.start_date)::int - s.birth_year <= 17 then '16-17'
                        else '18 and over' end`;

/** Columns of a statistics row, per family: a family is released when enough youths changed in it. */
export const FAMILY_COLUMNS = {
  membership: [
    'youth',
    'youth_key',
    'record_key',
    'research_consent',
    'institution_id',
    'programme_id',
    'setting',
    'start_date',
    'gender',
    'age_group',
  ],
  course: ['end_date', 'end_reason'],
  outcome: [
    'outcome_class',
    'problem_recognition',
    'status_exploitation_resilience',
    'status_social_emotional',
    'status_family_network',
    'status_participation',
  ],
  care: ['fidelity_summary', 'fidelity_diagnostics_safety', 'fidelity_living_climate', 'fidelity_mentor_conversations', 'doses'],
  perspective: ['answers'],
} as const;

export const ALL_COLUMNS = ['trajectory_id', ...Object.values(FAMILY_COLUMNS).flat()];

/**
 * The population now, with `$1` the statistics secret; `ofIds`: only the trajectories in `$2`
 * (a batch of the embedded database's release, statistics-releases.repository.ts). The setting is
 * the one the trajectory started in. Each row is built from its trajectory's own records, the
 * doses and answers by lateral subqueries on their indexes: a plan that needs no planner
 * statistics (PGlite gathers none), as fast as grouping the whole tables on PostgreSQL (1.0–1.6 s
 * against 1.1–1.4 s at 20,000 trajectories).
 */
export const currentPopulation = ({ ofIds = false } = {}) => `
  select t.id as trajectory_id,
         ${YOUTH} as youth, ${youthRecordKey('$1')} as youth_key, t.record_key, t.research_consent,
         t.institution_id, t.programme_id,
         coalesce((select pl.setting from placements pl where pl.trajectory_id = t.id order by pl.start_date, pl.id limit 1), p.settings[1]) as setting,
         t.start_date, coalesce(s.gender, 'unknown') as gender, ${AGE_GROUP} as age_group,
         t.end_date, t.end_reason,
         coalesce(ti.outcome_class, 'insufficient_data') as outcome_class, coalesce(ti.problem_recognition, 'unknown') as problem_recognition,
         coalesce(ti.status_exploitation_resilience, 'unknown') as status_exploitation_resilience,
         coalesce(ti.status_social_emotional, 'unknown') as status_social_emotional,
         coalesce(ti.status_family_network, 'unknown') as status_family_network,
         coalesce(ti.status_participation, 'unknown') as status_participation,
         ti.fidelity_summary, ti.fidelity_diagnostics_safety, ti.fidelity_living_climate, ti.fidelity_mentor_conversations,
         coalesce(d.doses, '{}'::jsonb) as doses, coalesce(a.answers, '{}'::jsonb) as answers
    from trajectories t
    join subjects s on s.id = t.subject_id
    join programmes p on p.id = t.programme_id
    left join trajectory_indicators ti on ti.trajectory_id = t.id
    left join lateral (select jsonb_object_agg(td.activity_type_code, td.per_month_in_care) as doses
                         from trajectory_doses td where td.trajectory_id = t.id) d on true
    left join lateral (select jsonb_object_agg(item, value) as answers
                         from (select distinct on (m.instrument_code) m.instrument_code as item, m.value
                                 from measurements m
                                where m.trajectory_id = t.id and m.instrument_code like '${YOUTH_PERSPECTIVE_PREFIX}%' and m.informant = 'youth'
                                order by m.instrument_code, m.measured_on desc, m.id desc) latest) a on true
   where t.research_consent in ('granted', 'unknown')${ofIds ? ' and t.id = any($2::uuid[])' : ''}`;
