import { inSavepoint } from '../../db/savepoint';
import { combineSummaries, type WriteSummary } from '../../db/unit-of-work';
import { isConnectionError } from '../../lib/database-errors';
import { errors } from '../../lib/errors';
import { type BatchContext, type BatchOutcome, RefusedMeanwhile, summaryOf, writeBatch } from './ingest-batch';
import type { Entry } from './ingest-batches';
import type { IngestReportBuilder } from './ingest-report';

// A batch written under a savepoint, so that what the database refuses costs only the records at
// fault: a youth erased while the batch waited is written again without her; a row the database
// refuses (validation should have caught it) sends the batch back record by record.

/** How often a batch is written again because a youth in it was erased meanwhile (each time one more is refused). */
const MAX_BATCH_ATTEMPTS = 5;

/** An error of the data (SQLSTATE class 22 or 23): the row at fault, not the connection or the statement. */
export const isDataError = (error: unknown): boolean => {
  const code = ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string }))?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

/**
 * Writes entries under a savepoint: rolled back to it on a refusal race (and written again)
 * or on a data error (and left to the caller); committed with the transaction otherwise.
 */
async function writeInSavepoint(context: BatchContext, name: string, entries: Entry[]): Promise<BatchOutcome> {
  const rollBackOn = (error: unknown) => !isConnectionError(error) && (error instanceof RefusedMeanwhile || isDataError(error));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inSavepoint(context.connection, name, () => writeBatch(context, entries), rollBackOn);
    } catch (error) {
      if (!(error instanceof RefusedMeanwhile)) throw error;
      if (attempt === MAX_BATCH_ATTEMPTS) throw errors.transactionConflict(error);
    }
  }
}

/**
 * Writes a batch, tells the report what became of each record, and returns what it wrote. Should
 * the database refuse a row, the batch is rolled back to its savepoint and written record by
 * record, so only the offending records are refused.
 */
export async function writeIsolated(context: BatchContext, entries: Entry[], report: IngestReportBuilder): Promise<WriteSummary> {
  const apply = (outcome: BatchOutcome): WriteSummary => {
    for (const { type, status } of outcome.accepted) report.accept(type, status);
    for (const rejection of outcome.rejected) report.reject(rejection);
    return summaryOf(outcome.accepted);
  };
  try {
    return apply(await writeInSavepoint(context, 'ingest_batch', entries));
  } catch (error) {
    if (!isDataError(error)) throw error;
  }
  const ordered = [...entries].sort((a, b) => Number(b.record.type === 'trajectory') - Number(a.record.type === 'trajectory'));
  const summaries: WriteSummary[] = [];
  for (const entry of ordered) {
    try {
      summaries.push(apply(await writeInSavepoint(context, 'ingest_record', [entry])));
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
