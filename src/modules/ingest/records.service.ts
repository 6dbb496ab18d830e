import { AppError, type ErrorCode, errors } from '../../lib/errors';
import type { EndReason, ResearchConsent } from '../../lib/vocabulary';
import type { IngestService } from './ingest.service';
import type { RecordType } from './ingest.schemas';
import type { RecordsRepository } from './records.repository';

// Single-record writes go through the same engine as the bulk stream, as a stream of one, so
// both apply exactly the same rules. Consent and closing change one field of a trajectory.

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export function createRecordsService(ingest: IngestService, records: RecordsRepository, today: () => string) {
  return {
    async push(institutionId: string, type: RecordType, reference: string, body: Record<string, unknown>): Promise<WriteOutcome> {
      const report = await ingest.ingest({
        institutionId,
        mode: 'atomic',
        dryRun: false,
        lines: [{ line: 1, text: JSON.stringify({ type, reference, ...body }) }],
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

    async setResearchConsent(institutionId: string, reference: string, researchConsent: ResearchConsent): Promise<WriteOutcome> {
      const outcome = await records.updateTrajectory(institutionId, reference, { researchConsent });
      if (!outcome) throw errors.notFound(`Trajectory ${reference}`);
      return outcome;
    },

    async close(institutionId: string, reference: string, endDate: string, endReason: EndReason): Promise<WriteOutcome> {
      const found = await records.findTrajectory(institutionId, reference);
      if (!found) throw errors.notFound(`Trajectory ${reference}`);
      if (endDate > today()) throw new AppError('DATE_IN_FUTURE', 'body.endDate: lies in the future', { field: 'body.endDate' });
      if (endDate < found.view.startDate) {
        throw new AppError('END_BEFORE_START', 'body.endDate: is before the trajectory’s startDate', { field: 'body.endDate' });
      }
      return (await records.updateTrajectory(institutionId, reference, { endDate, endReason }))!;
    },
  };
}

export type RecordsService = ReturnType<typeof createRecordsService>;
