import { randomUUID } from 'node:crypto';
import { type UnitOfWork, writeSummary } from '../../db/unit-of-work';
import type { InstitutionScope } from '../../plugins/request-scope';
import { AppError, type ErrorCode, errors } from '../../lib/errors';
import type { EndReason, ResearchConsent } from '../../lib/vocabulary';
import { IngestReportBuilder, type IngestService, type RecordType } from '../ingest';
import { createTrajectoryUpdates, type LockedTrajectory, type TrajectoryChanges } from './records.repository';

// Single-record writes go through the same engine as the bulk stream, as a stream of one, so
// both apply exactly the same rules. Consent and closing change one field of a trajectory.

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export function createRecordsService(ingest: IngestService, today: () => string) {
  /** Changes fields of one trajectory, holding its row until the unit of work commits. */
  function updateTrajectory(
    work: UnitOfWork,
    scope: InstitutionScope,
    reference: string,
    changesFor: (current: LockedTrajectory) => TrajectoryChanges,
  ): Promise<WriteOutcome> {
    return work.transaction(
      async ({ connection }) => {
        const trajectories = createTrajectoryUpdates(connection);
        const current = await trajectories.lock(scope, reference);
        if (!current) throw errors.notFound('A trajectory of your institution with this reference');
        const changed = await trajectories.change(current, changesFor(current));
        // The youth is named even when nothing changed: the attempt is audited with its subject.
        const written = writeSummary({
          subjectKeys: [current.registryKey],
          ...(changed ? { updated: 1, trajectoryIds: [current.id] } : {}),
        });
        return { result: changed ? ('updated' as const) : ('unchanged' as const), written };
      },
      { last: true },
    );
  }

  return {
    async push(
      work: UnitOfWork,
      scope: InstitutionScope,
      type: RecordType,
      reference: string,
      body: Record<string, unknown>,
    ): Promise<WriteOutcome> {
      const report = await ingest.ingest({
        institutionId: scope.institution.id,
        lines: [{ line: 1, text: JSON.stringify({ type, reference, ...body }) }],
        report: new IngestReportBuilder(randomUUID(), 'atomic', false),
        work,
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

    setResearchConsent: (work: UnitOfWork, scope: InstitutionScope, reference: string, researchConsent: ResearchConsent) =>
      updateTrajectory(work, scope, reference, () => ({ researchConsent })),

    close: (work: UnitOfWork, scope: InstitutionScope, reference: string, endDate: string, endReason: EndReason) =>
      updateTrajectory(work, scope, reference, (current) => {
        if (endDate > today()) throw new AppError('DATE_IN_FUTURE', 'body.endDate: lies in the future', { field: 'body.endDate' });
        if (endDate < current.startDate) {
          throw new AppError('END_BEFORE_START', 'body.endDate: is before the trajectory’s startDate', { field: 'body.endDate' });
        }
        return { endDate, endReason };
      }),
  };
}

export type RecordsService = ReturnType<typeof createRecordsService>;
