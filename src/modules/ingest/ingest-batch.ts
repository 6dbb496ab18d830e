import type { SqlConnection } from '../../db/client';
import { type WriteSummary, writeSummary } from '../../db/unit-of-work';
import { registryKeyFor } from '../../lib/pseudonym';
import { createSubjectsRepository, type Refusal } from '../subjects';
import type { Entry } from './ingest-batches';
import type { Rejection } from './ingest-report';
import { checkChildRecord } from './ingest-rules';
import { createIngestRepository, type IngestCatalogue, type KnownTrajectory, type WriteStatus, type Written } from './ingest.repository';
import type { CareActivityRecord, MeasurementRecord, PlacementRecord, RecordType, TrajectoryRecord } from './ingest.schemas';

// One batch checked against the database and written: trajectories first (the children in the
// same batch may hang under them), then placements, care activities and measurements, each type
// in one statement. The checks that need no database are the pure functions below.

export interface BatchContext {
  connection: SqlConnection;
  institutionId: string;
  catalogue: IngestCatalogue;
  registryPseudonymKey: Buffer;
  /** Days an activity or measurement may lie outside its trajectory (EHRs round dates). */
  toleranceDays: number;
  today: string;
}

export interface Accepted {
  type: RecordType;
  status: WriteStatus | 'unchanged';
  subjectKey: string;
  trajectoryId?: string;
}

export interface BatchOutcome {
  accepted: Accepted[];
  rejected: Rejection[];
}

/** A youth of the batch was erased or objected to while the batch waited for her row: write it again without her. */
export class RefusedMeanwhile extends Error {}

const REFUSAL_MESSAGES: Record<Refusal, string> = {
  SUBJECT_ERASED: 'your institution erased this youth at a consent withdrawal; it may not push data about her again',
  SUBJECT_OBJECTED: 'this youth objected to the registry holding her data; the registry refuses data about her from every institution',
};

const rejectionOf = (entry: Entry, errors: Rejection['errors']): Rejection => ({
  line: entry.line,
  type: entry.record.type,
  reference: entry.record.reference,
  errors,
});

export type TrajectoryCandidate = Entry<TrajectoryRecord> & { programmeId: string; registryKey: string };

/** Trajectories in a programme of the institution, with their youth's registry key; the others refused. */
export function trajectoryCandidates(
  entries: Array<Entry<TrajectoryRecord>>,
  ownProgrammes: ReadonlyMap<string, string>,
  registryPseudonymKey: Buffer,
): { candidates: TrajectoryCandidate[]; rejected: Rejection[] } {
  const candidates: TrajectoryCandidate[] = [];
  const rejected: Rejection[] = [];
  for (const entry of entries) {
    const programmeId = ownProgrammes.get(entry.record.programmeCode);
    if (!programmeId) {
      rejected.push(
        rejectionOf(entry, [{ code: 'UNKNOWN_PROGRAMME', message: 'is not a programme of your institution', field: 'programmeCode' }]),
      );
    } else {
      candidates.push({ ...entry, programmeId, registryKey: registryKeyFor(entry.record.subject.pseudonym, registryPseudonymKey) });
    }
  }
  return { candidates, rejected };
}

/** The candidates whose youth is not refused (erased here, or objected to registry-wide); the others refused. */
export function withoutRefused(
  candidates: TrajectoryCandidate[],
  refusals: ReadonlyMap<string, Refusal>,
): { live: TrajectoryCandidate[]; rejected: Rejection[] } {
  const live: TrajectoryCandidate[] = [];
  const rejected: Rejection[] = [];
  for (const entry of candidates) {
    const refusal = refusals.get(entry.registryKey);
    if (refusal) rejected.push(rejectionOf(entry, [{ code: refusal, message: REFUSAL_MESSAGES[refusal], field: 'subject.pseudonym' }]));
    else live.push(entry);
  }
  return { live, rejected };
}

type ChildRecord = PlacementRecord | CareActivityRecord | MeasurementRecord;
export type Resolved<R> = R & { trajectoryId: string; subjectKey: string };

export interface SortedChildren {
  placement: Array<Resolved<PlacementRecord>>;
  care_activity: Array<Resolved<CareActivityRecord>>;
  measurement: Array<Resolved<MeasurementRecord>>;
  rejected: Rejection[];
}

/** Children that pass the rules across records, by type and under their trajectory; the others refused. */
export function sortChildren(
  children: Array<Entry<ChildRecord>>,
  trajectories: ReadonlyMap<string, KnownTrajectory>,
  rules: Pick<BatchContext, 'catalogue' | 'toleranceDays' | 'today'>,
): SortedChildren {
  const sorted: SortedChildren = { placement: [], care_activity: [], measurement: [], rejected: [] };
  for (const entry of children) {
    const trajectory = trajectories.get(entry.record.trajectoryReference);
    const errors = checkChildRecord(entry.record, trajectory, rules.catalogue, rules.toleranceDays, rules.today);
    if (errors.length > 0 || !trajectory) sorted.rejected.push(rejectionOf(entry, errors));
    else
      (sorted[entry.record.type] as Array<Resolved<ChildRecord>>).push({
        ...entry.record,
        trajectoryId: trajectory.id,
        subjectKey: trajectory.subjectKey,
      });
  }
  return sorted;
}

