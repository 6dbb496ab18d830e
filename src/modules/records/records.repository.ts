import { and, asc, eq, getTableColumns, gt } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { queryBuilder, runOn, type SqlConnection } from '../../db/client';
import { type ColumnsRow, named } from '../../db/named-columns';
import type { InstitutionScope } from '../../plugins/request-scope';
import type { CareActivityView, MeasurementView, PlacementView, TrajectoryDetail, TrajectoryView } from './records.schemas';

export type { CareActivityView, MeasurementView, PlacementView, TrajectoryDetail, TrajectoryView } from './records.schemas';

/** A record as answered, and its youth's registry key (for the audit trail, never answered). */
export interface Found<View> {
  subjectKey: string;
  view: View;
}
import { careActivities, measurements, placements, programmes, subjects, trajectories } from '../../db/schema';

// Reads of an institution's own records, as it pushed them. Every query is scoped by the
// request's institution scope (plugins/request-scope), a required argument: there is no query
// here without it.

const trajectoryColumns = {
  id: trajectories.id,
  reference: trajectories.reference,
  programmeCode: programmes.code,
  startDate: trajectories.startDate,
  endDate: trajectories.endDate,
  endReason: trajectories.endReason,
  exploitationAtIntake: trajectories.exploitationAtIntake,
  researchConsent: trajectories.researchConsent,
  birthYear: subjects.birthYear,
  gender: subjects.gender,
  mildIntellectualDisability: subjects.mildIntellectualDisability,
  priorYouthCare: subjects.priorYouthCare,
  updatedAt: trajectories.updatedAt,
  /** For the audit trail only; never part of an answer. */
  subjectKey: subjects.registryKey,
};

type TrajectoryRow = ColumnsRow<typeof trajectoryColumns>;
const trajectorySelection = named(trajectoryColumns);

/**
 * The trajectory as the API shows it: the youth's attributes as this institution recorded them,
 * never a pseudonym or key. A trajectory only ever points at a live row of its own institution,
 * whose attributes the database requires (check subjects_attributes_unless_erased).
 */
function presentTrajectory(row: TrajectoryRow): TrajectoryView {
  const { id: _id, subjectKey: _subjectKey, birthYear, gender, mildIntellectualDisability, priorYouthCare, updatedAt, ...trajectory } = row;
  return {
    ...trajectory,
    subject: {
      birthYear: birthYear!,
      gender: gender!,
      mildIntellectualDisability: mildIntellectualDisability!,
      priorYouthCare: priorYouthCare!,
    },
    updatedAt: updatedAt.toISOString(),
  };
}

/** Separates the registry key (for the audit trail) from the record (for the answer). */
function splitSubjectKey<Row extends { subjectKey: string }>(row: Row): Found<Omit<Row, 'subjectKey'>> {
  const { subjectKey, ...view } = row;
  return { subjectKey, view };
}

type ChildTable = typeof placements | typeof careActivities | typeof measurements;

/**
 * A child record's own columns, as the API answers them: every column of its table but the keys
 * and timestamps (the reference and its trajectory's reference come with every child, see
 * findChild). A column added to the table is read here without being named again.
 */
function ownColumns<Table extends ChildTable>(table: Table) {
  const {
    id: _id,
    institutionId: _institutionId,
    reference: _reference,
    trajectoryId: _trajectoryId,
    createdAt: _createdAt,
    updatedAt: _updatedAt,
    ...own
  } = getTableColumns(table);
  return own;
}

// The answer calls the date of an activity or measurement `date`.
const { activityDate, ...activityColumns } = ownColumns(careActivities);
const { measuredOn, ...measurementColumns } = ownColumns(measurements);
const CHILD_COLUMNS = {
  placement: ownColumns(placements),
  careActivity: { ...activityColumns, date: activityDate },
  measurement: { ...measurementColumns, date: measuredOn },
};
const placementRowColumns = { reference: placements.reference, ...CHILD_COLUMNS.placement };

