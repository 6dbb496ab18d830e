import { randomUUID } from 'node:crypto';
import { runOn, type SqlConnection, sql } from '../../db/client';
import * as schema from '../../db/schema';
import { unnestColumns } from '../../db/unnest-columns';
import { registryKeyFor } from '../../lib/pseudonym';
import type { SyntheticTrajectory } from './synthetic-trajectories';

// The demo dataset goes in through the bulk path: one `insert … select from unnest(…)` per table
// and chunk, each a single statement with one array per column (a row-by-row ORM insert took
// ~20 s for the 400 demo trajectories on PGlite; see BENCHMARKS.md, "Start-up"). The same SQL
// runs on PostgreSQL and PGlite, in the caller's transaction (demo-data.service.ts opens it).

/** Trajectories per chunk: ~180 measurements each, so one statement carries ~18,000 rows. */
const CHUNK_TRAJECTORIES = 100;

export interface DemoLoadResult {
  trajectories: number;
  measurements: number;
  activities: number;
}

/** Called after each chunk, for a progress line. */
export type DemoLoadProgress = (done: DemoLoadResult) => void;

/**
 * Writes synthetic trajectories (from the generator), flagged `synthetic`, in the caller's
 * transaction. Reference data must be loaded first. A youth already in the registry (a later
 * trajectory of hers) is found by her registry key.
 */
export async function writeSyntheticTrajectories(
  connection: SqlConnection,
  registryPseudonymKey: Buffer,
  synthetics: Iterable<SyntheticTrajectory>,
  onProgress?: DemoLoadProgress,
): Promise<DemoLoadResult> {
  const codes = async (table: 'institutions' | 'programmes') =>
    new Map(
      (await runOn<{ id: string; code: string }>(connection, sql.raw(`select id, code from ${table}`))).map((row) => [row.code, row.id]),
    );
  const institutionIds = await codes('institutions');
  const programmeIds = await codes('programmes');
  const subjectIds = new Map<string, string>();
  const totals: DemoLoadResult = { trajectories: 0, measurements: 0, activities: 0 };
  let chunk: SyntheticTrajectory[] = [];
  const flush = async () => {
    await insertChunk(connection, chunk, { registryPseudonymKey, institutionIds, programmeIds, subjectIds }, totals);
    chunk = [];
    onProgress?.({ ...totals });
  };
  for (const synthetic of synthetics) {
    chunk.push(synthetic);
    if (chunk.length === CHUNK_TRAJECTORIES) await flush();
  }
  if (chunk.length > 0) await flush();
  return totals;
}

interface ChunkContext {
  registryPseudonymKey: Buffer;
  institutionIds: Map<string, string>;
  programmeIds: Map<string, string>;
  /** `institution id:subject key` → subjects.id, across chunks. */
  subjectIds: Map<string, string>;
}

