import { randomUUID } from 'node:crypto';
import type { Database, SqlConnection } from '../../db/client';
import { isConnectionError } from '../../lib/database-errors';
import type { NdjsonLine } from '../../lib/ndjson';
import { registryKeyFor } from '../../lib/pseudonym';
import { type IngestMode, type IngestReport, IngestReportBuilder, type Rejection } from './ingest-report';
import { checkChildRecord } from './ingest-rules';
import { enqueueIndicatorUpdates } from '../indicators/indicator-maintainer';
import { createIngestRepository, type IngestCatalogue, type WriteStatus, type Written } from './ingest.repository';
import type { BulkRecord, CareActivityRecord, MeasurementRecord, PlacementRecord, RecordType, TrajectoryRecord } from './ingest.schemas';
import { validateRecord } from './record-validation';

// The ingest engine behind the bulk endpoint and the single-record routes alike: validate each
// line on its own, collect a batch, check the batch against the database in a few set-based
// queries, and upsert it with one statement per record type.

export interface IngestSettings {
  registryPseudonymKey: Buffer;
  /** Days an activity or measurement may lie outside its trajectory (EHRs round dates). */
  toleranceDays: number;
  batchSize: number;
  /** The registry's today (YYYY-MM-DD); injectable for tests. */
  today: () => string;
}

export interface IngestRequest {
  institutionId: string;
  mode: IngestMode;
  dryRun: boolean;
  lines: AsyncIterable<NdjsonLine> | Iterable<NdjsonLine>;
  reportId?: string;
  /**
   * Runs in every transaction that commits data, just before it commits, with the registry
   * keys of the subjects written: the write and its audit event commit together.
   */
  onWrite?: (connection: SqlConnection, written: WrittenSummary) => Promise<void>;
  /** Runs once at the end, in the transaction that commits the last of the data (atomic: the only one). */
  beforeCommit?: (connection: SqlConnection, report: IngestReport) => Promise<void>;
}

interface Entry<R extends BulkRecord = BulkRecord> {
  line: number;
  record: R;
}

interface BatchOutcome {
  accepted: Array<{ type: RecordType; status: WriteStatus | 'unchanged'; subjectKey: string; trajectoryId?: string }>;
  rejected: Rejection[];
}

/** What one committing transaction wrote: the subjects touched and how many records changed. */
export interface WrittenSummary {
  subjectKeys: Set<string>;
  created: number;
  updated: number;
  /** Trajectories whose indicators the write changed. */
  trajectoryIds?: Set<string>;
}

const emptySummary = (): WrittenSummary => ({ subjectKeys: new Set(), created: 0, updated: 0, trajectoryIds: new Set() });

/** Thrown inside a transaction to roll it back on purpose (dry run, or an atomic request with rejections). */
class RollBack extends Error {}

const isDataError = (error: unknown): boolean => {
  const code = ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string }))?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

const statusOf = (statuses: Map<string, Written>, reference: string) => statuses.get(reference)?.status ?? 'unchanged';

