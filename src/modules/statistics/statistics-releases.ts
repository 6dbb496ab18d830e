import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/client';
import { createStatisticsReleasesRepository, type FamilyChange } from './statistics-releases.repository';

// Releases of the statistics: the server checks now and then (STATISTICS_RELEASE_CHECK_MINUTES)
// whether enough youths changed in a family of figures to publish it; tests and benchmarks ask
// for a check directly. One check at a time in this process, and across instances by a lock in
// the database.

export interface ReleaseSettings {
  /** The registry's statistics secret, from which the youths' record keys are derived. */
  secret: Buffer;
  minimumYouths: number;
}

export function createStatisticsReleases(database: Database, settings: ReleaseSettings, log?: Pick<FastifyBaseLogger, 'info' | 'error'>) {
  const repository = createStatisticsReleasesRepository(database);
  let chain: Promise<unknown> = Promise.resolve();

  return {
    /** Releases every family that is due; null when another instance was releasing. */
    release(): Promise<FamilyChange[] | null> {
      const next = chain.then(async () => {
        const changes = await repository.release(settings.secret, settings.minimumYouths);
        const released = changes?.filter((change) => change.released).map((change) => change.family) ?? [];
        if (released.length > 0) log?.info({ released }, 'statistics released');
        return changes;
      });
      chain = next.catch((error: unknown) => log?.error({ err: error }, 'statistics release failed; will retry at the next check'));
      return next;
    },

    /** Waits for a release in progress (graceful shutdown). */
    settle: () => chain.then(() => undefined),
  };
}

export type StatisticsReleases = ReturnType<typeof createStatisticsReleases>;
