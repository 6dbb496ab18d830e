import type { Database, SqlConnection } from '../../db/client';
import { inSavepoint } from '../../db/savepoint';
import { combineSummaries, type UnitOfWork, type WriteSummary, writeSummary } from '../../db/unit-of-work';
import { isConnectionError } from '../../lib/database-errors';
import type { NdjsonLine } from '../../lib/ndjson';
import { registryKeyFor } from '../../lib/pseudonym';
import { createSubjectsRepository, type Refusal } from '../subjects';
import type { IngestReport, IngestReportBuilder, Rejection } from './ingest-report';
import { checkChildRecord } from './ingest-rules';
import { createIngestRepository, type IngestCatalogue, type WriteStatus, type Written } from './ingest.repository';
import type { BulkRecord, CareActivityRecord, MeasurementRecord, PlacementRecord, RecordType, TrajectoryRecord } from './ingest.schemas';
import { validateRecord } from './record-validation';
import { errors } from '../../lib/errors';

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
  lines: AsyncIterable<NdjsonLine> | Iterable<NdjsonLine>;
  /** Collects counts and refusals; its mode and dry-run flag decide how the lines are written. */
  report: IngestReportBuilder;
  /**
   * The transactions the data commits in. Whoever must commit with the data (the audit event,
   * the indicator queue, the stored report) joins it as a participant.
   */
  work: UnitOfWork;
}

interface Entry<R extends BulkRecord = BulkRecord> {
  line: number;
  record: R;
}

interface BatchOutcome {
  accepted: Array<{ type: RecordType; status: WriteStatus | 'unchanged'; subjectKey: string; trajectoryId?: string }>;
  rejected: Rejection[];
}

/** Thrown inside a transaction to roll it back on purpose (dry run, or an atomic request with rejections). */
class RollBack extends Error {}

/** A youth of the batch was erased or objected to while the batch waited for her row: write it again without her. */
class RefusedMeanwhile extends Error {}

/** How often a batch is written again because a youth in it was erased meanwhile (each time one more is refused). */
const MAX_BATCH_ATTEMPTS = 5;

const REFUSAL_MESSAGES: Record<Refusal, string> = {
  SUBJECT_ERASED: 'your institution erased this youth at a consent withdrawal; it may not push data about her again',
  SUBJECT_OBJECTED: 'this youth objected to the registry holding her data; the registry refuses data about her from every institution',
};

const isDataError = (error: unknown): boolean => {
  const code = ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string }))?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

/** What a batch wrote: the youths and trajectories of the records it created or updated. */
function summaryOf(outcome: Pick<BatchOutcome, 'accepted'>): WriteSummary {
  const changed = outcome.accepted.filter((entry) => entry.status !== 'unchanged');
  return writeSummary({
    subjectKeys: changed.map((entry) => entry.subjectKey),
    trajectoryIds: changed.flatMap((entry) => (entry.trajectoryId ? [entry.trajectoryId] : [])),
    created: changed.filter((entry) => entry.status === 'created').length,
    updated: changed.filter((entry) => entry.status === 'updated').length,
  });
}

const statusOf = (statuses: Map<string, Written>, reference: string) => statuses.get(reference)?.status ?? 'unchanged';

