import type { Database, SqlConnection } from './client';

// A unit of work: the transactions one request commits, and the writers that join each of
// them. A write and what must be true with it (its audit event, the indicator queue, the stored
// ingest report) commit together or not at all, without the code that writes the records having
// to know who else writes: the request composes the participants, the service only opens
// transactions and returns what each wrote.

/** What one transaction wrote: the youths it touched and how many records it changed. */
export interface WriteSummary {
  /** Registry keys of the youths whose records were written (for the audit trail). */
  readonly subjectKeys: ReadonlySet<string>;
  /** Trajectories whose derived indicators the write changed. */
  readonly trajectoryIds: ReadonlySet<string>;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
}

export interface WriteSummaryParts {
  subjectKeys?: Iterable<string>;
  trajectoryIds?: Iterable<string>;
  created?: number;
  updated?: number;
  deleted?: number;
}

export function writeSummary(parts: WriteSummaryParts = {}): WriteSummary {
  return {
    subjectKeys: new Set(parts.subjectKeys),
    trajectoryIds: new Set(parts.trajectoryIds),
    created: parts.created ?? 0,
    updated: parts.updated ?? 0,
    deleted: parts.deleted ?? 0,
  };
}

/** What several writes of one transaction wrote together. */
export function combineSummaries(summaries: Iterable<WriteSummary>): WriteSummary {
  const all = [...summaries];
  const total = (count: 'created' | 'updated' | 'deleted') => all.reduce((sum, summary) => sum + summary[count], 0);
  return writeSummary({
    subjectKeys: all.flatMap((summary) => [...summary.subjectKeys]),
    trajectoryIds: all.flatMap((summary) => [...summary.trajectoryIds]),
    created: total('created'),
    updated: total('updated'),
    deleted: total('deleted'),
  });
}

/** What a transaction's work returns: its result, and what it wrote. */
export interface Committed<T> {
  result: T;
  written: WriteSummary;
}

export interface WriteTransaction {
  readonly connection: SqlConnection;
}

/** A writer that joins the unit of work's transactions. */
export interface Participant {
  /** Runs in every transaction that writes records, just before it commits, with what it wrote. */
  beforeCommit?(transaction: WriteTransaction, written: WriteSummary): Promise<void>;
  /** Runs once, in the unit of work's last transaction, after every `beforeCommit`. */
  beforeLastCommit?(transaction: WriteTransaction, written: WriteSummary): Promise<void>;
}

export interface UnitOfWork {
  /**
   * Runs `work` in a transaction; the participants write their part, from what `work` says it
   * wrote, before it commits. With `last`, this is the unit of work's final transaction (atomic
   * requests: the only one).
   */
  transaction<T>(work: (transaction: WriteTransaction) => Promise<Committed<T>>, options?: { last?: boolean }): Promise<T>;
  /** Ends a unit of work whose data transactions have all committed: the last participants' writes, on their own. */
  finish(): Promise<void>;
}

/** Thrown when a write says it changed records but names no youth: its audit event would have no subject. */
export class WriteWithoutSubjectError extends Error {
  constructor() {
    super('a write changed records but named no youth whose records they are; its audit event would have no subject');
    this.name = 'WriteWithoutSubjectError';
  }
}

/** Reads run in a transaction of their own, with nothing to say about writes. */
const NOTHING_WRITTEN = writeSummary();

export function createUnitOfWork(database: Database, participants: Participant[] = []): UnitOfWork {
  const run = <T>(work: (transaction: WriteTransaction) => Promise<Committed<T>>, phases: { data: boolean; last: boolean }) =>
    database.transaction(async (connection) => {
      const transaction: WriteTransaction = { connection };
      const { result, written } = await work(transaction);
      if (written.created + written.updated + written.deleted > 0 && written.subjectKeys.size === 0) throw new WriteWithoutSubjectError();
      if (phases.data) for (const participant of participants) await participant.beforeCommit?.(transaction, written);
      if (phases.last) for (const participant of participants) await participant.beforeLastCommit?.(transaction, written);
      return result;
    });
  return {
    transaction: (work, options = {}) => run(work, { data: true, last: options.last ?? false }),
    finish: async () => {
      if (participants.some((participant) => participant.beforeLastCommit)) {
        await run(async () => ({ result: undefined, written: NOTHING_WRITTEN }), { data: false, last: true });
      }
    },
  };
}

/**
 * A transaction that writes no records of a youth's care as an institution pushes them (a read,
 * the claim of an Idempotency-Key, a release, the indicators, the operator's set-up and synthetic
 * demo data), in a unit of work of its own: no participant joins it, so no audit event is written
 * and nothing is queued for it.
 */
export function transactionWithoutRecords<T>(database: Database, work: (connection: SqlConnection) => Promise<T>): Promise<T> {
  return createUnitOfWork(database).transaction(async ({ connection }) => ({ result: await work(connection), written: NOTHING_WRITTEN }));
}
