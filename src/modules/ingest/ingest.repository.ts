import type { SqlConnection } from '../../db/client';
import type { StatusLevel } from '../../db/schema';
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

interface Column {
  name: string;
  /** PostgreSQL element type of the parameter array. */
  type: string;
  /** How the unnested value becomes the column value, when not as is. */
  expression?: string;
}

/** INSERT … SELECT FROM unnest(…) ON CONFLICT (institution_id, reference) DO UPDATE, skipping unchanged rows. */
function upsertStatement(table: string, columns: Column[]): string {
  const names = columns.map((column) => column.name);
  const values = columns.map((column) => column.expression ?? `r.${column.name}`);
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

const TRAJECTORY_UPSERT = upsertStatement('trajectories', [
  { name: 'subject_id', type: 'uuid' },
  { name: 'programme_id', type: 'uuid' },
  { name: 'start_date', type: 'date' },
  { name: 'end_date', type: 'date' },
  { name: 'end_reason', type: 'text' },
  { name: 'exploitation_at_intake', type: 'text' },
  { name: 'research_consent', type: 'text' },
]);

const PLACEMENT_UPSERT = upsertStatement('placements', [
  { name: 'trajectory_id', type: 'uuid' },
  { name: 'setting', type: 'text' },
  { name: 'start_date', type: 'date' },
  { name: 'end_date', type: 'date' },
]);

const CARE_ACTIVITY_UPSERT = upsertStatement('care_activities', [
  { name: 'trajectory_id', type: 'uuid' },
  { name: 'activity_type_code', type: 'text' },
  { name: 'activity_date', type: 'date' },
  { name: 'count', type: 'int4' },
  { name: 'duration_minutes', type: 'int4' },
  { name: 'domain', type: 'text' },
  { name: 'parents_involved', type: 'bool' },
  // Arrays of arrays do not unnest row by row; topics travel comma-joined.
  { name: 'topics', type: 'text', expression: "string_to_array(r.topics, ',')" },
]);

const MEASUREMENT_UPSERT = upsertStatement('measurements', [
  { name: 'trajectory_id', type: 'uuid' },
  { name: 'instrument_code', type: 'text' },
  { name: 'informant', type: 'text' },
  { name: 'measured_on', type: 'date' },
  { name: 'value', type: 'float8' },
]);

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

    upsertTrajectories: (
      institutionId: string,
      rows: Array<{
        reference: string;
        subjectId: string;
        programmeId: string;
        startDate: string;
        endDate: string | null;
        endReason: string | null;
        exploitationAtIntake: string;
        researchConsent: string;
      }>,
    ) =>
      upsert(
        connection,
        TRAJECTORY_UPSERT,
        institutionId,
        rows.map((row) => row.reference),
        [
          rows.map((row) => row.subjectId),
          rows.map((row) => row.programmeId),
          rows.map((row) => row.startDate),
          rows.map((row) => row.endDate),
          rows.map((row) => row.endReason),
          rows.map((row) => row.exploitationAtIntake),
          rows.map((row) => row.researchConsent),
        ],
      ),

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

    upsertPlacements: (
      institutionId: string,
      rows: Array<{ reference: string; trajectoryId: string; setting: string; startDate: string; endDate: string | null }>,
    ) =>
      upsert(
        connection,
        PLACEMENT_UPSERT,
        institutionId,
        rows.map((row) => row.reference),
        [
          rows.map((row) => row.trajectoryId),
          rows.map((row) => row.setting),
          rows.map((row) => row.startDate),
          rows.map((row) => row.endDate),
        ],
      ),

    upsertCareActivities: (
      institutionId: string,
      rows: Array<{
        reference: string;
        trajectoryId: string;
        activityTypeCode: string;
        date: string;
        count: number | null;
        durationMinutes: number | null;
        domain: string | null;
        parentsInvolved: boolean | null;
        topics: string[] | null;
      }>,
    ) =>
      upsert(
        connection,
        CARE_ACTIVITY_UPSERT,
        institutionId,
        rows.map((row) => row.reference),
        [
          rows.map((row) => row.trajectoryId),
          rows.map((row) => row.activityTypeCode),
          rows.map((row) => row.date),
          rows.map((row) => row.count),
          rows.map((row) => row.durationMinutes),
          rows.map((row) => row.domain),
          rows.map((row) => row.parentsInvolved),
          rows.map((row) => (row.topics ? row.topics.join(',') : null)),
        ],
      ),

    upsertMeasurements: (
      institutionId: string,
      rows: Array<{ reference: string; trajectoryId: string; instrumentCode: string; informant: string; date: string; value: number }>,
    ) =>
      upsert(
        connection,
        MEASUREMENT_UPSERT,
        institutionId,
        rows.map((row) => row.reference),
        [
          rows.map((row) => row.trajectoryId),
          rows.map((row) => row.instrumentCode),
          rows.map((row) => row.informant),
          rows.map((row) => row.date),
          rows.map((row) => row.value),
        ],
      ),
  };
}

export type IngestRepository = ReturnType<typeof createIngestRepository>;