/** What a batch wrote: the youths and trajectories of the records it created or updated. */
export function summaryOf(accepted: readonly Accepted[]): WriteSummary {
  const changed = accepted.filter((entry) => entry.status !== 'unchanged');
  return writeSummary({
    subjectKeys: changed.map((entry) => entry.subjectKey),
    trajectoryIds: changed.flatMap((entry) => (entry.trajectoryId ? [entry.trajectoryId] : [])),
    created: changed.filter((entry) => entry.status === 'created').length,
    updated: changed.filter((entry) => entry.status === 'updated').length,
  });
}

const statusOf = (statuses: Map<string, Written>, reference: string) => statuses.get(reference)?.status ?? 'unchanged';

async function writeTrajectories(context: BatchContext, entries: Array<Entry<TrajectoryRecord>>): Promise<BatchOutcome> {
  const { connection, institutionId } = context;
  const { candidates, rejected } = trajectoryCandidates(entries, context.catalogue.ownProgrammes, context.registryPseudonymKey);
  // Refused youths (this institution's tombstones, registry objections) never get a row
  // written; the check is repeated once their rows are locked, for erasures that raced us.
  const subjectsRepository = createSubjectsRepository(connection);
  const refusals = await subjectsRepository.refusals(institutionId, [...new Set(candidates.map((entry) => entry.registryKey))]);
  const { live, rejected: refused } = withoutRefused(candidates, refusals);
  const views = new Map(live.map((entry) => [entry.registryKey, { registryKey: entry.registryKey, ...entry.record.subject }]));
  const subjects = await subjectsRepository.lockAndWrite(institutionId, [...views.values()]);
  if ([...subjects.values()].some((subject) => subject.refusal)) throw new RefusedMeanwhile();
  const statuses = await createIngestRepository(connection).upsertTrajectories(
    institutionId,
    live.map(({ record, programmeId, registryKey }) => ({
      reference: record.reference,
      subjectId: subjects.get(registryKey)!.id,
      programmeId,
      startDate: record.startDate,
      endDate: record.endDate ?? null,
      endReason: record.endReason ?? null,
      exploitationAtIntake: record.exploitationAtIntake,
      researchConsent: record.researchConsent,
    })),
  );
  const accepted = live.map((entry): Accepted => {
    const status = statusOf(statuses, entry.record.reference);
    return {
      type: 'trajectory',
      // A youth's own fields changed with an unchanged trajectory: the record was updated all the same.
      status: status === 'unchanged' && subjects.get(entry.registryKey)!.changed ? 'updated' : status,
      subjectKey: entry.registryKey,
      trajectoryId: statuses.get(entry.record.reference)?.id,
    };
  });
  return { accepted, rejected: [...rejected, ...refused] };
}

async function writeChildren(context: BatchContext, children: Array<Entry<ChildRecord>>): Promise<BatchOutcome> {
  const { connection, institutionId } = context;
  const repository = createIngestRepository(connection);
  const known = await repository.findTrajectories(institutionId, [...new Set(children.map((entry) => entry.record.trajectoryReference))]);
  const valid = sortChildren(children, known, context);
  const placementStatuses = await repository.upsertPlacements(
    institutionId,
    valid.placement.map((record) => ({ ...record, endDate: record.endDate ?? null })),
  );
  const activityStatuses = await repository.upsertCareActivities(
    institutionId,
    valid.care_activity.map((record) => ({
      ...record,
      activityDate: record.date,
      count: record.count ?? null,
      durationMinutes: record.durationMinutes ?? null,
      domain: record.domain ?? null,
      parentsInvolved: record.parentsInvolved ?? null,
      topics: record.topics ?? null,
    })),
  );
  const measurementStatuses = await repository.upsertMeasurements(
    institutionId,
    valid.measurement.map((record) => ({ ...record, measuredOn: record.date })),
  );
  const accept =
    (type: RecordType, statuses: Map<string, Written>) =>
    (record: { reference: string; subjectKey: string; trajectoryId: string }): Accepted => ({
      type,
      status: statusOf(statuses, record.reference),
      subjectKey: record.subjectKey,
      trajectoryId: record.trajectoryId,
    });
  return {
    accepted: [
      ...valid.placement.map(accept('placement', placementStatuses)),
      ...valid.care_activity.map(accept('care_activity', activityStatuses)),
      ...valid.measurement.map(accept('measurement', measurementStatuses)),
    ],
    rejected: valid.rejected,
  };
}

/** Checks a batch against the database and writes what passes. */
export async function writeBatch(context: BatchContext, entries: Entry[]): Promise<BatchOutcome> {
  const trajectories = entries.filter((entry): entry is Entry<TrajectoryRecord> => entry.record.type === 'trajectory');
  const children = entries.filter((entry): entry is Entry<ChildRecord> => entry.record.type !== 'trajectory');
  const outcomes: BatchOutcome[] = [];
  if (trajectories.length > 0) outcomes.push(await writeTrajectories(context, trajectories));
  if (children.length > 0) outcomes.push(await writeChildren(context, children));
  return { accepted: outcomes.flatMap((outcome) => outcome.accepted), rejected: outcomes.flatMap((outcome) => outcome.rejected) };
}
