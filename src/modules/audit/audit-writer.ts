import type { SqlConnection } from '../../db/client';
import { isRowDataError } from '../../lib/database-errors';
import type { AppError } from '../../lib/errors';
import type { AuditEvent } from './audit-event';
import { appendAuditEvents } from './audit.repository';

// Group commit of audit events (the technique of database logs: Gawlick & Kinkade, IMS Fast
// Path, 1985; PostgreSQL's commit_delay). Requests hand their events to one writer per process;
// while a flush is in the database the next events gather, and the next flush writes them all in
// one statement, its own transaction: one chain-head lock, one commit, one round trip for the
// lot. A request's promise settles when the statement holding its event has committed (or
// failed), so an answer still waits for its own event to be durable, and a failed flush fails
// exactly the events in it. A flush refused for the data of some rows (a constraint) is written
// again in halves, so only the events at fault fail, not the requests that shared their flush. Instances on one database still give one linear chain: each flush
// takes the head row lock.
//
// Events of record writes are not written here: they commit inside the write's own transaction
// (the unit of work's audit participant), so that data never commits without its event.

/** A key the confirmation refused: revoked, expired, or gone (neither date set). */
export interface RefusedKey {
  id: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/**
 * How keys are confirmed before their events are written (supplied by the api-keys module, whose
 * repository reads its own table: the audit module knows the function, not the table).
 */
export interface KeyConfirmation {
  /** The keys among `ids` not usable at `now`, read on `connection`. */
  refusedKeys(connection: SqlConnection, ids: readonly string[], now: Date): Promise<RefusedKey[]>;
  refusal(key: RefusedKey, now: Date): AppError;
}

export interface PendingAuditEvent {
  event: AuditEvent;
  /** The API key the request was admitted with; confirmed against the database in the flush. */
  keyId: string | null;
  /** The event to write instead when the key turns out to be refused (revoked since, or expired). */
  refusedEvent?: (refusal: AppError) => AuditEvent;
}

export interface AuditWriterOptions {
  confirmKeys?: KeyConfirmation;
  /** Told of every flush: the events written, how long it took, whether it failed (metrics). */
  observe?: (events: readonly AuditEvent[], seconds: number, failed: boolean) => void;
  /** A seam for tests: runs before each flush's statement; throwing fails that flush. */
  beforeInsert?: (events: readonly AuditEvent[]) => Promise<void> | void;
  /** Upper bound of events per flush. */
  maxBatch?: number;
}

interface Waiting extends PendingAuditEvent {
  resolve(refusal: AppError | null): void;
  reject(error: unknown): void;
}

export function createAuditWriter(database: SqlConnection, options: AuditWriterOptions = {}) {
  const maxBatch = options.maxBatch ?? 1_000;
  const { confirmKeys } = options;
  // The database's statement runner as it is now: the writer's statements are its own, not those
  // of whoever later wraps `database.query` to count a request's statements.
  const executor: SqlConnection = { query: database.query.bind(database) };
  let queue: Waiting[] = [];
  let draining: Promise<void> | undefined;

  /** Writes a batch; returns the refusals of the items whose key the check refused (their events not yet written). */
  const append = async (batch: Waiting[]): Promise<Map<Waiting, AppError>> => {
    const events = batch.map((item) => item.event);
    await options.beforeInsert?.(events);
    const keyIds = confirmKeys ? [...new Set(batch.flatMap((item) => (item.keyId ? [item.keyId] : [])))] : [];
    const now = new Date();
    // The keys first, then the events of the requests whose key still holds (two statements;
    // a key revoked between them was usable when its request's event was written).
    const refused = confirmKeys && keyIds.length > 0 ? await confirmKeys.refusedKeys(executor, keyIds, now) : [];
    const byKey = new Map(refused.map((key) => [key.id, confirmKeys!.refusal(key, now)]));
    const refusals = new Map<Waiting, AppError>();
    for (const item of batch) {
      const refusal = item.keyId ? byKey.get(item.keyId) : undefined;
      if (refusal) refusals.set(item, refusal);
    }
    await appendAuditEvents(executor, refusals.size === 0 ? events : batch.filter((item) => !refusals.has(item)).map((item) => item.event));
    return refusals;
  };

  const flush = async (batch: Waiting[]) => {
    const started = performance.now();
    const observe = (items: Waiting[], failed: boolean) =>
      options.observe?.(
        items.map((item) => item.event),
        (performance.now() - started) / 1000,
        failed,
      );
    let refusals: Map<Waiting, AppError>;
    try {
      refusals = await append(batch);
    } catch (error) {
      if (batch.length > 1 && isRowDataError(error)) {
        // In order, so the chain keeps the events' order.
        const middle = Math.ceil(batch.length / 2);
        await flush(batch.slice(0, middle));
        await flush(batch.slice(middle));
        return;
      }
      observe(batch, true);
      for (const item of batch) item.reject(error);
      return;
    }
    const refused = batch.filter((item) => refusals.has(item));
    const written = batch.filter((item) => !refusals.has(item));
    observe(written, false);
    for (const item of written) item.resolve(null);
    if (refused.length === 0) return;
    // Rare: keys revoked or expired since their requests were admitted. Their events say so.
    for (const item of refused) item.event = item.refusedEvent?.(refusals.get(item)!) ?? item.event;
    try {
      await appendAuditEvents(
        executor,
        refused.map((item) => item.event),
      );
      observe(refused, false);
      for (const item of refused) item.resolve(refusals.get(item)!);
    } catch (error) {
      observe(refused, true);
      for (const item of refused) item.reject(error);
    }
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