async function insertChunk(
  connection: SqlConnection,
  chunk: SyntheticTrajectory[],
  context: ChunkContext,
  totals: DemoLoadResult,
): Promise<void> {
  // Subjects: each institution keeps its own row of a youth; the same youth elsewhere shares the
  // registry key. A later call (a benchmark adding youths one at a time) may meet a youth this
  // institution already holds: `on conflict do nothing`, then read the ids back.
  const newSubjects = new Map<string, { institutionId: string; registryKey: string; subject: SyntheticTrajectory['subject'] }>();
  for (const synthetic of chunk) {
    const institutionId = context.institutionIds.get(synthetic.institutionCode)!;
    const ownKey = `${institutionId}:${synthetic.subject.key}`;
    if (!context.subjectIds.has(ownKey) && !newSubjects.has(ownKey)) {
      newSubjects.set(ownKey, {
        institutionId,
        registryKey: registryKeyFor(`demo:${synthetic.subject.key}`, context.registryPseudonymKey),
        subject: synthetic.subject,
      });
    }
  }
  if (newSubjects.size > 0) {
    const list = [...newSubjects.values()];
    const found = await runOn<{ id: string; institution_id: string; registry_key: string }>(
      connection,
      sql`with input as (
            select * from unnest(${arr(list.map((s) => s.institutionId))}::uuid[], ${arr(list.map((s) => s.registryKey))}::text[],
                                 ${arr(list.map((s) => s.subject.birthYear))}::int2[], ${arr(list.map((s) => s.subject.gender))}::text[],
                                 ${arr(list.map((s) => s.subject.mildIntellectualDisability))}::text[], ${arr(list.map((s) => s.subject.priorYouthCare))}::text[])
              as r(institution_id, registry_key, birth_year, gender, mild_intellectual_disability, prior_youth_care)),
          inserted as (
            insert into subjects (institution_id, registry_key, birth_year, gender, mild_intellectual_disability, prior_youth_care)
            select * from input on conflict do nothing returning id, institution_id, registry_key)
          select id, institution_id, registry_key from inserted
          union all
          select s.id, s.institution_id, s.registry_key from subjects s join input i using (institution_id, registry_key)`,
    );
    const byKey = new Map(found.map((row) => [`${row.institution_id}:${row.registry_key}`, row.id]));
    for (const [ownKey, entry] of newSubjects) context.subjectIds.set(ownKey, byKey.get(`${entry.institutionId}:${entry.registryKey}`)!);
  }

  const trajectoryRows = chunk.map((synthetic) => {
    const institutionId = context.institutionIds.get(synthetic.institutionCode)!;
    return { id: randomUUID(), institutionId, subjectId: context.subjectIds.get(`${institutionId}:${synthetic.subject.key}`)!, synthetic };
  });
  await runOn(
    connection,
    sql`
    insert into trajectories (id, institution_id, reference, subject_id, programme_id, start_date, end_date, end_reason, exploitation_at_intake, research_consent, synthetic)
    select r.*, true from unnest(${arr(trajectoryRows.map((t) => t.id))}::uuid[], ${arr(trajectoryRows.map((t) => t.institutionId))}::uuid[],
                                 ${arr(trajectoryRows.map((t) => t.synthetic.reference))}::text[], ${arr(trajectoryRows.map((t) => t.subjectId))}::uuid[],
                                 ${arr(trajectoryRows.map((t) => context.programmeIds.get(t.synthetic.programmeCode)!))}::uuid[],
                                 ${arr(trajectoryRows.map((t) => t.synthetic.startDate))}::date[], ${arr(trajectoryRows.map((t) => t.synthetic.endDate))}::date[],
                                 ${arr(trajectoryRows.map((t) => t.synthetic.endReason))}::text[], ${arr(trajectoryRows.map((t) => t.synthetic.exploitationAtIntake))}::text[],
                                 ${arr(trajectoryRows.map((t) => t.synthetic.researchConsent))}::text[]) as r`,
  );

  const owned = <Row>(pick: (synthetic: SyntheticTrajectory) => Row[]) =>
    trajectoryRows.flatMap((t) => pick(t.synthetic).map((row) => ({ ...row, institutionId: t.institutionId, trajectoryId: t.id })));
  const placements = owned((s) => s.placements);
  if (placements.length > 0) await runOn(connection, insertRows(schema.placements, PLACEMENT_COLUMNS, placements));
  const activities = owned((s) => s.activities);
  if (activities.length > 0) await runOn(connection, insertRows(schema.careActivities, ACTIVITY_COLUMNS, activities));
  const measurements = owned((s) => s.measurements);
  if (measurements.length > 0) await runOn(connection, insertRows(schema.measurements, MEASUREMENT_COLUMNS, measurements));
  totals.trajectories += chunk.length;
  totals.activities += activities.length;
  totals.measurements += measurements.length;
}

/** One array as one bound parameter (a bare array in Drizzle's `sql` becomes a list of parameters). */
const arr = (values: unknown[]) => sql.param(values);

type ChildTable = typeof schema.placements | typeof schema.careActivities | typeof schema.measurements;

/** The columns each child table is filled with: the synthetic record's fields, and its owners. */
const PLACEMENT_COLUMNS = ['institutionId', 'trajectoryId', 'reference', 'setting', 'startDate', 'endDate'] as const;
const ACTIVITY_COLUMNS = [
  'institutionId',
  'trajectoryId',
  'reference',
  'activityTypeCode',
  'activityDate',
  'count',
  'durationMinutes',
  'parentsInvolved',
  'topics',
] as const;
const MEASUREMENT_COLUMNS = ['institutionId', 'trajectoryId', 'reference', 'instrumentCode', 'informant', 'measuredOn', 'value'] as const;

/** `insert … select from unnest(…)` of these columns, their SQL names and types from the Drizzle table. */
function insertRows<Table extends ChildTable, Key extends keyof Table['_']['columns'] & keyof Table['$inferInsert'] & string>(
  table: Table,
  keys: readonly Key[],
  rows: Array<Pick<Table['$inferInsert'], Key>>,
) {
  const columns = unnestColumns(table, keys);
  const names = sql.raw(columns.map((column) => column.name).join(', '));
  const arrays = sql.join(
    keys.map((key, index) => sql`${arr(rows.map((row) => columns[index]!.parameter(row[key])))}::${sql.raw(columns[index]!.type)}[]`),
    sql`, `,
  );
  return sql`insert into ${table} (${names}) select ${sql.raw(columns.map((column) => column.expression).join(', '))} from unnest(${arrays}) as r(${names})`;
}

/** True when the database holds no trajectories yet (the demo data is loaded only then). */
export async function isRegistryEmpty(connection: SqlConnection): Promise<boolean> {
  const rows = await runOn<{ empty: boolean }>(connection, sql`select not exists (select 1 from trajectories) as empty`);
  return rows[0]!.empty;
}
