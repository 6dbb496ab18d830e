import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase, type PostgresDatabase } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { todayIso } from '../../src/lib/dates';
import { registryKeyFor } from '../../src/lib/pseudonym';
import { seedReferenceData } from '../../src/modules/catalogue/reference-data.service';
import { generateSyntheticTrajectories, type SyntheticTrajectory } from '../../src/modules/demo/synthetic-trajectories';
import { createIndicatorMaintainer } from '../../src/modules/indicators/indicator-maintainer';

// Synthetic data at scale, straight into a PostgreSQL database with COPY: the same seeded
// generator as the demo data (six institutions, their programmes, placements, activities per the
// fixed offer, series from several informants), measurements spaced so that 100,000 trajectories
// give about five million. Each size and seed gets its own database, marked complete only when
// everything (indicators included) is in, so benchmarks reuse it and an interrupted load is redone.

export interface ScaleDatasetOptions {
  trajectories: number;
  seed?: number;
  /** Server to create the database on; defaults to the machine's local PostgreSQL. */
  adminUrl?: string;
  /** Regenerate even when a complete dataset exists. */
  fresh?: boolean;
  log?: (line: string) => void;
}

export interface ScaleDataset {
  databaseUrl: string;
  databaseName: string;
  trajectories: number;
  measurements: number;
  activities: number;
  reused: boolean;
  seconds: number;
}

/** Fixed, so the same seed gives the same rows whenever it runs. */
export const SCALE_AS_OF = '2026-11-01';
const FIRST_START = '2019-01-07';
// About 55 measurements per trajectory, as before the demo's two-week monitoring (issue #26):
// 2.5 gave 53 with the old 28–84-day series and 88 with the new rhythm, 5 gives 57.
const MEASUREMENT_SPACING = 5;
/** Bench-only pseudonym key: the data is synthetic and the key is not a secret. */
export const SCALE_REGISTRY_KEY = Buffer.from('scale-dataset-registry-key-synthetic-only', 'utf8');
const CHUNK_TRAJECTORIES = 2_000;
// v2: a subjects row per institution and youth (migration 0006); v3: the generator's two-week monitoring (issue #26)
const MARKER_VERSION = 'scale-dataset v3';

export async function ensureScaleDataset(options: ScaleDatasetOptions): Promise<ScaleDataset> {
  // BENCH_SEED gives a run a database of its own (a shared server may hold another branch's dataset).
  const seed = options.seed ?? Number(process.env.BENCH_SEED ?? 1);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const adminUrl = options.adminUrl ?? process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const databaseName = `registry_scale_${options.trajectories}_s${seed}`;
  const databaseUrl = withDatabase(adminUrl, databaseName);
  const marker = `${MARKER_VERSION} trajectories=${options.trajectories} seed=${seed} complete`;
  const started = Date.now();

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ comment: string | null }>(
      'select shobj_description(oid, $2) as comment from pg_database where datname = $1',
      [databaseName, 'pg_database'],
    );
    if (rows.length > 0 && rows[0]!.comment === marker && !options.fresh) {
      // A dataset outlives migrations: bring it to this tree's schema (idempotent).
      // Two connections: the migration lock holds one.
      const reused = await openDatabase({ kind: 'postgres', url: databaseUrl, poolMax: 2, statementTimeoutMs: 0 });
      await migrateDatabase(reused).finally(() => reused.close());
      const totals = await countRows(databaseUrl);
      log(
        `scale dataset ${databaseName}: reusing (${totals.trajectories.toLocaleString('en')} trajectories, ${totals.measurements.toLocaleString('en')} measurements)`,
      );
      return { databaseUrl, databaseName, ...totals, reused: true, seconds: 0 };
    }
    await admin.query(`drop database if exists ${databaseName} with (force)`);
    await admin.query(`create database ${databaseName}`);
  } finally {
    await admin.end();
  }

  log(`scale dataset ${databaseName}: generating ${options.trajectories.toLocaleString('en')} trajectories (seed ${seed})`);
  const database = (await openDatabase({ kind: 'postgres', url: databaseUrl, poolMax: 3, statementTimeoutMs: 0 })) as PostgresDatabase;
  try {
    await migrateDatabase(database);
    await seedReferenceData(database);
    const totals = await copySyntheticRows(database, options.trajectories, seed, started, log);
    await computeIndicators(database, started, log);
    log('vacuum analyze');
    await database.query('vacuum analyze');
    const admin2 = new pg.Client({ connectionString: adminUrl });
    await admin2.connect();
    await admin2.query(`comment on database ${databaseName} is '${marker}'`);
    await admin2.end();
    const seconds = (Date.now() - started) / 1000;
    log(`scale dataset ${databaseName}: complete in ${seconds.toFixed(0)} s`);
    return { databaseUrl, databaseName, ...totals, reused: false, seconds };
  } finally {
    await database.close();
  }
}

