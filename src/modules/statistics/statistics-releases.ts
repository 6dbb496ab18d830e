import { YOUTH_PERSPECTIVE_PREFIX } from '../../lib/vocabulary';
import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { transactionWithoutRecords } from '../../db/unit-of-work';
import { todayIso } from '../../lib/dates';
import type { CellKeySettings } from '../../lib/statistics/cell-key-method';
import { readPerturbationTable } from '../../lib/statistics/perturbation-table-file';
import { workerRunner } from '../../lib/worker';
import { type CatalogueRepository, createCatalogueRepository } from '../catalogue';
import { researchReleaseDate } from '../research';
import { type ComputedRelease, encodeRows, type ReleaseCatalogue, type ReleaseWorkerInputs } from './statistics-release-answers';
import { type Calendar, periodOf } from '../../lib/statistics/release-calendar';
import { decideRelease, releasedFamilies } from './statistics-release-rules';
import { createStatisticsReleasesRepository, type ReleaseLogEntry } from './statistics-releases.repository';

// Releases of the statistics, on a calendar (STATISTICS_RELEASE_CALENDAR): the server checks now
// and then whether this period's release was made; operators and tests run one directly. One
// release at a time in this process; across instances, one comparison at a time (a lock in the
// database for the first transaction; a second instance's comparison then finds nothing new). A release
// compares and applies in one short transaction, computes and audits every answer in a worker
// thread, and stores and publishes them in a second short one (statistics-releases.repository.ts):
// no request waits on the audit, and readers read stored answers only.

/** The cell-key method's version in the log: a change re-draws every published perturbation, and the log says so. */
export const CELL_KEY_METHOD = 'cell-key, cell keys HMAC-SHA-256 of the record-key sum (v2)';
/** Published releases whose answers are kept (older ones go; the log keeps every release). */
const KEEP_RELEASES = 3;

export interface ReleaseSettings {
  /** The registry's statistics secret: the youths' record keys and the cell keys are derived from it. */
  secret: Buffer;
  statistics: Pick<
    Config['statistics'],
    | 'table'
    | 'noiseShare'
    | 'minimumBase'
    | 'releaseMinimumYouths'
    | 'releaseMinimumOthers'
    | 'releaseCalendar'
    | 'releaseAudit'
    | 'churnWindowDays'
    | 'churnThreshold'
  >;
  researchReleaseDelayDays: number;
  /** The textbook additive cell keys: only for the attack tests' control, never from the environment. */
  additiveCellKeys?: boolean;
}

export interface ReleaseEvents {
  /** A release was postponed for churn: the privacy officer is told (an audit event). */
  onPostponed?: (entry: ReleaseLogEntry) => void;
  /** Every attempt, for the metrics. */
  onAttempt?: (entry: ReleaseLogEntry) => void;
  /**
   * Every run this instance makes, whatever the statistics' outcome: the research release of the
   * same period and cut-off is made here (modules/research), so both follow one calendar.
   */
  onRun?: (run: {
    period: string;
    researchCutoff: string;
    statisticsReleaseId: number;
    trigger: 'calendar' | 'operator';
  }) => Promise<unknown>;
  /**
   * The trajectories of the research release researchers read (the latest): their figures count
   * these and no other, so subtraction against what they see at record level leaves nothing.
   */
  researchPopulation?: () => Promise<ReadonlySet<string>>;
}

export interface ReleaseRequest {
  trigger?: 'calendar' | 'operator';
  /** The privacy officer looked at the churn: release despite it. */
  acknowledgeChurn?: boolean;
  /** The moment the release is made for (tests move it). */
  now?: Date;
}

/** The catalogue a release lays its answers out with: ids to codes, activity types, the perspective items' ranges. */
export async function releaseCatalogueOf(
  catalogue: Pick<CatalogueRepository, 'listProgrammeIds' | 'listInstitutionIds' | 'listActivityTypes' | 'listInstruments'>,
): Promise<ReleaseCatalogue> {
  const [programmes, institutions, activityTypes, instruments] = await Promise.all([
    catalogue.listProgrammeIds(),
    catalogue.listInstitutionIds(),
    catalogue.listActivityTypes(),
    catalogue.listInstruments(),
  ]);
  return {
    programmes,
    institutions,
    activityTypes: activityTypes.map((type) => type.code),
    perspectiveItems: instruments
      .filter((instrument) => instrument.code.startsWith(YOUTH_PERSPECTIVE_PREFIX))
      .map(({ code, minValue, maxValue }) => ({ code, minValue, maxValue })),
  };
}

/** The release's computation off the main thread, in a worker kept between releases. */
const computeInWorker = workerRunner<ReleaseWorkerInputs, ComputedRelease>(
  import.meta.url,
  new URL('./statistics-release.worker.ts', import.meta.url),
  'modules/statistics/statistics-release.worker.js',
);

