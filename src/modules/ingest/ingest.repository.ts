import { getTableName } from 'drizzle-orm';
import type { SqlConnection } from '../../db/client';
import { careActivities, measurements, placements, type StatusLevel, trajectories } from '../../db/schema';
import { type UnnestColumn, unnestColumns } from '../../db/unnest-columns';
import type { ActivityUnit, Informant } from '../../lib/vocabulary';

// The only place that queries the record tables for ingest. Every write is one statement per
// record type per batch: arrays go in as parameters and `unnest` turns them into rows, so a
// statement has a fixed number of parameters however large the batch (the protocol's limit is
// 65,535), and no row costs a round trip of its own.

export type WriteStatus = 'created' | 'updated';

/** A row the upsert changed: how, and its id (for the trajectories whose indicators must follow). */
export interface Written {
  status: WriteStatus;
  id: string;
}

export interface InstrumentRule {
  minValue: number;
  maxValue: number;
  levels: StatusLevel[] | null;
  informants: Set<Informant>;
}

export interface IngestCatalogue {
  instruments: Map<string, InstrumentRule>;
  activityTypes: Map<string, { unit: ActivityUnit }>;
  /** Programme codes of the caller's institution, to ids. */
  ownProgrammes: Map<string, string>;
}

export interface KnownTrajectory {
  id: string;
  startDate: string;
  endDate: string | null;
  /** The subject's registry key, for the audit trail. */
  subjectKey: string;
}

/** INSERT … SELECT FROM unnest(…) ON CONFLICT (institution_id, reference) DO UPDATE, skipping unchanged rows. */
function upsertStatement(table: string, columns: UnnestColumn[]): string {
  const names = columns.map((column) => column.name);
  const values = columns.map((column) => column.expression);
  const arrays = columns.map((column, index) => `$${index + 3}::${column.type}[]`);
  return `
    insert into ${table} as t (institution_id, reference, ${names.join(', ')})
    select $1::uuid, r.reference, ${values.join(', ')}
      from unnest($2::text[], ${arrays.join(', ')}) as r(reference, ${names.join(', ')})
    on conflict (institution_id, reference) do update
       set ${names.map((name) => `${name} = excluded.${name}`).join(', ')}, updated_at = now()
     where (${names.map((name) => `t.${name}`).join(', ')}) is distinct from (${names.map((name) => `excluded.${name}`).join(', ')})
    returning t.reference, t.id::text as id, (t.xmax = 0) as created`;
}

type RecordTable = typeof trajectories | typeof placements | typeof careActivities | typeof measurements;

/**
 * The upsert of these columns of a record table, and the rows it takes: the columns' SQL names,
 * types and TypeScript types all come from the Drizzle table, so none is written again here.
 */
function upserter<Table extends RecordTable, Key extends keyof Table['$inferSelect'] & keyof Table['_']['columns'] & string>(
  table: Table,
  keys: readonly Key[],
) {
  const columns = unnestColumns(table, keys);
  const statement = upsertStatement(getTableName(table), columns);
  return (connection: SqlConnection) => (institutionId: string, rows: Array<Pick<Table['$inferSelect'], Key | 'reference'>>) =>
    upsert(
      connection,
      statement,
      institutionId,
      rows.map((row) => row.reference as string),
      keys.map((key, index) => rows.map((row) => columns[index]!.parameter(row[key]))),
    );
}

const TRAJECTORY_UPSERT = upserter(trajectories, [
  'subjectId',
  'programmeId',
  'startDate',
  'endDate',
  'endReason',
  'exploitationAtIntake',
  'researchConsent',
]);
const PLACEMENT_UPSERT = upserter(placements, ['trajectoryId', 'setting', 'startDate', 'endDate']);
const CARE_ACTIVITY_UPSERT = upserter(careActivities, [
  'trajectoryId',
  'activityTypeCode',
  'activityDate',
  'count',
  'durationMinutes',
  'domain',
  'parentsInvolved',
  'topics',
]);
const MEASUREMENT_UPSERT = upserter(measurements, ['trajectoryId', 'instrumentCode', 'informant', 'measuredOn', 'value']);

async function upsert(
  connection: SqlConnection,
  statement: string,
  institutionId: string,
  references: string[],
  columns: unknown[][],
): Promise<Map<string, Written>> {
  if (references.length === 0) return new Map();
  // Rows in one fixed order (by reference), so two requests upserting the same records lock them
  // in the same order and cannot deadlock within a batch.
  const order = references
    .map((_, index) => index)
    .sort((a, b) => (references[a]! < references[b]! ? -1 : references[a]! > references[b]! ? 1 : 0));
  const sorted = (values: unknown[]) => order.map((index) => values[index]);
  const { rows } = await connection.query<{ reference: string; id: string; created: boolean }>(statement, [
    institutionId,
    sorted(references),
    ...columns.map(sorted),
  ]);
  return new Map(rows.map((row) => [row.reference, { status: row.created ? 'created' : 'updated', id: row.id }]));
}

export function createIngestRepository(connection: SqlConnection) {
  return {
    async loadCatalogue(institutionId: string): Promise<IngestCatalogue> {
      // One connection runs one statement at a time: these go in sequence.
      const instruments = await connection.query<{ code: string; min_value: number; max_value: number; levels: StatusLevel[] | null }>(
        'select code, min_value, max_value, levels from instruments',
      );
      const informants = await connection.query<{ instrument_code: string; informant: Informant }>(
        'select instrument_code, informant from instrument_informants',
      );
      const activityTypes = await connection.query<{ code: string; unit: ActivityUnit }>('select code, unit from activity_types');
      const programmes = await connection.query<{ code: string; id: string }>('select code, id from programmes where institution_id = $1', [
        institutionId,
      ]);
      const rules = new Map<string, InstrumentRule>(
        instruments.rows.map((row) => [
          row.code,
          { minValue: Number(row.min_value), maxValue: Number(row.max_value), levels: row.levels, informants: new Set<Informant>() },
        ]),
      );
      for (const row of informants.rows) rules.get(row.instrument_code)?.informants.add(row.informant);
      return {
        instruments: rules,
        activityTypes: new Map(activityTypes.rows.map((row) => [row.code, { unit: row.unit }])),
        ownProgrammes: new Map(programmes.rows.map((row) => [row.code, row.id])),
      };
    },

    upsertTrajectories: TRAJECTORY_UPSERT(connection),

    async findTrajectories(institutionId: string, references: string[]): Promise<Map<string, KnownTrajectory>> {
      if (references.length === 0) return new Map();
      const { rows } = await connection.query<{
        reference: string;
        id: string;
        start_date: string;
        end_date: string | null;
        registry_key: string;
      }>(
        `select t.reference, t.id, t.start_date::text, t.end_date::text, s.registry_key
           from trajectories t join subjects s on s.id = t.subject_id
          where t.institution_id = $1 and t.reference = any($2::text[])`,
        [institutionId, references],
      );
      return new Map(
        rows.map((row) => [row.reference, { id: row.id, startDate: row.start_date, endDate: row.end_date, subjectKey: row.registry_key }]),
      );
    },

    upsertPlacements: PLACEMENT_UPSERT(connection),

    upsertCareActivities: CARE_ACTIVITY_UPSERT(connection),

    upsertMeasurements: MEASUREMENT_UPSERT(connection),
  };
}

export type IngestRepository = ReturnType<typeof createIngestRepository>;