export function createIngestService(database: Database, settings: IngestSettings) {
  async function writeBatch(connection: SqlConnection, institutionId: string, catalogue: IngestCatalogue, entries: Entry[]): Promise<BatchOutcome> {
    const repository = createIngestRepository(connection);
    const outcome: BatchOutcome = { accepted: [], rejected: [] };
    const reject = (entry: Entry, errors: Rejection['errors']) =>
      outcome.rejected.push({ line: entry.line, type: entry.record.type, reference: entry.record.reference, errors });

    // Trajectories first: the children in the same batch may hang under them.
    const trajectories = entries.filter((entry): entry is Entry<TrajectoryRecord> => entry.record.type === 'trajectory');
    if (trajectories.length > 0) {
      const candidates: Array<Entry<TrajectoryRecord> & { programmeId: string; registryKey: string }> = [];
      for (const entry of trajectories) {
        const programmeId = catalogue.ownProgrammes.get(entry.record.programmeCode);
        if (!programmeId) reject(entry, [{ code: 'UNKNOWN_PROGRAMME', message: 'is not a programme of your institution', field: 'programmeCode' }]);
        else candidates.push({ ...entry, programmeId, registryKey: registryKeyFor(entry.record.subject.pseudonym, settings.registryPseudonymKey) });
      }
      const erased = await repository.findErasedKeys([...new Set(candidates.map((entry) => entry.registryKey))]);
      const live = candidates.filter((entry) => {
        if (!erased.has(entry.registryKey)) return true;
        reject(entry, [{ code: 'SUBJECT_ERASED', message: 'this youth was erased at a consent withdrawal; the registry refuses new data about her', field: 'subject.pseudonym' }]);
        return false;
      });
      const subjectsByKey = new Map(live.map((entry) => [entry.registryKey, { registryKey: entry.registryKey, ...entry.record.subject }]));
      const subjects = await repository.upsertSubjects([...subjectsByKey.values()]);
      const statuses = await repository.upsertTrajectories(
        institutionId,
        live.map(({ record, programmeId, registryKey }) => ({
          reference: record.reference,
          subjectId: subjects.ids.get(registryKey)!,
          programmeId,
          startDate: record.startDate,
          endDate: record.endDate ?? null,
          endReason: record.endReason ?? null,
          exploitationAtIntake: record.exploitationAtIntake,
          researchConsent: record.researchConsent,
        })),
      );
      for (const entry of live) {
        const status = statusOf(statuses, entry.record.reference);
        outcome.accepted.push({
          type: 'trajectory',
          status: status === 'unchanged' && subjects.changed.has(entry.registryKey) ? 'updated' : status,
          subjectKey: entry.registryKey,
          trajectoryId: statuses.get(entry.record.reference)?.id,
        });
      }
    }

    const children = entries.filter((entry) => entry.record.type !== 'trajectory') as Array<Entry<PlacementRecord | CareActivityRecord | MeasurementRecord>>;
    if (children.length === 0) return outcome;
    const known = await repository.findTrajectories(institutionId, [...new Set(children.map((entry) => entry.record.trajectoryReference))]);
    type Resolved<R> = R & { trajectoryId: string; subjectKey: string };
    const valid = {
      placement: [] as Array<Resolved<PlacementRecord>>,
      care_activity: [] as Array<Resolved<CareActivityRecord>>,
      measurement: [] as Array<Resolved<MeasurementRecord>>,
    };
    const today = settings.today();
    for (const entry of children) {
      const trajectory = known.get(entry.record.trajectoryReference);
      const errors = checkChildRecord(entry.record, trajectory, catalogue, settings.toleranceDays, today);
      if (errors.length > 0 || !trajectory) reject(entry, errors);
      else (valid[entry.record.type] as Array<Resolved<typeof entry.record>>).push({ ...entry.record, trajectoryId: trajectory.id, subjectKey: trajectory.subjectKey });
    }
    const placementStatuses = await repository.upsertPlacements(
      institutionId,
      valid.placement.map((record) => ({ ...record, endDate: record.endDate ?? null })),
    );
    const activityStatuses = await repository.upsertCareActivities(
      institutionId,
      valid.care_activity.map((record) => ({
        ...record,
        count: record.count ?? null,
        durationMinutes: record.durationMinutes ?? null,
        domain: record.domain ?? null,
        parentsInvolved: record.parentsInvolved ?? null,
        topics: record.topics ?? null,
      })),
    );
    const measurementStatuses = await repository.upsertMeasurements(institutionId, valid.measurement);
    const accept = (type: RecordType, statuses: Map<string, Written>) => (record: { reference: string; subjectKey: string; trajectoryId: string }) =>
      outcome.accepted.push({ type, status: statusOf(statuses, record.reference), subjectKey: record.subjectKey, trajectoryId: record.trajectoryId });
    valid.placement.forEach(accept('placement', placementStatuses));
    valid.care_activity.forEach(accept('care_activity', activityStatuses));
    valid.measurement.forEach(accept('measurement', measurementStatuses));
    return outcome;
  }

  /**
   * Writes a batch under a savepoint. Validation should have caught everything; should the
   * database still refuse a row, the batch is rolled back to the savepoint and written record by
   * record, so only the offending records are refused.
   */
  async function writeIsolated(
    connection: SqlConnection,
    institutionId: string,
    catalogue: IngestCatalogue,
    entries: Entry[],
    report: IngestReportBuilder,
    written: WrittenSummary,
  ): Promise<void> {
    const apply = (outcome: BatchOutcome) => {
      for (const { type, status, subjectKey, trajectoryId } of outcome.accepted) {
        report.accept(type, status);
        if (status === 'unchanged') continue;
        written.subjectKeys.add(subjectKey);
        written[status] += 1;
        if (trajectoryId) written.trajectoryIds?.add(trajectoryId);
      }
      outcome.rejected.forEach((rejection) => report.reject(rejection));
    };
    await connection.query('savepoint ingest_batch');
    try {
      const outcome = await writeBatch(connection, institutionId, catalogue, entries);
      await connection.query('release savepoint ingest_batch');
      apply(outcome);
      return;
    } catch (error) {
      if (isConnectionError(error) || !isDataError(error)) throw error;
      await connection.query('rollback to savepoint ingest_batch');
    }
    const ordered = [...entries].sort((a, b) => Number(b.record.type === 'trajectory') - Number(a.record.type === 'trajectory'));
    for (const entry of ordered) {
      await connection.query('savepoint ingest_record');
      try {
        const outcome = await writeBatch(connection, institutionId, catalogue, [entry]);
        await connection.query('release savepoint ingest_record');
        apply(outcome);
      } catch (error) {
        if (isConnectionError(error) || !isDataError(error)) throw error;
        await connection.query('rollback to savepoint ingest_record');
        const constraint = ((error as { cause?: { constraint?: string } }).cause ?? (error as { constraint?: string })).constraint;
        report.reject({
          line: entry.line,
          type: entry.record.type,
          reference: entry.record.reference,
          errors: [{ code: 'CONSTRAINT_VIOLATION', message: `breaks the registry rule ${constraint ?? '(unnamed)'}`, field: '' }],
        });
      }
    }
  }

  return {
    async ingest(request: IngestRequest): Promise<IngestReport> {
      const { institutionId, mode, dryRun } = request;
      const report = new IngestReportBuilder(request.reportId ?? randomUUID(), mode, dryRun);
      const today = settings.today();
      const catalogue = await database.transaction((connection) => createIngestRepository(connection).loadCatalogue(institutionId));

      const consume = async (write: (entries: Entry[]) => Promise<void>) => {
        // One batch is written while the next is parsed: the database works on one core while
        // Node validates on the other. Writes still happen one at a time, in order.
        let inflight: Promise<void> | undefined;
        const flush = async (entries: Entry[]) => {
          if (inflight) await inflight;
          inflight = write(entries);
          inflight.catch(() => undefined); // Raised where it is awaited, not as an unhandled rejection.
        };
        let batch = new Map<string, Entry>();
        for await (const item of request.lines) {
          report.sawLine(item.line);
          if ('tooLong' in item) {
            report.reject({ line: item.line, errors: [{ code: 'LINE_TOO_LONG', message: 'the line is longer than one record may be', field: '' }] });
            continue;
          }
          let value: unknown;
          try {
            value = JSON.parse(item.text);
          } catch {
            report.reject({ line: item.line, errors: [{ code: 'INVALID_JSON', message: 'is not valid JSON', field: '' }] });
            continue;
          }
          const parsed = validateRecord(value, today);
          if (!parsed.ok) {
            report.reject({ line: item.line, type: parsed.type, reference: parsed.reference, errors: parsed.errors });
            continue;
          }
          // The same record twice: write what came before, so the later one wins, in order.
          const key = `${parsed.record.type}:${parsed.record.reference}`;
          if (batch.has(key) || batch.size >= settings.batchSize) {
            await flush([...batch.values()]);
            batch = new Map();
          }
          batch.set(key, { line: item.line, record: parsed.record });
        }
        if (batch.size > 0) await flush([...batch.values()]);
        await inflight;
      };

      if (mode === 'atomic' || dryRun) {
        try {
          let committed: IngestReport | undefined;
          await database.transaction(async (connection) => {
            const written = emptySummary();
            await consume((entries) => writeIsolated(connection, institutionId, catalogue, entries, report, written));
            if (dryRun || report.hasRejections) throw new RollBack();
            await enqueueIndicatorUpdates(connection, written.trajectoryIds ?? []);
            await request.onWrite?.(connection, written);
            committed = report.build('committed');
            await request.beforeCommit?.(connection, committed);
          });
          return committed!;
        } catch (error) {
          if (error instanceof RollBack) return report.build(dryRun ? 'dry_run' : 'rolled_back');
          throw error;
        }
      }

      // Per record: each batch commits on its own; a refused record does not hold up the others.
      await consume((entries) =>
        database.transaction(async (connection) => {
          const written = emptySummary();
          await writeIsolated(connection, institutionId, catalogue, entries, report, written);
          await enqueueIndicatorUpdates(connection, written.trajectoryIds ?? []);
          await request.onWrite?.(connection, written);
        }),
      );
      const built = report.build('committed');
      if (request.beforeCommit) await database.transaction((connection) => request.beforeCommit!(connection, built));
      return built;
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
