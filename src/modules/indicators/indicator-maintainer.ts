import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Database, SqlConnection } from '../../db/client';
import { type Participant, transactionWithoutRecords } from '../../db/unit-of-work';
import { REGISTRY_SCOPE } from '../../plugins/request-scope';
import { createRegistryResearchRepository } from '../research';
import { computeTrajectoryIndicators } from './compute-indicators';
import { toDelivered, toOfferItem, toSeries } from './indicator-inputs';
import {
  enqueueIndicatorUpdates,
  enqueueStaleTrajectories,
  selectInstruments,
  selectQueueState,
  storeIndicators,
  takeQueuedBatch,
} from './indicators.repository';

// Keeps trajectory_indicators and trajectory_doses up to date. Writes put the trajectories they
// touch on indicator_queue in their own transaction; this works the queue off in the background
// in batches, each batch in one transaction (taken with SKIP LOCKED, so two instances share the
// work). Open trajectories are queued again daily, as their time in care grows.

export interface MaintainerSettings {
  intakeWindowDays: number;
  today: () => string;
  batchSize?: number;
}

export { enqueueIndicatorUpdates, selectInstruments as loadInstruments };

/** Queues the trajectories each transaction of a unit of work changed, in that transaction. */
export const indicatorQueueParticipant: Participant = {
  beforeCommit: ({ connection }, written) => enqueueIndicatorUpdates(connection, written.trajectoryIds),
};

/** An onResponse hook for routes that write: once a write's answer is out, work the queue off. */
export async function kickIndicatorsAfterWrites(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method !== 'GET' && reply.statusCode < 300) request.server.indicators.kick();
}

/** Computes and stores the indicators of one batch from the queue; returns how many. */
async function processBatch(connection: SqlConnection, settings: MaintainerSettings): Promise<number> {
  const taken = await takeQueuedBatch(connection, settings.batchSize ?? 500);

  if (taken.length === 0) return 0;
  const ids = taken;
  const repository = createRegistryResearchRepository(connection);
  const trajectories = await repository.trajectoriesByIds(REGISTRY_SCOPE, ids);
  const measurements = await repository.measurements(REGISTRY_SCOPE, ids);
  const activities = await repository.activities(REGISTRY_SCOPE, ids);
  const offers = await repository.offers([...new Set([...trajectories.values()].map((row) => row.programme_id))]);
  const instruments = await selectInstruments(connection);
  const today = settings.today();

  const computed = [...trajectories.values()].map((row) => ({
    id: row.id,
    indicators: computeTrajectoryIndicators({
      startDate: row.start_date,
      endDate: row.end_date,
      asOf: today,
      series: toSeries(measurements.get(row.id) ?? [], instruments),
      activities: (activities.get(row.id) ?? []).map(toDelivered),
      offer: (offers.get(row.programme_id) ?? []).map(toOfferItem),
      intakeWindowDays: settings.intakeWindowDays,
    }),
  }));

  await storeIndicators(connection, today, computed);
  return taken.length;
}

export function createIndicatorMaintainer(database: Database, settings: MaintainerSettings, log?: Pick<FastifyBaseLogger, 'error'>) {
  let running: Promise<void> | undefined;
  let again = false;
  // Shutting down: the batch in hand finishes, the rest waits in the queue for the next start
  // (it is a table), so a backlog never holds a SIGTERM past its grace period.
  let stopping = false;

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      if (stopping) return total;
      const done = await transactionWithoutRecords(database, (connection) => processBatch(connection, settings));
      if (done === 0) return total;
      total += done;
      // PGlite answers in-process, through promises alone: without a turn of the event loop
      // between batches, a drain would keep every request (readiness included) waiting to the end.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    drain,

    /** Starts working the queue off in the background (once; a kick while running runs it again after). */
    kick(): void {
      if (stopping) return;
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          await drain().catch((error: unknown) => log?.error({ err: error }, 'indicator maintenance failed; will retry at the next write'));
        } while (again);
      })().finally(() => {
        running = undefined;
      });
    },

    /** Queues trajectories never computed, and open ones last computed before today. */
    async enqueueStale(): Promise<number> {
      return enqueueStaleTrajectories(database, settings.today());
    },

    /** How many trajectories wait, and how long the oldest has waited (for the metrics). */
    async queueState(): Promise<{ depth: number; oldestSeconds: number }> {
      return selectQueueState(database);
    },

    /** Waits for background work to finish (tests). */
    async settle(): Promise<void> {
      while (running) await running;
    },

    /** Shutdown: stops after the batch in hand; what is left stays queued for the next start. */
    async stop(): Promise<void> {
      stopping = true;
      while (running) await running;
    },
  };
}

export type IndicatorMaintainer = ReturnType<typeof createIndicatorMaintainer>;
