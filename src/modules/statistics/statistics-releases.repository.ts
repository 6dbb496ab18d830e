import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { inPacedBatches } from '../../db/batches';
import { type Database, queryBuilder, runOn, type SqlConnection } from '../../db/client';
import { LOCKS } from '../../db/locks';
import { STATISTICS_FAMILIES, type StatisticsFamily, statisticsReleaseLog, statisticsTrajectories } from '../../db/schema';
import { ALL_COLUMNS, currentPopulation, FAMILY_COLUMNS } from './statistics-population';
import type { StoredAnswer } from './statistics-release-answers';

// The only code that touches the statistics tables. A release, in its first transaction, compares
// the population now with the released one family by family and per institution (the change
// rule is applied by the caller, statistics-releases.ts), copies the families it releases into
// statistics_trajectories and reads the released rows; the answers are computed off the main
// thread; a second, short transaction stores them and marks the release published. Readers only
// ever read the stored answers of the latest published release, so neither transaction holds them.

/**
 * The columns the release's statements join and group on: the planner needs the row counts and
 * these. Statistics of every column (the JSON of the doses and answers most) cost most of an
 * ANALYZE and no plan reads them.
 */
const ANALYSED = '(trajectory_id, youth, institution_id)';

/**
 * A released row as JSON text with its Drizzle keys (a `ReleasedRow`), built in SQL: the main
 * thread only passes the text on to the worker, which parses it (statistics-release-answers.ts).
 */
const RELEASED_ROW_JSON = (alias: string) =>
  `jsonb_build_object(${Object.entries(getTableColumns(statisticsTrajectories))
    .map(([key, column]) => `'${key}', ${alias}.${column.name}`)
    .join(', ')})::text`;

// ROW(...) also for a family of one column: `set (a) = (c.a)` is refused, `set (a) = ROW(c.a)` is not.
const rowOf = (alias: string, columns: readonly string[]) => `ROW(${columns.map((column) => `${alias}.${column}`).join(', ')})`;

/** A trajectory as the release saw it (statistics_trajectories). */
export type ReleasedRow = typeof statisticsTrajectories.$inferSelect;

/** Per family: youths changed in all, and per institution those that are not its own. */
export interface Changes {
  total: Record<StatisticsFamily, number>;
  /** Per institution id: changed youths with no trajectory at that institution. */
  others: Map<string, Record<StatisticsFamily, number>>;
  /** Published youths erased since the last release that counted them (each a change of membership). */
  departures: number;
}

/**
 * Per institution code since the last published release: erasures, and young churn (erasures of
 * records younger than the churn window, and, at a release, corrections that moved such a record
 * to other groups).
 */
export type Churn = Record<string, { erasures: number; young: number }>;

export type ReleaseOutcome = 'published' | 'unchanged' | 'waiting' | 'postponed' | 'failed';
export type ReleaseLogEntry = typeof statisticsReleaseLog.$inferSelect;

/** What the first transaction decides, given the changes and the churn. */
export interface Decision {
  families: Record<StatisticsFamily, { changed: number; fewestOthers: number | null; released: boolean }>;
  outcome: Exclude<ReleaseOutcome, 'failed'>;
  note?: string;
}

