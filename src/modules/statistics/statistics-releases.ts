import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { readPerturbationTable } from '../../lib/statistics/perturbation-table-file';
import { createCatalogueRepository } from '../catalogue';
import { prepareReleaseAudit } from './statistics-audit';
import { type AuditOutcome, createStatisticsReleasesRepository, type FamilyChange } from './statistics-releases.repository';

// Releases of the statistics: the server checks now and then (STATISTICS_RELEASE_CHECK_MINUTES)
// whether enough youths changed in a family of figures to publish it; tests and benchmarks ask
// for a check directly. One check at a time in this process, and across instances by a lock in
// the database. A release that publishes (or the first check after one nobody audited) is
// audited in its own transaction (statistics-audit.ts), so its answers are never read unaudited.

export interface ReleaseSettings {
  /** The registry's statistics secret, from which the youths' record keys are derived. */
  secret: Buffer;
  minimumYouths: number;
  /** The published figures' settings, for the release audit; null: no audit (STATISTICS_RELEASE_AUDIT=off). */
  audit: Pick<Config['statistics'], 'table' | 'noiseShare' | 'minimumBase' | 'releaseMinimumYouths'> | null;
}

export function createStatisticsReleases(database: Database, settings: ReleaseSettings, log?: Pick<FastifyBaseLogger, 'info' | 'error'>) {
  const repository = createStatisticsReleasesRepository(database);
  const catalogue = createCatalogueRepository(database.orm);
  const audit = settings.audit;
  const table = audit ? readPerturbationTable(audit.table) : null;
  const prepare = () =>
    prepareReleaseAudit(catalogue, {
      table: table!,
      noiseShare: audit!.noiseShare,
      minimumBase: audit!.minimumBase,
      releaseMinimumYouths: audit!.releaseMinimumYouths,
    });
  const logged = (outcome: AuditOutcome) =>
    log?.info(
      { cells: outcome.cells, targets: outcome.targets, withheld: outcome.withheld.size, seconds: outcome.seconds },
      'statistics audited',
    );
  let chain: Promise<unknown> = Promise.resolve();
  const queued = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work);
    chain = next.catch((error: unknown) => log?.error({ err: error }, 'statistics release failed; will retry at the next check'));
    return next;
  };

  return {
    /** Releases every family that is due; null when another instance was releasing. */
    release(): Promise<FamilyChange[] | null> {
      return queued(async () => {
        const prepared = audit ? await prepare() : undefined;
        // Kept to be logged once the release (and its audit) has committed.
        let audited: AuditOutcome | undefined;
        const changes = await repository.release(
          settings.secret,
          settings.minimumYouths,
          prepared &&
            (async (connection, withheld) => {
              audited = await prepared(connection, withheld);
              return audited;
            }),
        );
        const released = changes?.filter((change) => change.released).map((change) => change.family) ?? [];
        if (released.length > 0) log?.info({ released }, 'statistics released');
        if (audited) logged(audited);
        return changes;
      });
    },

    /** Audits the released figures now (benchmarks and tests that change record keys by hand); null when the audit is off or another instance was releasing. */
    audit(): Promise<AuditOutcome | null> {
      return queued(async () => {
        if (!audit) return null;
        const outcome = await repository.audit(await prepare());
        if (outcome) logged(outcome);
        return outcome;
      });
    },

    /** Waits for a release in progress (graceful shutdown). */
    settle: () => chain.then(() => undefined),
  };
}

export type StatisticsReleases = ReturnType<typeof createStatisticsReleases>;
