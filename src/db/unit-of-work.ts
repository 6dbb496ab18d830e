import type { Database, SqlConnection } from './client';

// A unit of work: the transactions one request commits, and the writers that join each of
// them. A write and what must be true with it (its audit event, the indicator queue, the stored
// ingest report) commit together or not at all, without the code that writes the records having
// to know who else writes: the request composes the participants, the service only opens
// transactions and says what it wrote.

/** What one transaction wrote: the youths it touched and how many records it changed. */
export class WriteSummary {
  /** Registry keys of the youths whose records were written (for the audit trail). */
  readonly subjectKeys = new Set<string>();
  /** Trajectories whose derived indicators the write changed. */
  readonly trajectoryIds = new Set<string>();
  created = 0;
  updated = 0;
  deleted = 0;
}

export interface WriteTransaction {
  readonly connection: SqlConnection;
  readonly written: WriteSummary;
}

/** A writer that joins the unit of work's transactions. */
export interface Participant {
  /** Runs in every transaction that writes records, just before it commits. */
  beforeCommit?(transaction: WriteTransaction): Promise<void>;
  /** Runs once, in the unit of work's last transaction, after every `beforeCommit`. */
  beforeLastCommit?(transaction: WriteTransaction): Promise<void>;
}

export interface UnitOfWork {
  /**
   * Runs `work` in a transaction; the participants write their part before it commits. With
   * `last`, this is the unit of work's final transaction (atomic requests: the only one).
   */
  transaction<T>(work: (transaction: WriteTransaction) => Promise<T>, options?: { last?: boolean }): Promise<T>;
  /** Ends a unit of work whose data transactions have all committed: the last participants' writes, on their own. */
  finish(): Promise<void>;
}

export function createUnitOfWork(database: Database, participants: Participant[] = []): UnitOfWork {
  const run = <T>(work: (transaction: WriteTransaction) => Promise<T> | T, phases: { data: boolean; last: boolean }) =>
    database.transaction(async (connection) => {
      const transaction: WriteTransaction = { connection, written: new WriteSummary() };
      const result = await work(transaction);
      if (phases.data) for (const participant of participants) await participant.beforeCommit?.(transaction);
      if (phases.last) for (const participant of participants) await participant.beforeLastCommit?.(transaction);
      return result;
    });
  return {
    transaction: (work, options = {}) => run(work, { data: true, last: options.last ?? false }),
    finish: async () => {
      if (participants.some((participant) => participant.beforeLastCommit)) await run(() => undefined, { data: false, last: true });
    },
  };
}