async function changesOn(connection: SqlConnection): Promise<Changes> {
  const others = STATISTICS_FAMILIES.filter((family) => family !== 'membership');
  const membership = `c.trajectory_id is null or r.trajectory_id is null or ${rowOf('c', FAMILY_COLUMNS.membership)} is distinct from ${rowOf('r', FAMILY_COLUMNS.membership)}`;
  const flags = others.map(
    (family) =>
      `(c.trajectory_id is not null and r.trajectory_id is not null and ${rowOf('c', FAMILY_COLUMNS[family])} is distinct from ${rowOf('r', FAMILY_COLUMNS[family])}) as ${family}`,
  );
  // Per youth and family: the institutions of her rows that changed in it. She is another's change
  // for institution X when a row of hers not at X changed: what X pushed itself (invented youths,
  // or a trajectory it adds for a youth of another institution) never counts as cover for X.
  const { rows } = await connection.query<Record<StatisticsFamily, number> & { institution: string | null }>(
    `with per_row as (
       select coalesce(c.youth, r.youth) as youth, coalesce(c.institution_id, r.institution_id) as institution_id,
              (${membership}) as membership, ${flags.join(', ')}
         from statistics_candidate c full join statistics_trajectories r on r.trajectory_id = c.trajectory_id),
     youths as (
       select ${STATISTICS_FAMILIES.map((family) => `array_agg(distinct institution_id) filter (where ${family}) as ${family}`).join(', ')}
         from per_row group by youth
       union all
       -- A published youth erased since: her leaving is a change of membership (one per erasure).
       select array_agg(distinct institution_id), ${others.map(() => 'null::uuid[]').join(', ')}
         from statistics_erasures where released and release_id is null group by erasure)
     select null::text as institution,
            ${STATISTICS_FAMILIES.map((family) => `count(*) filter (where y.${family} is not null)::int as ${family}`).join(', ')}
       from youths y
     union all
     select i.id::text,
            ${STATISTICS_FAMILIES.map((family) => `count(*) filter (where y.${family} is not null and not (y.${family} <@ array[i.id]))::int as ${family}`).join(', ')}
       from institutions i cross join youths y group by i.id`,
  );
  const { rows: departures } = await connection.query<{ n: number }>(
    'select count(distinct erasure)::int as n from statistics_erasures where released and release_id is null',
  );
  const pick = (row: Record<StatisticsFamily, number>) =>
    Object.fromEntries(STATISTICS_FAMILIES.map((family) => [family, Number(row[family])])) as Record<StatisticsFamily, number>;
  return {
    total: pick(rows.find((row) => row.institution === null)!),
    others: new Map(rows.filter((row) => row.institution !== null).map((row) => [row.institution!, pick(row)])),
    departures: departures[0]!.n,
  };
}

async function applyFamily(connection: SqlConnection, family: StatisticsFamily): Promise<void> {
  const columns = FAMILY_COLUMNS[family];
  if (family === 'membership') {
    await connection.query(
      'delete from statistics_trajectories r where not exists (select 1 from statistics_candidate c where c.trajectory_id = r.trajectory_id)',
    );
    // An anti-join by hash: `on conflict` keeps it linear where a `not exists` planned against a
    // table analysed while empty became a nested loop (quadratic; issue #23).
    await connection.query(
      `insert into statistics_trajectories (${ALL_COLUMNS.join(', ')})
       select ${ALL_COLUMNS.map((column) => `c.${column}`).join(', ')} from statistics_candidate c
       on conflict (trajectory_id) do nothing`,
    );
  }
  await connection.query(
    `update statistics_trajectories r set (${columns.join(', ')}) = ${rowOf('c', columns)}
       from statistics_candidate c
      where c.trajectory_id = r.trajectory_id and ${rowOf('c', columns)} is distinct from ${rowOf('r', columns)}`,
  );
}

async function churnOn(connection: SqlConnection, windowDays: number): Promise<Churn> {
  const { rows } = await connection.query<{ code: string; erasures: number; young: number }>(
    `select i.code, count(*)::int as erasures, count(*) filter (where e.erased_at - e.created_at < make_interval(days => $1))::int as young
       from statistics_erasures e join institutions i on i.id = e.institution_id
      where e.erased_at > coalesce((select max(started_at) from statistics_release_log where outcome = 'published'), '-infinity')
      group by i.code order by i.code`,
    [windowDays],
  );
  return Object.fromEntries(rows.map((row) => [row.code, { erasures: row.erasures, young: row.young }]));
}

/** The temporary tables of a release (the candidate population, the embedded database's copy of the released rows). */
const CANDIDATE_SHAPE = '(like statistics_trajectories including indexes)';
/**
 * Researchers' answers count what they see at record level: the records as they stand at the
 * research cut-off (`$1`), narrowed to the research release they read (statistics-releases.ts).
 */
