import type { Database, SqlConnection } from '../../db/client';
import { STATISTICS_FAMILIES, type StatisticsFamily } from '../../db/schema/statistics';
import { ALL_COLUMNS, CURRENT_POPULATION, FAMILY_COLUMNS } from './statistics-population';
import { refreshCareSummaries } from './statistics.repository';

// The only code that writes statistics_trajectories and statistics_releases. A release compares
// the population now with the released one, family by family, and copies a family's columns only
// where at least `minimumYouths` youths changed in it (entering or leaving the population counts
// as a change of membership; an entering row brings all its columns).

// Arbitrary constant: one release at a time, across service instances.
const RELEASE_LOCK_KEY = 1_708_117_317;

const rowOf = (alias: string, columns: readonly string[]) => `(${columns.map((column) => `${alias}.${column}`).join(', ')})`;

export interface FamilyChange {
  family: StatisticsFamily;
  /** Youths whose rows changed in this family since its last release. */
  youthsChanged: number;
  released: boolean;
}

/** What an audit of the released figures found (statistics-audit.ts). */
export interface AuditOutcome {
  cells: number;
  targets: number;
  /** Fingerprints to withhold from now on (those already withheld included). */
  withheld: Set<string>;
  seconds: number;
}

/** Audits the released figures on the release's connection, given the fingerprints withheld so far. */
export type ReleaseAudit = (connection: SqlConnection, withheld: ReadonlySet<string>) => Promise<AuditOutcome>;

export interface ReleaseState {
  family: StatisticsFamily;
  releases: number;
  releasedAt: string;
}

async function changedYouths(connection: SqlConnection): Promise<Record<StatisticsFamily, number>> {
  const membership = `c.trajectory_id is null or r.trajectory_id is null or ${rowOf('c', FAMILY_COLUMNS.membership)} is distinct from ${rowOf('r', FAMILY_COLUMNS.membership)}`;
  const others = STATISTICS_FAMILIES.filter((family) => family !== 'membership').map(
    (family) => `count(distinct youth) filter (where in_both and ${family})::int as ${family}`,
  );
  const { rows } = await connection.query<Record<StatisticsFamily, number>>(
    `select count(distinct youth) filter (where membership)::int as membership, ${others.join(', ')}
       from (select coalesce(c.youth, r.youth) as youth, (${membership}) as membership,
                    c.trajectory_id is not null and r.trajectory_id is not null as in_both,
                    ${STATISTICS_FAMILIES.filter((family) => family !== 'membership')
                      .map(
                        (family) =>
                          `${rowOf('c', FAMILY_COLUMNS[family])} is distinct from ${rowOf('r', FAMILY_COLUMNS[family])} as ${family}`,
                      )
                      .join(', ')}
               from statistics_candidate c full join statistics_trajectories r on r.trajectory_id = c.trajectory_id) changes`,
  );
  return rows[0]!;
}

async function applyFamily(connection: SqlConnection, family: StatisticsFamily): Promise<void> {
  const columns = FAMILY_COLUMNS[family];
  if (family === 'membership') {
    await connection.query(
      'delete from statistics_trajectories r where not exists (select 1 from statistics_candidate c where c.trajectory_id = r.trajectory_id)',
    );
    await connection.query(
      `insert into statistics_trajectories (${ALL_COLUMNS.join(', ')})
       select ${ALL_COLUMNS.map((column) => `c.${column}`).join(', ')} from statistics_candidate c
        where not exists (select 1 from statistics_trajectories r where r.trajectory_id = c.trajectory_id)`,
    );
  }
  await connection.query(
    `update statistics_trajectories r set (${columns.join(', ')}) = ${rowOf('c', columns)}
       from statistics_candidate c
      where c.trajectory_id = r.trajectory_id and ${rowOf('c', columns)} is distinct from ${rowOf('r', columns)}`,
  );
  await connection.query(
    `insert into statistics_releases (family, releases, released_at) values ($1, 1, now())
     on conflict (family) do update set releases = statistics_releases.releases + 1, released_at = now()`,
    [family],
  );
}

async function withheldOn(connection: Pick<SqlConnection, 'query'>): Promise<Set<string>> {
  const { rows } = await connection.query<{ fingerprint: string }>('select fingerprint from statistics_withheld_counts');
  return new Set(rows.map((row) => row.fingerprint));
}

