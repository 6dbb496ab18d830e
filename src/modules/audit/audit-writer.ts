import type { Database, SqlConnection } from '../../db/client';
import type { AppError } from '../../lib/errors';
import type { AuditEvent } from './audit-event';
import { writeAuditEvents } from './audit.repository';

// Group commit of audit events (the technique of database logs: Gawlick & Kinkade, IMS Fast
// Path, 1985; PostgreSQL's commit_delay). Requests hand their events to one writer per process;
// while a flush is in the database the next events gather, and the next flush writes them all in
// one transaction: one chain-head lock, one INSERT, one commit for the lot. A request's promise
// settles when the transaction holding its event has committed (or failed), so an answer still
// waits for its own event to be durable, and a failed flush fails exactly the events in it.
// Instances on one database still give one linear chain: each flush takes the head row lock.
//
// Events of record writes are not written here: they commit inside the write's own transaction
// (the unit of work's audit participant), so that data never commits without its event.

export interface PendingAuditEvent {
  event: AuditEvent;
  /** The API key the request was admitted with; confirmed against the database in the flush. */
  keyId: string | null;
  /** The event to write instead when the key turns out to be refused (revoked since, or expired). */
  refusedEvent?: (refusal: AppError) => AuditEvent;
}

export interface AuditWriterOptions {
  /** The refused keys among those given, read in the flush's transaction. */
  confirmKeys?: (connection: SqlConnection, keyIds: string[]) => Promise<Map<string, AppError>>;
  /** Told of every flush: the outcomes written, how long it took, whether it failed (metrics). */
  observe?: (events: readonly AuditEvent[], seconds: number, failed: boolean) => void;
  /** A seam for tests: runs in each flush's transaction before the insert; throwing fails that flush. */
  beforeInsert?: (events: readonly AuditEvent[]) => Promise<void> | void;
  /** Upper bound of events per flush (one statement, one transaction). */
  maxBatch?: number;
}

interface Waiting extends PendingAuditEvent {
  resolve(refusal: AppError | null): void;
  reject(error: unknown): void;
}

export function createAuditWriter(database: Database, options: AuditWriterOptions = {}) {
  const maxBatch = options.maxBatch ?? 1_000;
  let queue: Waiting[] = [];
  let draining: Promise<void> | undefined;

  const flush = async (batch: Waiting[]) => {
    const started = performance.now();
    let events: AuditEvent[] = batch.map((item) => item.event);
    const refusals = new Map<Waiting, AppError>();
    try {
      await database.transaction(async (connection) => {
        const keyIds = [...new Set(batch.flatMap((item) => (item.keyId ? [item.keyId] : [])))];
        if (options.confirmKeys && keyIds.length > 0) {
          const refused = await options.confirmKeys(connection, keyIds);
          for (const item of batch) {
            const refusal = item.keyId ? refused.get(item.keyId) : undefined;
            if (refusal) refusals.set(item, refusal);
          }
          events = batch.map((item) => {
            const refusal = refusals.get(item);
            return refusal && item.refusedEvent ? item.refusedEvent(refusal) : item.event;
          });
        }
        await options.beforeInsert?.(events);
        await writeAuditEvents(connection, events);
      });
    } catch (error) {
      options.observe?.(events, (performance.now() - started) / 1000, true);
      for (const item of batch) item.reject(error);
      return;
    }
    options.observe?.(events, (performance.now() - started) / 1000, false);
    for (const item of batch) item.resolve(refusals.get(item) ?? null);
  };

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      await flush(batch);
    }
    draining = undefined;
  };

  return {
    /**
     * Appends an event; settles once it is durable. Resolves with the refusal of the request's
     * key if the key was refused at the flush (the event written is then `refusedEvent`'s).
     */
    append(pending: PendingAuditEvent): Promise<AppError | null> {
      return new Promise((resolve, reject) => {
        queue.push({ ...pending, resolve, reject });
        draining ??= drain();
      });
    },

    /** Waits until every event handed over so far is written (or failed). */
    async settle(): Promise<void> {
      while (draining) await draining;
    },
  };
}

export type AuditWriter = ReturnType<typeof createAuditWriter>;