const RESEARCH_ROWS = "c.research_consent = 'granted' and c.end_date < $1::date";
/**
 * The staged statements' first batch, in trajectories: a statement's fixed part kept batches of 10
 * from growing under load; the demo's registry is one batch.
 */
const FIRST_STAGED_BATCH = 500;

const lock = async (connection: SqlConnection) =>
  (await connection.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [LOCKS.statisticsRelease])).rows[0]!
    .locked;

export interface Prepared {
  /** The log entry of this attempt ('running' when it publishes). */
  entry: ReleaseLogEntry;
  decision: Decision;
  churn: Churn;
  /** The released population to compute the answers from (only when it publishes): each row's JSON, a `ReleasedRow`. */
  rows: string[];
  /** What researchers see at record level, as the records stand (only when it publishes): each row's JSON. */
  researchRows: string[];
  withheld: string[];
}

/**
 * Reads and the release log's own updates run on `database`; a release's two transactions are the
 * caller's. `kind`: the driver (PGlite has no JIT to turn off).
 */
export function createStatisticsReleasesRepository(database: SqlConnection, kind: Database['kind']) {
  return {
    /**
     * The first transaction of a release: compares, lets `decide` apply the change rule and the
     * churn threshold, applies what is released and reads the released population. Null when
     * another release is running. The whole of the caller's transaction, which it opens for it:
     * its first statement sets the transaction's isolation (PostgreSQL refuses that after another).
     */
    async prepare(
      connection: SqlConnection,
      secret: Buffer,
      attempt: {
        period: string;
        trigger: 'calendar' | 'operator';
        researchCutoff: string;
        method: string;
        churnWindowDays: number;
        /** The embedded database: the candidate was built by stageCandidate, and the rows are read by readStaged. */
        staged?: boolean;
      },
      /** `publishAnyway`: why the released population must be published even if nothing passes (none ever was; the last release failed). */
      decide: (changes: Changes, churn: Churn, publishAnyway: string | null) => Decision,
    ): Promise<Prepared | null> {
      // One snapshot for every statement: the released rows read here and the erasures counted
      // are the same moment's, so a youth is either in these rows or counted as leaving at the
      // next release, never neither. (Staged, the released rows are copied in it and read after.)
      await connection.query('set transaction isolation level repeatable read');
      if (!(await lock(connection))) return null;
      // Erasures in flight finish first and new ones wait for this transaction (not for the
      // audit): one lock order with them (db/locks.ts).
      await connection.query('select pg_advisory_xact_lock($1)', [LOCKS.releasedRows]);
      // A whole-registry comparison: longer than an API statement may take. No JIT: these
      // statements run once over the whole population, and past its cost threshold PostgreSQL
      // spent 0.8 s inlining and optimising the population's insert alone at 50,000 trajectories.
      await connection.query(`set local statement_timeout = '15min'`);
      if (kind === 'postgres') await connection.query('set local jit = off');
      if (attempt.staged) {
        // Built before this transaction (stageCandidate): youths erased since are not released again.
        await connection.query(
          'delete from statistics_candidate c where not exists (select 1 from trajectories t where t.id = c.trajectory_id)',
        );
      } else {
        await connection.query(`create temp table statistics_candidate ${CANDIDATE_SHAPE} on commit drop`);
        await connection.query(`insert into statistics_candidate (${ALL_COLUMNS.join(', ')}) ${currentPopulation()}`, [secret]);
      }
      await connection.query(`analyze statistics_candidate ${ANALYSED}`);
      const changes = await changesOn(connection);
      const churn = await churnOn(connection, attempt.churnWindowDays);
      // Moving a young record between cells (a correction of its membership) draws a fresh
      // perturbation as an erasure and a push would: churn too.
      const { rows: corrected } = await connection.query<{ code: string; corrected: number }>(
        `select i.code, count(*)::int as corrected
           from statistics_candidate c
           join statistics_trajectories r on r.trajectory_id = c.trajectory_id
           join trajectories t on t.id = c.trajectory_id
           join institutions i on i.id = c.institution_id
          where t.created_at > now() - make_interval(days => $1)
            and ${rowOf('c', FAMILY_COLUMNS.membership)} is distinct from ${rowOf('r', FAMILY_COLUMNS.membership)}
          group by i.code`,
        [attempt.churnWindowDays],
      );
      for (const { code, corrected: count } of corrected) {
        const counts = churn[code] ?? { erasures: 0, young: 0 };
        churn[code] = { ...counts, young: counts.young + count };
      }
      // A release that died after applying its families (its worker stopped, the process ended)
      // left released rows that no published answer reflects: they are published now, with
      // whatever else passes. One still 'running' after 15 minutes died.
      await connection.query(
        `update statistics_release_log set outcome = 'failed', finished_at = now(), note = 'stopped before it was published'
          where outcome = 'running' and started_at < now() - interval '15 minutes'`,
      );
      const { rows: state } = await connection.query<{ first: boolean; unpublished: boolean }>(
        `select not exists (select 1 from statistics_release_log where outcome = 'published') as first,
                exists (select 1 from statistics_release_log
                         where outcome = 'failed'
                           and id > coalesce((select max(id) from statistics_release_log where outcome = 'published'), 0)) as unpublished`,
      );
      const { first, unpublished } = state[0]!;
      const decision = decide(
        changes,
        churn,
        first ? 'the first release: the released population as it stood' : unpublished ? 'published again after a failed release' : null,
      );
      const publishing = decision.outcome === 'published';
      if (publishing) {
        for (const family of STATISTICS_FAMILIES) if (decision.families[family].released) await applyFamily(connection, family);
        await connection.query(`analyze statistics_trajectories ${ANALYSED}`);
      }
      const { rows: inserted } = await connection.query<{ entry: Record<string, unknown> }>(
        `insert into statistics_release_log (started_at, finished_at, period, trigger, outcome, families, churn, research_cutoff, method, note)
         values (now(), case when $1 then null else now() end, $2, $3, $4, $5, $6, $7, $8, $9) returning to_jsonb(statistics_release_log) as entry`,
        [
          publishing,
          attempt.period,
          attempt.trigger,
          publishing ? 'running' : decision.outcome,
          JSON.stringify(decision.families),
          JSON.stringify(churn),
          attempt.researchCutoff,
          attempt.method,
          decision.note ?? null,
        ],
      );
      const entry = logEntryOf(inserted[0]!.entry);
      if (publishing && decision.families.membership.released) {
        await connection.query('update statistics_erasures set release_id = $1 where released and release_id is null', [entry.id]);
      }
      const { rows: withheld } = await connection.query<{ fingerprint: string }>('select fingerprint from statistics_withheld_counts');
      const prepared = { entry, decision, churn, withheld: withheld.map((row) => row.fingerprint) };
      if (attempt.staged) {
        // Read after this transaction, in batches (readStaged), from a copy that erasures do not change.
        if (publishing) {
          await connection.query('drop table if exists statistics_released_copy');
          await connection.query(`create temp table statistics_released_copy ${CANDIDATE_SHAPE}`);
          await connection.query('insert into statistics_released_copy select * from statistics_trajectories');
        } else await connection.query('drop table statistics_candidate');
        return { ...prepared, rows: [], researchRows: [] };
      }
      const rowsOf = async (text: string, params: unknown[] = []) =>
        (await connection.query<{ row: string }>(text, params)).rows.map((row) => row.row);
      if (!publishing) return { ...prepared, rows: [], researchRows: [] };
      return {
        ...prepared,
        rows: await rowsOf(`select ${RELEASED_ROW_JSON('r')} as row from statistics_trajectories r`),
        researchRows: await rowsOf(`select ${RELEASED_ROW_JSON('c')} as row from statistics_candidate c where ${RESEARCH_ROWS}`, [
          attempt.researchCutoff,
        ]),
      };
    },

    /**
     * The embedded database's first step, before the comparison's transaction: the population now
     * into a temporary table, in batches of trajectories (each one statement, one snapshot of its
     * trajectories), giving way between them, so that no request waits for the whole population
     * (one statement held the connection 0.45 s at 5,000 trajectories quiet, 1 s under load:
     * bench/release-scaling.ts). A row is built from its trajectory's own records, so rows of
     * batches a moment apart are each as true as one snapshot's; what changes meanwhile is released
     * next time, and youths erased meanwhile are taken out again in the transaction (prepare,
     * `staged`). One session, so the table lives between them. (Batches by id range over the
     * grouped population planned as nested loops without planner statistics, 5 s a release in the
     * tests; the lateral population needs none.)
     */
    async stageCandidate(secret: Buffer, waiting: () => number): Promise<void> {
      await database.query('drop table if exists statistics_candidate');
      await database.query(`create temp table statistics_candidate ${CANDIDATE_SHAPE}`);
      const { rows } = await database.query<{ id: string }>(
        "select id from trajectories where research_consent in ('granted', 'unknown') order by id",
      );
      const insert = `insert into statistics_candidate (${ALL_COLUMNS.join(', ')}) ${currentPopulation({ ofIds: true })}`;
      await inPacedBatches(
        rows.map((row) => row.id),
        waiting,
        async (batch) => void (await database.query(insert, [secret, batch])),
        FIRST_STAGED_BATCH,
      );
    },

    /**
     * After a staged comparison that publishes: the released rows and the researchers' rows, read
     * in batches from the temporary tables it left, which then go.
     */
    async readStaged(researchCutoff: string, waiting: () => number): Promise<Pick<Prepared, 'rows' | 'researchRows'>> {
      const read = async (table: string, alias: string, where: string, params: unknown[]) => {
        const { rows: ids } = await database.query<{ id: string }>(
          `select ${alias}.trajectory_id as id from ${table} ${alias} where ${where} order by 1`,
          params,
        );
        const rows: string[] = [];
        await inPacedBatches(
          ids,
          waiting,
          async (batch) => {
            const { rows: inBatch } = await database.query<{ row: string }>(
              `select ${RELEASED_ROW_JSON(alias)} as row from ${table} ${alias} where ${alias}.trajectory_id = any($1::uuid[])`,
              [batch.map((row) => row.id)],
            );
            rows.push(...inBatch.map((row) => row.row));
          },
          FIRST_STAGED_BATCH,
        );
        return rows;
      };
      try {
        return {
          rows: await read('statistics_released_copy', 'r', 'true', []),
          researchRows: await read('statistics_candidate', 'c', RESEARCH_ROWS, [researchCutoff]),
        };
      } finally {
        await database.query('drop table if exists statistics_released_copy');
        await database.query('drop table if exists statistics_candidate');
      }
    },

    /** The second transaction (the caller's): stores the answers and the withheld fingerprints, and publishes. Older answers beyond `keep` releases go. */
    async publish(
      connection: SqlConnection,
      releaseId: number,
      answers: StoredAnswer[],
      withheld: string[],
      audit: ReleaseLogEntry['audit'],
      keep: number,
    ): Promise<ReleaseLogEntry> {
      for (let start = 0; start < answers.length; start += 100) {
        const chunk = answers.slice(start, start + 100);
        await connection.query(
          `insert into statistics_answers (release_id, audience, measure, grouping, answer)
           select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::jsonb[])`,
          [
            releaseId,
            chunk.map((answer) => answer.audience),
            chunk.map((answer) => answer.measure),
            chunk.map((answer) => answer.grouping),
            chunk.map((answer) => JSON.stringify(answer.answer)),
          ],
        );
      }
      if (withheld.length > 0) {
        await connection.query(
          'insert into statistics_withheld_counts (fingerprint, withheld_at) select unnest($1::text[]), now() on conflict do nothing',
          [withheld],
        );
      }
      const { rows } = await connection.query<{ entry: Record<string, unknown> }>(
        `update statistics_release_log set outcome = 'published', finished_at = now(), audit = $2 where id = $1
         returning to_jsonb(statistics_release_log) as entry`,
        [releaseId, audit === null ? null : JSON.stringify(audit)],
      );
      await connection.query(
        `delete from statistics_answers where release_id in (
           select id from statistics_release_log where outcome = 'published' order by id desc offset $1)`,
        [keep],
      );
      return logEntryOf(rows[0]!.entry);
    },

    /** Marks an attempt failed (its families stay applied: they are published with the next release's). */
    async fail(releaseId: number, note: string): Promise<void> {
      await runOn(
        database,
        queryBuilder
          .update(statisticsReleaseLog)
          .set({ outcome: 'failed', finishedAt: sql`now()`, note: note.slice(0, 500) })
          .where(eq(statisticsReleaseLog.id, releaseId)),
      );
    },

    /** Whether a calendar attempt was made for the period. */
    async attempted(period: string): Promise<boolean> {
      const rows = await runOn(
        database,
        queryBuilder
          .select({ id: statisticsReleaseLog.id })
          .from(statisticsReleaseLog)
          .where(
            and(
              eq(statisticsReleaseLog.trigger, 'calendar'),
              eq(statisticsReleaseLog.period, period),
              // A failed attempt is tried again at the next check.
              inArray(statisticsReleaseLog.outcome, ['published', 'unchanged', 'waiting', 'postponed', 'running']),
            ),
          )
          .limit(1),
      );
      return rows.length > 0;
    },

    /** The latest published release's answers for these audiences, in one statement. */
    async answers(
      audiences: string[],
      measure: string,
      grouping: string,
    ): Promise<{ release: ReleaseLogEntry | null; answers: Map<string, StoredAnswer['answer']> }> {
      const { rows } = await database.query<{
        release: Record<string, unknown>;
        audience: string | null;
        answer: StoredAnswer['answer'] | null;
      }>(
        `select to_jsonb(l) as release, a.audience, a.answer
           from (select * from statistics_release_log where outcome = 'published' order by id desc limit 1) l
           left join statistics_answers a on a.release_id = l.id and a.audience = any($1::text[]) and a.measure = $2 and a.grouping = $3`,
        [audiences, measure, grouping],
      );
      if (rows.length === 0) return { release: null, answers: new Map() };
      return {
        release: logEntryOf(rows[0]!.release),
        answers: new Map(rows.filter((row) => row.audience !== null).map((row) => [row.audience!, row.answer!])),
      };
    },

    /** Erasures per institution since the last published release, all and young (churn). */
    churn: (windowDays: number) => churnOn(database, windowDays),

    /** The release log, newest first. */
    async history(limit: number): Promise<ReleaseLogEntry[]> {
      const { rows } = await database.query<{ entry: Record<string, unknown> }>(
        'select to_jsonb(l) as entry from statistics_release_log l order by l.id desc limit $1',
        [limit],
      );
      return rows.map((row) => logEntryOf(row.entry));
    },
  };
}

/** A row as `to_jsonb` gives it (column names, JSON values) in the Drizzle table's shape. */
function fromJson<Row>(table: Parameters<typeof getTableColumns>[0], json: Record<string, unknown>): Row {
  return Object.fromEntries(Object.entries(getTableColumns(table)).map(([key, column]) => [key, json[column.name] ?? null])) as Row;
}

/** A log row as `to_jsonb` gives it, with its times as dates. */
function logEntryOf(json: Record<string, unknown>): ReleaseLogEntry {
  const entry = fromJson<ReleaseLogEntry>(statisticsReleaseLog, json);
  return {
    ...entry,
    startedAt: new Date(entry.startedAt as unknown as string),
    finishedAt: entry.finishedAt === null ? null : new Date(entry.finishedAt as unknown as string),
  };
}

export type StatisticsReleasesRepository = ReturnType<typeof createStatisticsReleasesRepository>;
