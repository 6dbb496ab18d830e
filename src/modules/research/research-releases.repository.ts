import type { SqlConnection } from '../../db/client';
import type { TrajectoryFilter } from '../../generated/graphql';
import { type ActivityRow, type MeasurementTuple, type PlacementRow, TRAJECTORY_SELECT, type TrajectoryRow } from './research.repository';

// The research releases' tables (db/schema/research.ts). A release is made pending, filled in
// batches (each one statement that copies what researchers see of some trajectories into one
// document each), and published by one short transaction that drops what no longer qualifies,
// links each youth's trajectories and digests the whole. Batches keep every statement short: the
// embedded database has one connection, and a single statement over the registry held every
// request for seconds. Later pushes, corrections and end-date changes reach the next release only.
// Reads of a release touch these tables alone, and never a pending release.

/** One trajectory of a release: the rows the research API reads, frozen. */
export interface ReleasedDocument {
  row: TrajectoryRow;
  placements: PlacementRow[];
  activities: ActivityRow[];
  /** As `measurementsOf` gives them for the registry scope (no calendar dates). */
  measurements: MeasurementTuple[];
  /** The youth's other trajectories in the same release. */
  others: string[];
}

/** What a page reads of a document (`page`). */
export type PageDocument = Pick<ReleasedDocument, 'row' | 'measurements' | 'others'>;

export interface ResearchReleaseRecord {
  id: string;
  statisticsReleaseId: number | null;
  publishedAt: Date;
  cutoff: string;
  trajectories: number;
  contentDigest: string;
  manifest: Record<string, unknown>;
  /** Trajectories erased from the release since it was made. */
  withdrawn: number;
  /** When its records were removed under the retention; null while it is whole. */
  retiredAt: Date | null;
}

const RELEASE_SELECT = `
  select r.id, r.statistics_release_id as "statisticsReleaseId", r.published_at as "publishedAt", r.cutoff::text as cutoff,
         r.trajectories, r.content_digest as "contentDigest", r.manifest, r.retired_at as "retiredAt",
         (select count(*)::int from research_release_withdrawals w where w.release_id = r.id) as withdrawn
    from research_releases r
   where not r.pending`;

/**
 * What a page reads of a document, as JSON text (migration 0016 fills it for releases made before):
 * PostgreSQL writes jsonb out as text on every read, which for a page's 50 documents and their
 * thousands of measurements took most of the page's time; text is sent as it is stored.
 */
const PAGE_OF = (document: string) =>
  `jsonb_build_object('row', ${document}->'row', 'measurements', ${document}->'measurements', 'others', ${document}->'others')::text`;

/** What researchers may see at a cut-off (alias `t` trajectories, `s` subjects). */
const RELEASED = (cutoff: string) => `t.research_consent = 'granted' and t.end_date < ${cutoff}::date and s.erased_at is null`;

const DIGEST_OF = (document: string) => `encode(sha256(convert_to(${document}::text, 'UTF8')), 'hex')`;

/**
 * A batch of the trajectories researchers may see at a cut-off ($3, ids), with everything the
 * research API reads of them; each youth's other trajectories are linked when the release is
 * published (`publish`), over what it then holds.
 */
