import type { SqlConnection } from '../../db/client';
import type { SeriesInstrument } from '../../lib/statistics/trajectory-indicators';
import type { TrajectoryIndicators } from './compute-indicators';

// The indicator module's tables: indicator_queue, trajectory_indicators and trajectory_doses, and
// the instrument catalogue as the indicator functions read it.

/** Queues trajectories in the writer's transaction. */
export async function enqueueIndicatorUpdates(connection: SqlConnection, trajectoryIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(trajectoryIds)];
  if (ids.length === 0) return;
  await connection.query('insert into indicator_queue (trajectory_id) select unnest($1::uuid[]) on conflict do nothing', [ids]);
}

/** The instrument catalogue as the indicator functions need it. */
export async function selectInstruments(connection: SqlConnection): Promise<Map<string, SeriesInstrument>> {
  const { rows } = await connection.query<{
    code: string;
    kind: 'score' | 'status';
    domain: SeriesInstrument['domain'];
    norm_sd: number | null;
    reliability: number | null;
    higher_is_better: boolean;
    clinical_cutoff: number | null;
    levels: SeriesInstrument['levels'];
  }>('select code, kind, domain, norm_sd, reliability, higher_is_better, clinical_cutoff, levels from instruments');
  return new Map(
    rows.map((row) => [
      row.code,
      {
        code: row.code,
        kind: row.kind,
        domain: row.domain,
        normSd: row.norm_sd,
        reliability: row.reliability,
        higherIsBetter: row.higher_is_better,
        clinicalCutoff: row.clinical_cutoff,
        levels: row.levels,
      },
    ]),
  );
}

/**
 * Takes up to `limit` trajectories off the queue. Lock order: the trajectory first (KEY SHARE,
 * which writers of its fields do not block), then its queue row — the order writers and erasures
 * take them in, so none can deadlock.
 */
export async function takeQueuedBatch(connection: SqlConnection, limit: number): Promise<string[]> {
  const { rows } = await connection.query<{ trajectory_id: string }>(
    `with candidates as (select trajectory_id from indicator_queue order by queued_at limit $1),
          locked as (select t.id from trajectories t join candidates c on c.trajectory_id = t.id order by t.id for key share of t skip locked)
     delete from indicator_queue q using locked where q.trajectory_id = locked.id
     returning q.trajectory_id`,
    [limit],
  );
  return rows.map((row) => row.trajectory_id);
}

/** Stores the indicators of a batch, replacing what was stored for those trajectories. */
export async function storeIndicators(
  connection: SqlConnection,
  today: string,
  computed: ReadonlyArray<{ id: string; indicators: TrajectoryIndicators }>,
): Promise<void> {
  const core = (indicators: TrajectoryIndicators, element: string) =>
    indicators.fidelity.coreElements.find((entry) => entry.coreElement === element)?.score ?? null;
  await connection.query(
    `insert into trajectory_indicators as i (trajectory_id, computed_for, days_in_care, outcome_class, problem_recognition,
        status_exploitation_resilience, status_social_emotional, status_family_network, status_participation,
        fidelity_summary, fidelity_diagnostics_safety, fidelity_living_climate, fidelity_mentor_conversations)
     select r.* from unnest($1::uuid[], $2::date[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                                   $10::float8[], $11::float8[], $12::float8[], $13::float8[])
       as r(trajectory_id, computed_for, days_in_care, outcome_class, problem_recognition, s1, s2, s3, s4, f, f1, f2, f3)
     on conflict (trajectory_id) do update set
       computed_for = excluded.computed_for, computed_at = now(), days_in_care = excluded.days_in_care,
       outcome_class = excluded.outcome_class, problem_recognition = excluded.problem_recognition,
       status_exploitation_resilience = excluded.status_exploitation_resilience, status_social_emotional = excluded.status_social_emotional,
       status_family_network = excluded.status_family_network, status_participation = excluded.status_participation,
       fidelity_summary = excluded.fidelity_summary, fidelity_diagnostics_safety = excluded.fidelity_diagnostics_safety,
       fidelity_living_climate = excluded.fidelity_living_climate, fidelity_mentor_conversations = excluded.fidelity_mentor_conversations`,
    [
      computed.map((entry) => entry.id),
      computed.map(() => today),
      computed.map((entry) => entry.indicators.daysInCare),
      computed.map((entry) => entry.indicators.outcomeClass),
      computed.map((entry) => entry.indicators.problemRecognition),
      computed.map((entry) => entry.indicators.domainStatuses.exploitation_resilience),
      computed.map((entry) => entry.indicators.domainStatuses.social_emotional),
      computed.map((entry) => entry.indicators.domainStatuses.family_network),
      computed.map((entry) => entry.indicators.domainStatuses.participation),
      computed.map((entry) => entry.indicators.fidelity.summary),
      computed.map((entry) => core(entry.indicators, 'diagnostics_safety')),
      computed.map((entry) => core(entry.indicators, 'living_climate')),
      computed.map((entry) => core(entry.indicators, 'mentor_conversations')),
    ],
  );
  await connection.query('delete from trajectory_doses where trajectory_id = any($1::uuid[])', [computed.map((entry) => entry.id)]);
  const doses = computed.flatMap((entry) => entry.indicators.dose.map((dose) => ({ id: entry.id, ...dose })));
  if (doses.length > 0) {
    await connection.query(
      `insert into trajectory_doses (trajectory_id, activity_type_code, count, minutes, per_month_in_care)
       select * from unnest($1::uuid[], $2::text[], $3::int4[], $4::int4[], $5::float8[])`,
      [
        doses.map((dose) => dose.id),
        doses.map((dose) => dose.activityTypeCode),
        doses.map((dose) => dose.count),
        doses.map((dose) => dose.minutes),
        doses.map((dose) => dose.perMonthInCare),
      ],
    );
  }
}

/** Queues trajectories never computed, and open ones last computed before `today`. */
export async function enqueueStaleTrajectories(connection: SqlConnection, today: string): Promise<number> {
  const { rows } = await connection.query<{ queued: string }>(
    `with queued as (
       insert into indicator_queue (trajectory_id)
       select t.id from trajectories t left join trajectory_indicators i on i.trajectory_id = t.id
        where i.trajectory_id is null or (t.end_date is null and i.computed_for < $1::date)
       on conflict do nothing returning 1)
     select count(*)::text as queued from queued`,
    [today],
  );
  return Number(rows[0]!.queued);
}

/** How many trajectories wait, and how long the oldest has waited (for the metrics). */
export async function selectQueueState(connection: SqlConnection): Promise<{ depth: number; oldestSeconds: number }> {
  const { rows } = await connection.query<{ depth: number; oldest_seconds: number | null }>(
    'select count(*)::int as depth, extract(epoch from now() - min(queued_at))::float8 as oldest_seconds from indicator_queue',
  );
  return { depth: rows[0]!.depth, oldestSeconds: rows[0]!.oldest_seconds ?? 0 };
}
