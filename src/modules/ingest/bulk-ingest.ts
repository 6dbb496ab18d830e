import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../../db/client';
import { createUnitOfWork, type Participant, transactionWithoutRecords } from '../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { readNdjsonLines } from '../../lib/ndjson';
import { indicatorQueueParticipant } from '../indicators';
import { type IngestMode, type IngestReport, IngestReportBuilder } from './ingest-report';
import { createIngestReportsRepository } from './ingest-reports.repository';
import type { IngestService } from './ingest.service';

// The bulk endpoint's rules around the engine: the Idempotency-Key (a retried request gets the
// first answer, never a second application) and keeping every report.

export interface BulkIngestInput {
  institutionId: string;
  mode: IngestMode;
  dryRun: boolean;
  idempotencyKey?: string;
  body: AsyncIterable<Buffer | string>;
  /** Writers that commit with every transaction of data (the request's audit event). */
  participants: Participant[];
  /**
   * What else the request is, for the Idempotency-Key check: the FHIR endpoint passes its Bundle's
   * digest, so a Bundle is compared whole (and never matches an NDJSON request of the same lines).
   */
  requestKind?: string;
}

export interface BulkIngestResult {
  httpStatus: number;
  report: IngestReport;
  replayed: boolean;
}

export interface BulkLimits {
  maxBytes: number;
  maxLineBytes: number;
}

/** A claim older than this belongs to a request that died; a retry may take it over. */
const ABANDONED_CLAIM_SECONDS = 15 * 60;

const httpStatusOf = (report: IngestReport) => (report.outcome === 'rolled_back' ? 422 : 200);

export function createBulkIngest(database: Database, ingest: IngestService, limits: BulkLimits) {
  const reports = <T>(work: (repository: ReturnType<typeof createIngestReportsRepository>) => Promise<T>) =>
    transactionWithoutRecords(database, (connection) => work(createIngestReportsRepository(connection)));

  // Claims of failed requests that could not be let go because the database was away when they
  // failed. This process knows those requests are dead, so it lets their claims go before it
  // claims again: a retry once the database is back is taken at once, instead of being refused
  // as still running until ABANDONED_CLAIM_SECONDS have passed. (Another instance, or this one
  // after a crash, still waits that out.)
  const unreleased = new Set<string>();
  /** Lets claims go in one statement; those it cannot (the database still away) are kept for later. */
  const releaseClaims = async (ids: string[]) => {
    if (ids.length === 0) return;
    try {
      await reports((repository) => repository.releaseClaims(ids));
      for (const id of ids) unreleased.delete(id);
    } catch {
      for (const id of ids) unreleased.add(id);
    }
  };

  return async function bulkIngest(input: BulkIngestInput): Promise<BulkIngestResult> {
    const hash = createHash('sha256').update(`mode=${input.mode}\n`); // Another mode is another request.
    if (input.requestKind) hash.update(`kind=${input.requestKind}\n`);
    let digest: string | undefined;
    const requestHash = () => (digest ??= hash.digest('hex'));
    const lines = readNdjsonLines(input.body, { ...limits, hash });
    const key = input.dryRun ? undefined : input.idempotencyKey;
    let reportId: string = randomUUID();

    if (key) {
      await releaseClaims([...unreleased]);
      const claim = await reports((repository) => repository.claim(input.institutionId, key, reportId));
      if (!claim.claimed) {
        const { existing } = claim;
        if (existing.outcome === 'in_progress') {
          if (existing.ageSeconds < ABANDONED_CLAIM_SECONDS) {
            throw new AppError(
              'IDEMPOTENCY_KEY_IN_USE',
              'A request with this Idempotency-Key is still being processed; retry when it is done.',
              {
                retryAfterSeconds: 5,
              },
            );
          }
          reportId = existing.id;
          await reports((repository) => repository.reclaim(existing.id));
        } else {
          for await (const _line of lines) void _line; // Read the body to compare it with the first one.
          if (requestHash() !== existing.requestHash) {
            throw new AppError(
              'IDEMPOTENCY_KEY_REUSED',
              'This Idempotency-Key was used for a different request body; use a new key for new data.',
              {
                field: 'headers.idempotency-key',
              },
            );
          }
          return { httpStatus: existing.httpStatus ?? 200, report: existing.report!, replayed: true };
        }
      }
    }

    try {
      const builder = new IngestReportBuilder(reportId, input.mode, input.dryRun);
      // A committed report is stored in the transaction that commits the last of the data: both or neither.
      const reportWriter: Participant = {
        beforeLastCommit: ({ connection }) =>
          createIngestReportsRepository(connection).save(input.institutionId, builder.finish('committed'), 200, requestHash(), key),
      };
      const report = await ingest.ingest({
        institutionId: input.institutionId,
        lines,
        report: builder,
        work: createUnitOfWork(database, [...input.participants, indicatorQueueParticipant, ...(input.dryRun ? [] : [reportWriter])]),
      });
      if (report.outcome === 'rolled_back') {
        await reports((repository) => repository.save(input.institutionId, report, 422, requestHash(), key));
      }
      return { httpStatus: httpStatusOf(report), report, replayed: false };
    } catch (error) {
      if (key) await releaseClaims([reportId]);
      throw error;
    }
  };
}

export type BulkIngest = ReturnType<typeof createBulkIngest>;