/** Runs the audit and keeps what it withholds (never deleting: a withheld count stays withheld). */
async function auditOn(connection: SqlConnection, audit: ReleaseAudit): Promise<AuditOutcome> {
  const before = await withheldOn(connection);
  const outcome = await audit(connection, before);
  const added = [...outcome.withheld].filter((fingerprint) => !before.has(fingerprint));
  if (added.length > 0) {
    await connection.query(
      'insert into statistics_withheld_counts (fingerprint, withheld_at) select unnest($1::text[]), now() on conflict do nothing',
      [added],
    );
  }
  await connection.query('insert into statistics_audits (audited_at, cells, targets, withheld, seconds) values (now(), $1, $2, $3, $4)', [
    outcome.cells,
    outcome.targets,
    added.length,
    outcome.seconds,
  ]);
  return outcome;
}

/** Whether the latest release has not been audited yet (a release audits in its own transaction, at the same now()). */
async function unaudited(connection: SqlConnection): Promise<boolean> {
  const { rows } = await connection.query<{ due: boolean }>(
    `select exists (select 1 from statistics_releases)
            and coalesce((select max(audited_at) from statistics_audits) < (select max(released_at) from statistics_releases), true) as due`,
  );
  return rows[0]!.due;
}

const lock = async (connection: SqlConnection) =>
  (await connection.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [RELEASE_LOCK_KEY])).rows[0]!.locked;

export function createStatisticsReleasesRepository(database: Database) {
  return {
    /**
     * Releases every family in which at least `minimumYouths` youths changed; returns what
     * changed, or null when another release is running.
     */
    async release(secret: Buffer, minimumYouths: number, audit?: ReleaseAudit): Promise<FamilyChange[] | null> {
      return database.transaction(async (connection) => {
        if (!(await lock(connection))) return null;
        // A whole-registry comparison: longer than an API statement may take.
        await connection.query(`set local statement_timeout = '15min'`);
        await connection.query('create temp table statistics_candidate (like statistics_trajectories including indexes) on commit drop');
        await connection.query(`insert into statistics_candidate (${ALL_COLUMNS.join(', ')}) ${CURRENT_POPULATION}`, [secret]);
        await connection.query('analyze statistics_candidate');
        const changed = await changedYouths(connection);
        const changes: FamilyChange[] = [];
        for (const family of STATISTICS_FAMILIES) {
          const released = changed[family] > 0 && changed[family] >= minimumYouths;
          if (released) await applyFamily(connection, family);
          changes.push({ family, youthsChanged: changed[family], released });
        }
        // The care answers read summaries of the released rows: computed again when their rows
        // changed, or when there are none (never computed, or dropped by an erasure).
        const careChanged = changes.some((change) => change.released && (change.family === 'membership' || change.family === 'care'));
        const { rows: missing } = await connection.query<{ missing: boolean }>(
          'select not exists (select 1 from statistics_care_summaries) and exists (select 1 from statistics_trajectories) as missing',
        );
        if (careChanged || missing[0]!.missing) await refreshCareSummaries(connection);
        // The audit of what is now published, before anyone can read it (the same transaction).
        if (audit && (await unaudited(connection))) await auditOn(connection, audit);
        return changes;
      });
    },

    /** Audits the released figures now, whether or not anything is due for release; null when a release is running. */
    async audit(audit: ReleaseAudit): Promise<AuditOutcome | null> {
      return database.transaction(async (connection) => {
        if (!(await lock(connection))) return null;
        await connection.query(`set local statement_timeout = '15min'`);
        return auditOn(connection, audit);
      });
    },

    /** The fingerprints of the counts the audits withheld. */
    withheld: (): Promise<Set<string>> => withheldOn(database),

    async state(): Promise<ReleaseState[]> {
      const { rows } = await database.query<{ family: StatisticsFamily; releases: number; released_at: Date | string }>(
        'select family, releases, released_at from statistics_releases order by family',
      );
      return rows.map((row) => ({ family: row.family, releases: row.releases, releasedAt: new Date(row.released_at).toISOString() }));
    },
  };
}

export type StatisticsReleasesRepository = ReturnType<typeof createStatisticsReleasesRepository>;