const FREEZE = `
  insert into research_release_trajectories
    (release_id, trajectory_id, registry_key, institution_code, programme_code, gender, age_at_start, start_month,
     end_reason, outcome_class, problem_recognition, settings, document, others, page, document_digest)
  select f.*, ${PAGE_OF('f.document')}, ${DIGEST_OF('f.document')}
    from (
  select $1::text, r.id, r.registry_key, r.institution_code, r.programme_code, r.gender,
         extract(year from r.start_date::date)::int - r.birth_year, left(r.start_date, 7), r.end_reason,
         r.stored_outcomes->>'outcome_class', r.stored_outcomes->>'problem_recognition',
         coalesce((select array_agg(distinct pl.setting order by pl.setting) from placements pl where pl.trajectory_id = r.id), '{}'),
         jsonb_build_object(
           'row', to_jsonb(r),
           'placements', coalesce((
             select jsonb_agg(jsonb_build_object('trajectory_id', pl.trajectory_id, 'setting', pl.setting,
                      'start_date', pl.start_date::text, 'end_date', pl.end_date::text,
                      'start_day', pl.start_date - r.start_date::date, 'end_day', pl.end_date - r.start_date::date)
                    order by pl.start_date)
               from placements pl where pl.trajectory_id = r.id), '[]'),
           'activities', coalesce((
             select jsonb_agg(jsonb_build_object('trajectory_id', a.trajectory_id, 'activity_type_code', a.activity_type_code,
                      'activity_date', a.activity_date::text, 'day', a.activity_date - r.start_date::date, 'count', a.count,
                      'duration_minutes', a.duration_minutes, 'domain', a.domain, 'parents_involved', a.parents_involved,
                      'topics', a.topics)
                    order by a.activity_date, a.id)
               from care_activities a where a.trajectory_id = r.id), '[]'),
           'measurements', coalesce((
             select jsonb_agg(jsonb_build_array(m.instrument_code, m.informant, m.measured_on - r.start_date::date, m.value, null)
                    order by m.instrument_code, m.informant, m.measured_on, m.id)
               from measurements m where m.trajectory_id = r.id), '[]'),
           'others', to_jsonb(others.ids)) as document,
         others.ids
    from (${TRAJECTORY_SELECT} where ${RELEASED('$2')} and t.id = any($3::uuid[])) r
   cross join lateral (
     select coalesce(array_agg(o.id order by o.start_date, o.id), '{}') as ids
       from subjects os join trajectories o on o.subject_id = os.id
      where os.registry_key = r.registry_key and o.id <> r.id and o.research_consent = 'granted' and o.end_date < $2::date) others
  -- offset 0 keeps the subquery whole: pulled up, its document would be built once per use (four times).
  offset 0) f`;

/** A pending release's documents whose trajectory no longer qualifies (consent withdrawn, reopened, erased). */
const DROP_UNQUALIFIED = `
  delete from research_release_trajectories d
   where d.release_id = $1
     and not exists (select 1 from trajectories t join subjects s on s.id = t.subject_id where t.id = d.trajectory_id and ${RELEASED('$2')})`;

/**
 * Each youth's other trajectories as the release holds them when it is published (by start date),
 * into her documents where they differ from those frozen with the document (a trajectory of hers
 * that lost its consent, was reopened or ended while the release was made): usually none.
 */
const LINK_OTHERS = `
  with linked as (
    select m.trajectory_id, m.document, m.others as frozen,
           coalesce((select array_agg(o.trajectory_id order by ot.start_date, o.trajectory_id)
                       from research_release_trajectories o join trajectories ot on ot.id = o.trajectory_id
                      where o.release_id = m.release_id and o.registry_key = m.registry_key and o.trajectory_id <> m.trajectory_id),
                    '{}') as ids
      from research_release_trajectories m
     where m.release_id = $1
       and (cardinality(m.others) > 0
            or m.registry_key in (select registry_key from research_release_trajectories where release_id = $1
                                   group by registry_key having count(*) > 1)))
  update research_release_trajectories d
     set document = relinked.document, others = relinked.ids,
         page = ${PAGE_OF('relinked.document')}, document_digest = ${DIGEST_OF('relinked.document')}
    from (select trajectory_id, ids, jsonb_set(document, '{others}', to_jsonb(ids)) as document
            from linked where ids is distinct from frozen) relinked
   where d.release_id = $1 and d.trajectory_id = relinked.trajectory_id`;