export function createStatisticsReleases(
  database: Database,
  settings: ReleaseSettings,
  log?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>,
  events: ReleaseEvents = {},
) {
  const repository = createStatisticsReleasesRepository(database, database.kind);
  const catalogue = createCatalogueRepository(database);
  const { statistics } = settings;
  const cellKeys: CellKeySettings = {
    table: readPerturbationTable(statistics.table),
    noiseShare: statistics.noiseShare,
    minimumBase: statistics.minimumBase,
    // Its own secret, derived apart from the youths' record keys.
    keySecret: settings.additiveCellKeys ? null : createHmac('sha256', settings.secret).update('statistics cell keys v2').digest(),
  };
  const calendar = statistics.releaseCalendar as Calendar;
  const stopping = new AbortController();

  async function run(request: ReleaseRequest): Promise<ReleaseLogEntry | null> {
    const now = request.now ?? new Date();
    const trigger = request.trigger ?? 'operator';
    // The first transaction is the comparison's alone: it reads the population in one snapshot. The
    // embedded database has one connection, which that transaction would hold from every request
    // for as long as it took: there the population is built before it and the rows are read after
    // it, in batches (statistics-releases.repository.ts).
    const staged = database.kind === 'pglite';
    if (database.kind === 'pglite') await repository.stageCandidate(settings.secret, database.waiting);
    const researchCutoff = researchReleaseDate(todayIso(now), settings.researchReleaseDelayDays);
    const prepared = await transactionWithoutRecords(database, (connection) =>
      repository.prepare(
        connection,
        settings.secret,
        {
          period: periodOf(now, calendar === 'manual' ? 'quarterly' : calendar)!,
          trigger,
          researchCutoff,
          method: CELL_KEY_METHOD,
          churnWindowDays: statistics.churnWindowDays,
          staged,
        },
        (changes, churn, publishAnyway) =>
          decideRelease(
            changes,
            churn,
            {
              minimumYouths: statistics.releaseMinimumYouths,
              minimumOthers: statistics.releaseMinimumOthers,
              churnThreshold: statistics.churnThreshold,
            },
            { acknowledgeChurn: request.acknowledgeChurn ?? false, publishAnyway },
          ),
      ),
    );
    if (!prepared) return null;
    const { entry, decision, churn } = prepared;
    if (events.onRun && entry.researchCutoff) {
      await events
        .onRun({ period: entry.period, researchCutoff: entry.researchCutoff, statisticsReleaseId: entry.id, trigger })
        .catch((error: unknown) => log?.error({ err: error, release: entry.id }, 'research release failed; the next run makes it'));
    }
    if (decision.outcome === 'postponed') {
      log?.warn({ release: entry.id, churn }, 'statistics release postponed: churn');
      events.onPostponed?.(entry);
    }
    if (decision.outcome !== 'published') {
      events.onAttempt?.(entry);
      return entry;
    }
    try {
      const released = database.kind === 'pglite' ? await repository.readStaged(researchCutoff, database.waiting) : prepared;
      const researchRows = events.researchPopulation
        ? await events
            .researchPopulation()
            .then((ids) => released.researchRows.filter((row) => ids.has((JSON.parse(row) as { trajectoryId: string }).trajectoryId)))
        : released.researchRows;
      const inputs: ReleaseWorkerInputs = {
        rows: await encodeRows(released.rows),
        researchRows: await encodeRows(researchRows),
        catalogue: await releaseCatalogueOf(catalogue),
        settings: cellKeys,
        audit: statistics.releaseAudit,
        withheld: prepared.withheld,
      };
      const computed = await computeInWorker(inputs, stopping.signal);
      const published = await transactionWithoutRecords(database, (connection) =>
        repository.publish(connection, entry.id, computed.answers, computed.withheld, computed.audit, KEEP_RELEASES),
      );
      log?.info({ release: entry.id, families: releasedFamilies(decision), audit: computed.audit }, 'statistics released');
      events.onAttempt?.(published);
      return published;
    } catch (error) {
      // The families stay applied: the next attempt publishes them (statistics-releases.repository.ts).
      await repository.fail(entry.id, error instanceof Error ? error.message : String(error));
      events.onAttempt?.({ ...entry, outcome: 'failed' });
      throw error;
    }
  }

  let chain: Promise<unknown> = Promise.resolve();
  const queued = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work);
    chain = next.catch((error: unknown) => log?.error({ err: error }, 'statistics release failed; will retry at the next check'));
    return next;
  };

  return {
    /** Runs a release now (an operator, a test): the change rule and the churn threshold still apply. Null when another instance was releasing. */
    release: (request: ReleaseRequest = {}): Promise<ReleaseLogEntry | null> => queued(() => run(request)),

    /** The calendar's release, if this period's has not been attempted yet; null when none is due. */
    releaseIfDue(now = new Date()): Promise<ReleaseLogEntry | null> {
      return queued(async () => {
        const period = periodOf(now, calendar);
        if (period === null || (await repository.attempted(period))) return null;
        return run({ trigger: 'calendar', now });
      });
    },

    /** The release log, newest first. */
    history: (limit = 50) => repository.history(limit),

    /** Erasures per institution since the last published release (the metrics read it at scrape time). */
    churn: () => repository.churn(statistics.churnWindowDays),

    /** Waits for a release in progress (tests). */
    settle: () => chain.then(() => undefined),

    /** Shutdown: a release computing in its worker is stopped (it is logged as failed; its families are published with the next). */
    async close(): Promise<void> {
      stopping.abort();
      await chain;
    },
  };
}

export type StatisticsReleases = ReturnType<typeof createStatisticsReleases>;
