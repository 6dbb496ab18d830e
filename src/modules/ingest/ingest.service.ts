import type { Database } from '../../db/client';
import { combineSummaries, transactionWithoutRecords, type UnitOfWork, type WriteSummary } from '../../db/unit-of-work';
import type { NdjsonLine } from '../../lib/ndjson';
import type { BatchContext } from './ingest-batch';
import { type Entry, readBatches } from './ingest-batches';
import { writeIsolated } from './ingest-isolation';
import type { IngestReport, IngestReportBuilder } from './ingest-report';
import { createIngestRepository } from './ingest.repository';

// The ingest engine behind the bulk endpoint and the single-record routes alike, in three steps:
// lines become batches of valid records (ingest-batches.ts), each batch is checked against the
// database and written with one statement per record type (ingest-batch.ts) under a savepoint
// (ingest-isolation.ts), and here the batches go into transactions as the mode says.

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

/** Thrown inside a transaction to roll it back on purpose (dry run, or an atomic request with rejections). */
class RollBack extends Error {}

/**
 * Writes each batch with `write`, one at a time and in order, while the next is read: the
 * database works on one core while Node validates on the other. Returns what they wrote together.
 */
async function writeEach(batches: AsyncIterable<Entry[]>, write: (entries: Entry[]) => Promise<WriteSummary>): Promise<WriteSummary> {
  const summaries: WriteSummary[] = [];
  let inflight: Promise<void> | undefined;
  for await (const entries of batches) {
    if (inflight) await inflight;
    inflight = write(entries).then((summary) => void summaries.push(summary));
    inflight.catch(() => undefined); // Raised where it is awaited, not as an unhandled rejection.
  }
  await inflight;
  return combineSummaries(summaries);
}

export function createIngestService(database: Database, settings: IngestSettings) {
  return {
    /**
     * Reads the lines, validates each, and writes them in batches: atomic (and dry runs) in one
     * transaction, per record in one transaction per batch. Returns the report as built.
     */
    async ingest(request: IngestRequest): Promise<IngestReport> {
      const { institutionId, report, work } = request;
      const today = settings.today();
      // In a transaction of its own, before the request's unit of work begins.
      const catalogue = await transactionWithoutRecords(database, (connection) =>
        createIngestRepository(connection).loadCatalogue(institutionId),
      );
      const batches = () => readBatches(request.lines, { batchSize: settings.batchSize, today }, report);
      const contextOn = (connection: BatchContext['connection']): BatchContext => ({
        connection,
        institutionId,
        catalogue,
        registryPseudonymKey: settings.registryPseudonymKey,
        toleranceDays: settings.toleranceDays,
        today,
      });

      if (report.mode === 'atomic' || report.dryRun) {
        try {
          return await work.transaction(
            async ({ connection }) => {
              const written = await writeEach(batches(), (entries) => writeIsolated(contextOn(connection), entries, report));
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
      await writeEach(batches(), (entries) =>
        work.transaction(async ({ connection }) => {
          const written = await writeIsolated(contextOn(connection), entries, report);
          return { result: written, written };
        }),
      );
      await work.finish();
      return report.finish('committed');
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