async function copySyntheticRows(database: PostgresDatabase, count: number, seed: number, started: number, log: (line: string) => void) {
  const lookup = async (table: string) =>
    new Map((await database.query<{ id: string; code: string }>(`select id, code from ${table}`)).rows.map((row) => [row.code, row.id]));
  const institutionIds = await lookup('institutions');
  const programmeIds = await lookup('programmes');
  const seenSubjects = new Set<string>();
  const totals = { trajectories: 0, measurements: 0, activities: 0 };
  const client = await database.pool.connect();
  try {
    let chunk: SyntheticTrajectory[] = [];
    const flush = async () => {
      const rows = chunkRows(chunk, seed, seenSubjects, institutionIds, programmeIds);
      await client.query('begin');
      // Row triggers (foreign-key checks, the measurement range check) are skipped for the load: the
      // same generator's rows pass every one of them through the demo path (test/demo-data.test.ts).
      await client.query('set local session_replication_role = replica');
      await copyInto(
        client,
        'subjects (id, institution_id, registry_key, birth_year, gender, mild_intellectual_disability, prior_youth_care)',
        rows.subjects,
      );
      await copyInto(
        client,
        'trajectories (id, institution_id, reference, subject_id, programme_id, start_date, end_date, end_reason, exploitation_at_intake, research_consent, synthetic)',
        rows.trajectories,
      );
      await copyInto(client, 'placements (id, institution_id, reference, trajectory_id, setting, start_date, end_date)', rows.placements);
      await copyInto(
        client,
        'care_activities (institution_id, reference, trajectory_id, activity_type_code, activity_date, count, duration_minutes, parents_involved, topics)',
        rows.activities,
      );
      await copyInto(
        client,
        'measurements (institution_id, reference, trajectory_id, instrument_code, informant, measured_on, value)',
        rows.measurements,
      );
      await client.query('commit');
      totals.trajectories += chunk.length;
      totals.activities += rows.activities.length;
      totals.measurements += rows.measurements.length;
      chunk = [];
      log(
        `  ${totals.trajectories.toLocaleString('en')}/${count.toLocaleString('en')} trajectories · ${totals.measurements.toLocaleString('en')} measurements · ` +
          `${totals.activities.toLocaleString('en')} activities · ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    };
    for (const trajectory of generateSyntheticTrajectories({
      trajectories: count,
      seed,
      asOf: SCALE_AS_OF,
      firstStart: FIRST_START,
      measurementSpacing: MEASUREMENT_SPACING,
    })) {
      chunk.push(trajectory);
      if (chunk.length === CHUNK_TRAJECTORIES) await flush();
    }
    if (chunk.length > 0) await flush();
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return totals;
}

async function computeIndicators(database: PostgresDatabase, started: number, log: (line: string) => void) {
  await database.query('insert into indicator_queue (trajectory_id) select id from trajectories on conflict do nothing');
  const maintainer = createIndicatorMaintainer(database, { intakeWindowDays: 42, today: todayIso, batchSize: 500 });
  const progress = setInterval(() => {
    void database.query<{ left: string }>('select count(*)::text as left from indicator_queue').then(
      ({ rows }) =>
        log(
          `  indicators: ${Number(rows[0]!.left).toLocaleString('en')} trajectories left · ${((Date.now() - started) / 1000).toFixed(0)} s`,
        ),
      () => undefined,
    );
  }, 10_000);
  try {
    // Two workers: one computes in Node while the other's batch is in PostgreSQL.
    await Promise.all([maintainer.drain(), maintainer.drain()]);
  } finally {
    clearInterval(progress);
  }
}

interface ChunkRows {
  subjects: string[];
  trajectories: string[];
  placements: string[];
  activities: string[];
  measurements: string[];
}

function chunkRows(
  chunk: SyntheticTrajectory[],
  seed: number,
  seenSubjects: Set<string>,
  institutionIds: Map<string, string>,
  programmeIds: Map<string, string>,
): ChunkRows {
  const rows: ChunkRows = { subjects: [], trajectories: [], placements: [], activities: [], measurements: [] };
  for (const trajectory of chunk) {
    const subject = trajectory.subject;
    const institutionId = institutionIds.get(trajectory.institutionCode)!;
    // One row per institution and youth; the same youth elsewhere shares the registry key.
    const ownKey = `${trajectory.institutionCode}:${subject.key}`;
    const subjectId = stableUuid(seed, 'subject', ownKey);
    if (!seenSubjects.has(ownKey)) {
      seenSubjects.add(ownKey);
      const registryKey = registryKeyFor(`scale:${seed}:${subject.key}`, SCALE_REGISTRY_KEY);
      rows.subjects.push(
        line([
          subjectId,
          institutionId,
          registryKey,
          subject.birthYear,
          subject.gender,
          subject.mildIntellectualDisability,
          subject.priorYouthCare,
        ]),
      );
    }
    const trajectoryId = stableUuid(seed, 'trajectory', trajectory.reference);
    rows.trajectories.push(
      line([
        trajectoryId,
        institutionId,
        trajectory.reference,
        subjectId,
        programmeIds.get(trajectory.programmeCode)!,
        trajectory.startDate,
        trajectory.endDate,
        trajectory.endReason,
        trajectory.exploitationAtIntake,
        trajectory.researchConsent,
        't',
      ]),
    );
    for (const placement of trajectory.placements) {
      rows.placements.push(
        line([
          stableUuid(seed, 'placement', placement.reference),
          institutionId,
          placement.reference,
          trajectoryId,
          placement.setting,
          placement.startDate,
          placement.endDate,
        ]),
      );
    }
    for (const activity of trajectory.activities) {
      rows.activities.push(
        line([
          institutionId,
          activity.reference,
          trajectoryId,
          activity.activityTypeCode,
          activity.activityDate,
          activity.count,
          activity.durationMinutes,
          activity.parentsInvolved === null ? null : activity.parentsInvolved ? 't' : 'f',
          activity.topics ? `{${activity.topics.join(',')}}` : null,
        ]),
      );
    }
    for (const measurement of trajectory.measurements) {
      rows.measurements.push(
        line([
          institutionId,
          measurement.reference,
          trajectoryId,
          measurement.instrumentCode,
          measurement.informant,
          measurement.measuredOn,
          measurement.value,
        ]),
      );
    }
  }
  return rows;
}

/** One line of COPY text format; the generator's values hold no tabs, newlines or backslashes. */
function line(values: Array<string | number | null>): string {
  return `${values.map((value) => (value === null ? '\\N' : String(value))).join('\t')}\n`;
}

/** A UUID derived from the seed, so reruns give the same ids. */
function stableUuid(seed: number, kind: string, key: string): string {
  const hex = createHash('sha256').update(`${seed}:${kind}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function copyInto(client: pg.PoolClient, target: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const stream = client.query(copyFrom(`copy ${target} from stdin`));
  await pipeline(Readable.from(batches(lines)), stream);
}

function* batches(lines: string[]): Generator<string> {
  for (let offset = 0; offset < lines.length; offset += 1_000) yield lines.slice(offset, offset + 1_000).join('');
}

async function countRows(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ trajectories: string; measurements: string; activities: string }>(
      `select (select count(*) from trajectories)::text as trajectories, (select count(*) from measurements)::text as measurements,
              (select count(*) from care_activities)::text as activities`,
    );
    return {
      trajectories: Number(rows[0]!.trajectories),
      measurements: Number(rows[0]!.measurements),
      activities: Number(rows[0]!.activities),
    };
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A throwaway copy of a scale dataset (CREATE DATABASE … TEMPLATE), made afresh: a bench that
 * changes the data (a release, an erasure) leaves the dataset itself as generated.
 */
export async function copyScaleDataset(
  dataset: Pick<ScaleDataset, 'databaseName'>,
  copy: string,
  adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${copy} with (force)`);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await admin(`create database ${copy} template ${dataset.databaseName}`);
      break;
    } catch (error) {
      // The template may still show the dataset's own connections for a moment.
      if (attempt >= 20 || !String(error).includes('being accessed')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  return { url: withDatabase(adminUrl, copy), drop: () => admin(`drop database if exists ${copy} with (force)`) };
}
