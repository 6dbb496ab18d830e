import type { Database } from '../../db/client';
import { transactionWithoutRecords } from '../../db/unit-of-work';
import { todayIso } from '../../lib/dates';
import { type Calendar, periodOf } from '../../lib/statistics/release-calendar';
import { researchReleaseDate } from './research-release';
import { BATCH_TARGET_MS, batchesOf, DISCARD_BATCH, FIRST_BATCH, giveWay, nextBatchSize, SERVER_LANES } from '../../db/batches';
import { citationOf, releaseManifest } from './research-release-manifest';
import { type ReleaseRetention, releasesToRetire } from './research-release-retention';
import { createResearchReleasesRepository, type ResearchReleaseRecord, UnchangedReleaseError } from './research-releases.repository';

// Research releases (issue #24): what researchers read at record level is a frozen, versioned
// snapshot, made on the statistics' release calendar (the statistics release run makes one), so
// an analysis run twice on a release gives the same answer and says which data it came from.
// A release is made pending, in batches, and published when whole (the repository says how);
// it is kept only when its content differs from the latest's; erasure removes a youth
// from every release at once and each release lists the withdrawn ids (the schema's trigger).
// After each run, releases past the operator's retention are retired: their records go, their
// row (id, manifest, digest) stays so a citation still resolves.

export interface ReleaseView extends ResearchReleaseRecord {
  citation: string;
}

/**
 * As answers give it: the content digest in the Subresource Integrity form (sha256-<base64>),
 * which no identifier check mistakes for a registry key (64 hex digits).
 */
const view = (release: ResearchReleaseRecord): ReleaseView => ({
  ...release,
  contentDigest: `sha256-${Buffer.from(release.contentDigest, 'hex').toString('base64')}`,
  citation: citationOf(release),
});

export interface ResearchReleaseSettings {
  /** The statistics' calendar names the periods (a manual calendar counts quarters). */
  calendar: Calendar;
  /** research-release.ts: the cut-off moves later by this many days. */
  researchReleaseDelayDays: number;
  /** Waits for the indicators of recent writes (a release freezes them with the records). */
  settle?: () => Promise<unknown>;
  /** Which releases keep their records (default: all). */
  retention?: ReleaseRetention;
  /** A release retired under the retention: for the audit trail. */
  onRetired?: (release: ReleaseView, retention: ReleaseRetention) => Promise<unknown>;
  /** Retiring failed (the release itself was made): the next run tries again. */
  onRetentionFailed?: (error: unknown) => void;
}

export function createResearchReleases(database: Database, settings: ResearchReleaseSettings) {
  const repository = createResearchReleasesRepository(database);
  /**
   * Freezes `ids` into pending release `id`, each batch one short statement. On the embedded
   * database the maker gives way after each batch to the requests that wait for the one connection
   * (at most twice as long as the batch held it). PostgreSQL serves requests beside it, so there two
   * batches run at once, on two of the pool's connections.
   */
  async function freezeInBatches(id: string, cutoff: string, ids: readonly string[]): Promise<void> {
    const embedded = database.kind === 'pglite';
    const target = embedded ? BATCH_TARGET_MS.embedded : BATCH_TARGET_MS.server;
    let next = 0;
    let failed = false;
    const lane = async () => {
      for (let size = FIRST_BATCH; next < ids.length && !failed; ) {
        const batch = ids.slice(next, next + size);
        next += batch.length;
        const started = performance.now();
        await repository.freeze(database, id, cutoff, batch).catch((error: unknown) => {
          failed = true;
          throw error;
        });
        const elapsed = performance.now() - started;
        size = nextBatchSize(size, elapsed, target);
        if (database.kind === 'pglite') await giveWay(database.waiting, 2 * elapsed);
      }
    };
    // Every lane ends (a failed one stops the others) before the caller discards the release.
    const ended = await Promise.allSettled(Array.from({ length: embedded ? 1 : SERVER_LANES }, lane));
    const failure = ended.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }
  const releases = {
    /** Freezes what researchers see at `cutoff`, as the period's next release; null when nothing changed since the latest. */
    async make(request: { period: string; cutoff: string; statisticsReleaseId: number | null }): Promise<ReleaseView | null> {
      await settings.settle?.();
      const id = `${request.period}.${(await repository.countInPeriod(request.period)) + 1}`;
      const manifest = releaseManifest({ id, cutoff: request.cutoff, period: request.period });
      await transactionWithoutRecords(database, (connection) =>
        repository.begin(connection, { id, cutoff: request.cutoff, statisticsReleaseId: request.statisticsReleaseId, manifest }),
      );
      const releasable = await repository.releasable(request.cutoff);
      const made = await (async () => {
        await freezeInBatches(id, request.cutoff, releasable);
        return transactionWithoutRecords(database, (connection) => repository.publish(connection, id, request.cutoff));
      })().catch(async (error: unknown) => {
        await repository.discard(id, batchesOf(releasable, DISCARD_BATCH));
        if (error instanceof UnchangedReleaseError) return null;
        throw error;
      });
      // Also when nothing new was made: a retention in months expires releases as time passes.
      await releases.retireExpired().catch((error: unknown) => settings.onRetentionFailed?.(error));
      if (!made) return null;
      return view((await repository.get(id))!);
    },
    /** Retires the releases past the retention (never the latest); returns those retired now. */
    async retireExpired(now = new Date()): Promise<ReleaseView[]> {
      const retention = settings.retention ?? { keep: 'all' };
      const ids = releasesToRetire(await repository.list(), retention, now);
      if (ids.length === 0) return [];
      const retired = (await transactionWithoutRecords(database, (connection) => repository.retire(connection, ids, now))).map(view);
      for (const release of retired) await settings.onRetired?.(release, retention);
      return retired;
    },
    list: async (): Promise<ReleaseView[]> => (await repository.list()).map(view),
    /** A release by id, or the latest when `id` is null; null when there is none. */
    get: async (id: string | null): Promise<ReleaseView | null> => {
      const found = await repository.get(id);
      return found ? view(found) : null;
    },
    withdrawals: (id: string) => repository.withdrawals(id),
    /** The trajectories of the release researchers read now (the latest); none before the first. */
    async population(): Promise<ReadonlySet<string>> {
      const latest = await repository.get(null);
      return new Set(latest ? await repository.trajectoryIds(latest.id) : []);
    },
    repository,
  };
  return {
    ...releases,
    /**
     * The research release of a statistics run: on the calendar, the period's release (when
     * anything changed); for an operator's run, only the period's first (so repeated operator
     * runs in tests and first starts do not each freeze the registry again).
     */
    async makeForRun(run: { period: string; cutoff: string; statisticsReleaseId: number; trigger: 'calendar' | 'operator' }) {
      if (run.trigger === 'operator' && (await repository.countInPeriod(run.period)) > 0) return null;
      return releases.make(run);
    },
    /** A release for `now` outside a statistics run (operators, tests). */
    releaseNow: (now = new Date()) =>
      releases.make({
        period: periodOf(now, settings.calendar === 'manual' ? 'quarterly' : settings.calendar)!,
        cutoff: researchReleaseDate(todayIso(now), settings.researchReleaseDelayDays),
        statisticsReleaseId: null,
      }),
  };
}

export type ResearchReleases = ReturnType<typeof createResearchReleases>;