export function createIngestService(database: Database, settings: IngestSettings) {
  async function writeBatch(
    connection: SqlConnection,
    institutionId: string,
    catalogue: IngestCatalogue,
    entries: Entry[],
  ): Promise<BatchOutcome> {
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
        if (!programmeId)
          reject(entry, [{ code: 'UNKNOWN_PROGRAMME', message: 'is not a programme of your institution', field: 'programmeCode' }]);
        else
          candidates.push({
            ...entry,
            programmeId,
            registryKey: registryKeyFor(entry.record.subject.pseudonym, settings.registryPseudonymKey),
          });
      }
      // Refused youths (this institution's tombstones, registry objections) never get a row
      // written; the check is repeated once their rows are locked, for erasures that raced us.
      const subjectsRepository = createSubjectsRepository(connection);
      const refused = await subjectsRepository.refusals(institutionId, [...new Set(candidates.map((entry) => entry.registryKey))]);
      const refuse = (entry: Entry, refusal: Refusal) =>
        reject(entry, [{ code: refusal, message: REFUSAL_MESSAGES[refusal], field: 'subject.pseudonym' }]);
      const live = candidates.filter((entry) => {
        const refusal = refused.get(entry.registryKey);
        if (refusal) refuse(entry, refusal);
        return !refusal;
      });
      const views = new Map(live.map((entry) => [entry.registryKey, { registryKey: entry.registryKey, ...entry.record.subject }]));
      const subjects = await subjectsRepository.lockAndWrite(institutionId, [...views.values()]);
      if ([...subjects.values()].some((subject) => subject.refusal)) throw new RefusedMeanwhile();
      const statuses = await repository.upsertTrajectories(
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
      for (const entry of live) {
        const status = statusOf(statuses, entry.record.reference);
        outcome.accepted.push({
          type: 'trajectory',
          status: status === 'unchanged' && subjects.get(entry.registryKey)!.changed ? 'updated' : status,
          subjectKey: entry.registryKey,
          trajectoryId: statuses.get(entry.record.reference)?.id,
        });
      }
    }

    const children = entries.filter((entry) => entry.record.type !== 'trajectory') as Array<
      Entry<PlacementRecord | CareActivityRecord | MeasurementRecord>
    >;
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
      else
        (valid[entry.record.type] as Array<Resolved<typeof entry.record>>).push({
          ...entry.record,
          trajectoryId: trajectory.id,
          subjectKey: trajectory.subjectKey,
        });
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
    const accept =
      (type: RecordType, statuses: Map<string, Written>) => (record: { reference: string; subjectKey: string; trajectoryId: string }) =>
        outcome.accepted.push({
          type,
          status: statusOf(statuses, record.reference),
          subjectKey: record.subjectKey,
          trajectoryId: record.trajectoryId,
        });
    valid.placement.forEach(accept('placement', placementStatuses));
    valid.care_activity.forEach(accept('care_activity', activityStatuses));
    valid.measurement.forEach(accept('measurement', measurementStatuses));
    return outcome;
  }

  /**
   * Writes entries under a savepoint: rolled back to it on a refusal race (and written again)
   * or on a data error (and left to the caller); committed with the transaction otherwise.
   */
  async function writeInSavepoint(
    connection: SqlConnection,
    name: string,
    institutionId: string,
    catalogue: IngestCatalogue,
    entries: Entry[],
  ): Promise<BatchOutcome> {
    const rollBackOn = (error: unknown) => !isConnectionError(error) && (error instanceof RefusedMeanwhile || isDataError(error));
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await inSavepoint(connection, name, () => writeBatch(connection, institutionId, catalogue, entries), rollBackOn);
      } catch (error) {
        if (!(error instanceof RefusedMeanwhile)) throw error;
        if (attempt === MAX_BATCH_ATTEMPTS) throw errors.transactionConflict(error);
      }
    }
  }

  /**
   * Writes a batch. Validation should have caught everything; should the database still refuse
   * a row, the batch is rolled back to its savepoint and written record by record, so only the
   * offending records are refused.
   */
  async function writeIsolated(
    connection: SqlConnection,
    institutionId: string,
    catalogue: IngestCatalogue,
    entries: Entry[],
    report: IngestReportBuilder,
  ): Promise<WriteSummary> {
    const apply = (outcome: BatchOutcome): WriteSummary => {
      for (const { type, status } of outcome.accepted) report.accept(type, status);
      for (const rejection of outcome.rejected) report.reject(rejection);
      return summaryOf(outcome);
    };
    try {
      return apply(await writeInSavepoint(connection, 'ingest_batch', institutionId, catalogue, entries));
    } catch (error) {
      if (!isDataError(error)) throw error;
    }
    const ordered = [...entries].sort((a, b) => Number(b.record.type === 'trajectory') - Number(a.record.type === 'trajectory'));
    const summaries: WriteSummary[] = [];
    for (const entry of ordered) {
      try {
        summaries.push(apply(await writeInSavepoint(connection, 'ingest_record', institutionId, catalogue, [entry])));
      } catch (error) {
        if (!isDataError(error)) throw error;
        const constraint = ((error as { cause?: { constraint?: string } }).cause ?? (error as { constraint?: string })).constraint;
        report.reject({
          line: entry.line,
          type: entry.record.type,
          reference: entry.record.reference,
          errors: [{ code: 'CONSTRAINT_VIOLATION', message: `breaks the registry rule ${constraint ?? '(unnamed)'}`, field: '' }],
        });
      }
    }
    return combineSummaries(summaries);
  }

  return {
    /**
     * Reads the lines, validates each, and writes them in batches: atomic (and dry runs) in one
     * transaction, per record in one transaction per batch. Returns the report as built.
     */
    async ingest(request: IngestRequest): Promise<IngestReport> {
      const { institutionId, report, work } = request;
      const today = settings.today();
      const catalogue = await database.transaction((connection) => createIngestRepository(connection).loadCatalogue(institutionId));

      /** Writes the lines in batches; returns what the batches wrote together. */
      const consume = async (write: (entries: Entry[]) => Promise<WriteSummary>): Promise<WriteSummary> => {
        // One batch is written while the next is parsed: the database works on one core while
        // Node validates on the other. Writes still happen one at a time, in order.
        const summaries: WriteSummary[] = [];
        let inflight: Promise<void> | undefined;
        const flush = async (entries: Entry[]) => {
          if (inflight) await inflight;
          inflight = write(entries).then((summary) => void summaries.push(summary));
          inflight.catch(() => undefined); // Raised where it is awaited, not as an unhandled rejection.
        };
        let batch = new Map<string, Entry>();
        for await (const item of request.lines) {
          report.sawLine(item.line);
          if ('tooLong' in item) {
            report.reject({
              line: item.line,
              errors: [{ code: 'LINE_TOO_LONG', message: 'the line is longer than one record may be', field: '' }],
            });
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
        return combineSummaries(summaries);
      };

      if (report.mode === 'atomic' || report.dryRun) {
        try {
          return await work.transaction(
            async ({ connection }) => {
              const written = await consume((entries) => writeIsolated(connection, institutionId, catalogue, entries, report));
              if (report.dryRun || report.hasRejections) throw new RollBack();
              return { result: report.finish('committed'), written };
            },
            { last: true },
          );
        } catch (error) {
          if (error instanceof RollBack) return report.finish(report.dryRun ? 'dry_run' : 'rolled_back');
          throw error;
        }
      }

      // Per record: each batch commits on its own; a refused record does not hold up the others.
      await consume((entries) =>
        work.transaction(async ({ connection }) => {
          const written = await writeIsolated(connection, institutionId, catalogue, entries, report);
          return { result: written, written };
        }),
      );
      await work.finish();
      return report.finish('committed');
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