/** The filter on the release's columns (alias `d`), parameters appended. */
function filterConditions(filter: TrajectoryFilter, params: unknown[]): string[] {
  const conditions: string[] = [];
  const add = (value: unknown, condition: (placeholder: string) => string) => {
    if (value === undefined || value === null) return;
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  add(filter.institution, (p) => `d.institution_code = ${p}`);
  add(filter.programme, (p) => `d.programme_code = ${p}`);
  add(filter.setting, (p) => `${p} = any(d.settings)`);
  add(filter.gender, (p) => `d.gender = ${p}`);
  add(filter.ageAtStartMin, (p) => `d.age_at_start >= ${p}::int`);
  add(filter.ageAtStartMax, (p) => `d.age_at_start <= ${p}::int`);
  add(filter.startedFrom, (p) => `d.start_month >= ${p}`);
  add(filter.startedTo, (p) => `d.start_month <= ${p}`);
  add(filter.endReason, (p) => `d.end_reason = ${p}`);
  add(filter.outcomeClass, (p) => `d.outcome_class = ${p}`);
  add(filter.problemRecognition, (p) => `d.problem_recognition = ${p}`);
  // Every released trajectory has ended and has consent (the research policy answers other consents with nothing).
  if (filter.ongoing === true) conditions.push('false');
  return conditions;
}

/** A page of a release under a filter: after a trajectory id, in id order, at most `limit` (the statement's tail, alias `d`). */
function pageOf(releaseId: string, filter: TrajectoryFilter, after: string | null, limit: number) {
  const params: unknown[] = [releaseId];
  const conditions = ['d.release_id = $1', ...filterConditions(filter, params)];
  if (after !== null) {
    params.push(after);
    conditions.push(`d.trajectory_id > $${params.length}::uuid`);
  }
  params.push(limit);
  return { tail: `where ${conditions.join(' and ')} order by d.trajectory_id limit $${params.length}`, params };
}

/**
 * Thrown by `make` when the release would hold exactly what the latest release holds (nothing new
 * to cite): the caller's transaction rolls back, so nothing of it is kept.
 */
export class UnchangedReleaseError extends Error {
  constructor() {
    super('the release holds exactly what the latest release holds');
    this.name = 'UnchangedReleaseError';
  }
}

/** Reads of the releases run on `database`; making and retiring one run in the caller's transaction. */
export function createResearchReleasesRepository(database: SqlConnection) {
  return {
    /**
     * Starts release `id`, pending (nothing reads it); a release left pending for over an hour
     * (its maker stopped) goes first.
     */
    async begin(
      connection: SqlConnection,
      release: { id: string; cutoff: string; statisticsReleaseId: number | null; manifest: Record<string, unknown> },
    ): Promise<void> {
      await connection.query(`delete from research_releases where pending and published_at < now() - interval '1 hour'`);
      await connection.query(
        `insert into research_releases (id, statistics_release_id, cutoff, trajectories, content_digest, manifest, pending)
         values ($1, $2, $3::date, 0, '', $4::jsonb, true)`,
        [release.id, release.statisticsReleaseId, release.cutoff, JSON.stringify(release.manifest)],
      );
    },

    /** The trajectories researchers may see at `cutoff`, in id order (what `freeze` takes in batches). */
    async releasable(cutoff: string): Promise<string[]> {
      const { rows } = await database.query<{ id: string }>(
        `select t.id from trajectories t join subjects s on s.id = t.subject_id where ${RELEASED('$1')} order by t.id`,
        [cutoff],
      );
      return rows.map((row) => row.id);
    },

    /** Freezes a batch of trajectories into pending release `id` (one statement: one snapshot per batch). */
    async freeze(connection: SqlConnection, id: string, cutoff: string, trajectoryIds: readonly string[]): Promise<void> {
      await connection.query(FREEZE, [id, cutoff, trajectoryIds]);
    },

    /**
     * Publishes pending release `id`, in the caller's transaction: drops the documents that no
     * longer qualify, links each youth's trajectories, digests the documents. Throws
     * `UnchangedReleaseError` when it holds exactly what the latest release holds.
     */
    async publish(connection: SqlConnection, id: string, cutoff: string): Promise<{ trajectories: number; contentDigest: string }> {
      // Over the whole release: longer than an API statement may take on a large registry.
      await connection.query(`set local statement_timeout = '15min'`);
      await connection.query(DROP_UNQUALIFIED, [id, cutoff]);
      await connection.query(LINK_OTHERS, [id]);
      const { rows } = await connection.query<{ n: number; digest: string }>(
        `select count(*)::int as n,
                encode(sha256(convert_to(coalesce(string_agg(document_digest, E'\\n' order by trajectory_id), ''), 'UTF8')), 'hex') as digest
           from research_release_trajectories where release_id = $1`,
        [id],
      );
      const { n, digest } = rows[0]!;
      const { rows: latest } = await connection.query<{ content_digest: string }>(
        'select content_digest from research_releases where not pending order by published_at desc, id desc limit 1',
      );
      if (latest[0]?.content_digest === digest) throw new UnchangedReleaseError();
      await connection.query(
        'update research_releases set trajectories = $2, content_digest = $3, pending = false, published_at = now() where id = $1',
        [id, n, digest],
      );
      return { trajectories: n, contentDigest: digest };
    },

    /** Removes pending release `id` and its documents, a batch of trajectories per statement. */
    async discard(id: string, batches: Iterable<readonly string[]>): Promise<void> {
      for (const batch of batches) {
        await database.query('delete from research_release_trajectories where release_id = $1 and trajectory_id = any($2::uuid[])', [
          id,
          batch,
        ]);
      }
      await database.query('delete from research_releases where id = $1 and pending', [id]);
    },

    /**
     * Retires releases: marks them retired, keeps the ids of their trajectories, then removes
     * their documents (the withdrawal trigger lists none for a retired release). Returns those
     * retired now, not before.
     */
    async retire(connection: SqlConnection, ids: readonly string[], at: Date): Promise<ResearchReleaseRecord[]> {
      if (ids.length === 0) return [];
      const { rows } = await connection.query<{ id: string }>(
        'update research_releases set retired_at = $2 where id = any($1::text[]) and retired_at is null returning id',
        [ids, at],
      );
      const retired = rows.map((row) => row.id);
      if (retired.length === 0) return [];
      // The ids stay, so an erasure after this still reaches the release's withdrawals.
      await connection.query(
        `insert into research_release_retired_trajectories (release_id, trajectory_id)
         select release_id, trajectory_id from research_release_trajectories where release_id = any($1::text[])`,
        [retired],
      );
      await connection.query('delete from research_release_trajectories where release_id = any($1::text[])', [retired]);
      return (
        await connection.query<ResearchReleaseRecord>(
          `${RELEASE_SELECT} and r.id = any($1::text[]) order by r.published_at desc, r.id desc`,
          [retired],
        )
      ).rows;
    },

    /** How many releases of a period exist (the next one's sequence number is one more). */
    async countInPeriod(period: string): Promise<number> {
      const { rows } = await database.query<{ n: number }>("select count(*)::int as n from research_releases where id like $1 || '.%'", [
        period,
      ]);
      return rows[0]!.n;
    },

    async setManifest(id: string, manifest: Record<string, unknown>): Promise<void> {
      await database.query('update research_releases set manifest = $2::jsonb where id = $1', [id, JSON.stringify(manifest)]);
    },

    /** Every release, newest first. */
    async list(): Promise<ResearchReleaseRecord[]> {
      return (await database.query<ResearchReleaseRecord>(`${RELEASE_SELECT} order by r.published_at desc, r.id desc`)).rows;
    },

    /** A release by id, or the latest when `id` is null. */
    async get(id: string | null): Promise<ResearchReleaseRecord | null> {
      const { rows } =
        id === null
          ? await database.query<ResearchReleaseRecord>(`${RELEASE_SELECT} order by r.published_at desc, r.id desc limit 1`)
          : await database.query<ResearchReleaseRecord>(`${RELEASE_SELECT} and r.id = $1`, [id]);
      return rows[0] ?? null;
    },

    /**
     * A page of a release's documents in trajectory id order, with the row, the measurements and
     * the other trajectories only (`page`, stored as text when the release was made): placements
     * and activities are nine tenths of a document's bytes and a page rarely asks for them
     * (`documents` reads them when it does).
     */
    async page(releaseId: string, filter: TrajectoryFilter, after: string | null, limit: number): Promise<PageDocument[]> {
      const { tail, params } = pageOf(releaseId, filter, after, limit);
      const { rows } = await database.query<{ page: string }>(`select d.page from research_release_trajectories d ${tail}`, params);
      return rows.map((row) => JSON.parse(row.page) as PageDocument);
    },

    /** How many of a release's trajectories a filter holds, every page together (an erased one has left the release). */
    async count(releaseId: string, filter: TrajectoryFilter): Promise<number> {
      const params: unknown[] = [releaseId];
      const conditions = ['d.release_id = $1', ...filterConditions(filter, params)];
      const { rows } = await database.query<{ total: number }>(
        `select count(*)::int as total from research_release_trajectories d where ${conditions.join(' and ')}`,
        params,
      );
      return rows[0]!.total;
    },

    async documents(releaseId: string, ids: readonly string[]): Promise<ReleasedDocument[]> {
      const { rows } = await database.query<{ document: ReleasedDocument }>(
        'select document from research_release_trajectories where release_id = $1 and trajectory_id = any($2::uuid[])',
        [releaseId, ids],
      );
      return rows.map((row) => row.document);
    },

    /**
     * A batch of a release's documents after `after` in id order, with only the `parts` asked
     * for (an export reads a release once per table, and a table needs one or two parts).
     */
    async batch(
      releaseId: string,
      filter: TrajectoryFilter,
      after: string | null,
      limit: number,
      parts: ReadonlyArray<keyof ReleasedDocument>,
    ): Promise<Array<Partial<ReleasedDocument> & { id: string }>> {
      const { tail, params } = pageOf(releaseId, filter, after, limit);
      const picked = parts.map((part) => `'${part}', d.document->'${part}'`).join(', ');
      const { rows } = await database.query<{ id: string; document: Partial<ReleasedDocument> }>(
        `select d.trajectory_id as id, jsonb_build_object(${picked}) as document from research_release_trajectories d ${tail}`,
        params,
      );
      return rows.map((row) => ({ ...row.document, id: row.id }));
    },

    /** The registry keys of a release's trajectories under a filter (the audit trail's subjects of an export). */
    async registryKeys(releaseId: string, filter: TrajectoryFilter): Promise<string[]> {
      const params: unknown[] = [releaseId];
      const conditions = ['d.release_id = $1', ...filterConditions(filter, params)];
      const { rows } = await database.query<{ registry_key: string }>(
        `select distinct d.registry_key from research_release_trajectories d where ${conditions.join(' and ')}`,
        params,
      );
      return rows.map((row) => row.registry_key);
    },

    /** Which of `ids` a release holds. */
    async holding(releaseId: string, ids: readonly string[]): Promise<string[]> {
      const { rows } = await database.query<{ trajectory_id: string }>(
        'select trajectory_id from research_release_trajectories where release_id = $1 and trajectory_id = any($2::uuid[])',
        [releaseId, ids],
      );
      return rows.map((row) => row.trajectory_id);
    },

    /** The trajectory ids a release holds now. */
    async trajectoryIds(releaseId: string): Promise<string[]> {
      const { rows } = await database.query<{ trajectory_id: string }>(
        'select trajectory_id from research_release_trajectories where release_id = $1',
        [releaseId],
      );
      return rows.map((row) => row.trajectory_id);
    },

    /** The trajectory ids erased from a release since it was made, in id order. */
    async withdrawals(releaseId: string): Promise<string[]> {
      const { rows } = await database.query<{ trajectory_id: string }>(
        'select trajectory_id from research_release_withdrawals where release_id = $1 order by trajectory_id',
        [releaseId],
      );
      return rows.map((row) => row.trajectory_id);
    },
  };
}

export type ResearchReleasesRepository = ReturnType<typeof createResearchReleasesRepository>;