/** Reads on their own: `connection` is the Database (or a transaction's connection, to read in it). */
export function createRecordsRepository(connection: SqlConnection) {
  const trajectoryQuery = () =>
    queryBuilder
      .select(trajectorySelection)
      .from(trajectories)
      .innerJoin(subjects, eq(subjects.id, trajectories.subjectId))
      .innerJoin(programmes, eq(programmes.id, trajectories.programmeId));

  /** A record under a trajectory, by its reference within the institution: its columns, its trajectory's reference, its youth's key. */
  const findChild = async <Columns extends Record<string, PgColumn>>(
    table: typeof placements | typeof careActivities | typeof measurements,
    scope: InstitutionScope,
    reference: string,
    columns: Columns,
  ) => {
    const [row] = await runOn<ColumnsRow<Columns> & { reference: string; trajectoryReference: string; subjectKey: string }>(
      connection,
      queryBuilder
        .select(
          named({ reference: table.reference, trajectoryReference: trajectories.reference, ...columns, subjectKey: subjects.registryKey }),
        )
        .from(table as typeof placements)
        .innerJoin(trajectories, eq(trajectories.id, table.trajectoryId))
        .innerJoin(subjects, eq(subjects.id, trajectories.subjectId))
        .where(and(eq(table.institutionId, scope.institution.id), eq(table.reference, reference))),
    );
    return row && splitSubjectKey(row);
  };

  return {
    async findTrajectory(scope: InstitutionScope, reference: string): Promise<(Found<TrajectoryDetail> & { id: string }) | undefined> {
      const institutionId = scope.institution.id;
      const [row] = await runOn<TrajectoryRow>(
        connection,
        trajectoryQuery()
          .where(and(eq(trajectories.institutionId, institutionId), eq(trajectories.reference, reference)))
          .limit(1),
      );
      if (!row) return undefined;
      const placementRows = await runOn<ColumnsRow<typeof placementRowColumns>>(
        connection,
        queryBuilder
          .select(named(placementRowColumns))
          .from(placements)
          .where(and(eq(placements.institutionId, institutionId), eq(placements.trajectoryId, row.id)))
          .orderBy(asc(placements.startDate), asc(placements.reference)),
      );
      return { id: row.id, subjectKey: row.subjectKey, view: { ...presentTrajectory(row), placements: placementRows } };
    },

    /** Keyset pagination by reference: stable under concurrent inserts, no OFFSET scans. */
    async listTrajectories(
      scope: InstitutionScope,
      after: string | undefined,
      limit: number,
    ): Promise<{ items: TrajectoryView[]; subjectKeys: string[]; nextCursor: string | null }> {
      const institutionId = scope.institution.id;
      const rows = await runOn<TrajectoryRow>(
        connection,
        trajectoryQuery()
          .where(and(eq(trajectories.institutionId, institutionId), after ? gt(trajectories.reference, after) : undefined))
          .orderBy(asc(trajectories.reference))
          .limit(limit + 1),
      );
      const page = rows.slice(0, limit);
      return {
        items: page.map(presentTrajectory),
        subjectKeys: page.map((row) => row.subjectKey),
        nextCursor: rows.length > limit ? rows[limit - 1]!.reference : null,
      };
    },

    findPlacement: (scope: InstitutionScope, reference: string): Promise<Found<PlacementView> | undefined> =>
      findChild(placements, scope, reference, CHILD_COLUMNS.placement),

    findCareActivity: (scope: InstitutionScope, reference: string): Promise<Found<CareActivityView> | undefined> =>
      findChild(careActivities, scope, reference, CHILD_COLUMNS.careActivity),

    findMeasurement: (scope: InstitutionScope, reference: string): Promise<Found<MeasurementView> | undefined> =>
      findChild(measurements, scope, reference, CHILD_COLUMNS.measurement),
  };
}

export type RecordsRepository = ReturnType<typeof createRecordsRepository>;

/** A trajectory locked for a change of its own fields (consent, closing). */
export interface LockedTrajectory {
  id: string;
  startDate: string;
  endDate: string | null;
  endReason: string | null;
  researchConsent: string;
  /** The youth's registry key, for the audit trail. */
  registryKey: string;
}

export type TrajectoryChanges = Partial<Pick<LockedTrajectory, 'endDate' | 'endReason' | 'researchConsent'>>;

const CHANGE_COLUMNS: Record<keyof TrajectoryChanges, string> = {
  endDate: 'end_date',
  endReason: 'end_reason',
  researchConsent: 'research_consent',
};

/** Changes of single trajectory fields, in the caller's transaction. */
export function createTrajectoryUpdates(connection: SqlConnection) {
  return {
    /** Locks the trajectory (an erasure deleting it waits, or has already removed it). */
    async lock(scope: InstitutionScope, reference: string): Promise<LockedTrajectory | undefined> {
      const institutionId = scope.institution.id;
      const { rows } = await connection.query<LockedTrajectory>(
        `select t.id, t.start_date::text as "startDate", t.end_date::text as "endDate", t.end_reason as "endReason",
                t.research_consent as "researchConsent", s.registry_key as "registryKey"
           from trajectories t join subjects s on s.id = t.subject_id
          where t.institution_id = $1 and t.reference = $2
          for no key update of t`,
        [institutionId, reference],
      );
      return rows[0];
    },

    /** Writes the fields that differ; returns whether anything changed. */
    async change(current: LockedTrajectory, changes: TrajectoryChanges): Promise<boolean> {
      const fields = (Object.keys(changes) as Array<keyof TrajectoryChanges>).filter((field) => changes[field] !== current[field]);
      if (fields.length === 0) return false;
      await connection.query(
        `update trajectories set ${fields.map((field, index) => `${CHANGE_COLUMNS[field]} = $${index + 2}`).join(', ')}, updated_at = now() where id = $1`,
        [current.id, ...fields.map((field) => changes[field])],
      );
      return true;
    },
  };
}
