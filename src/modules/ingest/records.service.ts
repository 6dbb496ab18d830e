import { AppError, type ErrorCode, errors } from '../../lib/errors';
import type { EndReason, ResearchConsent } from '../../lib/vocabulary';
import type { IngestRequest, IngestService } from './ingest.service';
import type { RecordType } from './ingest.schemas';
import type { Database } from '../../db/client';
import { enqueueIndicatorUpdates } from '../indicators/indicator-maintainer';

// Single-record writes go through the same engine as the bulk stream, as a stream of one, so
// both apply exactly the same rules. Consent and closing change one field of a trajectory.

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

interface CurrentTrajectory {
  id: string;
  start_date: string;
  end_date: string | null;
  end_reason: string | null;
  research_consent: string;
  registry_key: string;
}

type TrajectoryChanges = Partial<Pick<CurrentTrajectory, 'end_date' | 'end_reason' | 'research_consent'>>;

export function createRecordsService(database: Database, ingest: IngestService, today: () => string) {
  /** Changes fields of one trajectory in a transaction that also records the audit event. */
  function updateTrajectory(
    institutionId: string,
    reference: string,
    onWrite: IngestRequest['onWrite'],
    changesFor: (current: CurrentTrajectory) => TrajectoryChanges,
  ): Promise<WriteOutcome> {
    return database.transaction(async (connection) => {
      const { rows } = await connection.query<CurrentTrajectory>(
        `select t.id, t.start_date::text, t.end_date::text, t.end_reason, t.research_consent, s.registry_key
           from trajectories t join subjects s on s.id = t.subject_id
          where t.institution_id = $1 and t.reference = $2
          for no key update of t`,
        [institutionId, reference],
      );
      const current = rows[0];
      if (!current) throw errors.notFound("A trajectory of your institution with this reference");
      const changes = changesFor(current);
      const fields = Object.keys(changes) as Array<keyof TrajectoryChanges>;
      const changed = fields.some((field) => changes[field] !== current[field]);
      if (changed) {
        await enqueueIndicatorUpdates(connection, [current.id]);
        await connection.query(
          `update trajectories set ${fields.map((field, index) => `${field} = $${index + 2}`).join(', ')}, updated_at = now() where id = $1`,
          [current.id, ...fields.map((field) => changes[field])],
        );
      }
      await onWrite?.(connection, { subjectKeys: new Set([current.registry_key]), created: 0, updated: changed ? 1 : 0 });
      return changed ? 'updated' : 'unchanged';
    });
  }

  return {
    async push(
      institutionId: string,
      type: RecordType,
      reference: string,
      body: Record<string, unknown>,
      onWrite?: IngestRequest['onWrite'],
    ): Promise<WriteOutcome> {
      const report = await ingest.ingest({
        institutionId,
        mode: 'atomic',
        dryRun: false,
        lines: [{ line: 1, text: JSON.stringify({ type, reference, ...body }) }],
        onWrite,
      });
      const rejection = report.rejections[0];
      if (rejection) {
        const located = rejection.errors.map((error) => ({
          ...error,
          field: error.field === 'reference' ? 'params.reference' : error.field ? `body.${error.field}` : 'body',
        }));
        const first = located[0]!;
        throw new AppError(first.code as ErrorCode, `${first.field}: ${first.message}`, { field: first.field, errors: located });
      }
      const counts = report.counts[type];
      return counts.created ? 'created' : counts.updated ? 'updated' : 'unchanged';
    },

    setResearchConsent: (institutionId: string, reference: string, researchConsent: ResearchConsent, onWrite?: IngestRequest['onWrite']) =>
      updateTrajectory(institutionId, reference, onWrite, () => ({ research_consent: researchConsent })),

    close: (institutionId: string, reference: string, endDate: string, endReason: EndReason, onWrite?: IngestRequest['onWrite']) =>
      updateTrajectory(institutionId, reference, onWrite, (current) => {
        if (endDate > today()) throw new AppError('DATE_IN_FUTURE', 'body.endDate: lies in the future', { field: 'body.endDate' });
        if (endDate < current.start_date) {
          throw new AppError('END_BEFORE_START', 'body.endDate: is before the trajectory’s startDate', { field: 'body.endDate' });
        }
        return { end_date: endDate, end_reason: endReason };
      }),
  };
}

export type RecordsService = ReturnType<typeof createRecordsService>;
