import type { MercuriusContext } from 'mercurius';
import { createBatchLoader } from '../../lib/batch-loader';
import type { Database } from '../../db/client';
import { todayIso } from '../../lib/dates';
import { type RequestScope, scopeOf } from '../../plugins/request-scope';
import { type Reader, readerOf } from './research-policy';
import { researchReleaseDate } from './research-release';
import { createResearchRepository, type PageRow, type SeriesRow, type TrajectoryRow } from './research.repository';
import type { SeriesInstrument } from '../../lib/statistics/trajectory-indicators';
import { loadInstruments } from '../indicators';

// What one GraphQL request needs for record-level reads: its scope, decided once, and batch
// loaders bound to that scope. Created on first use, so catalogue-only queries cost nothing.

/**
 * The instrument catalogue is reference data (seeded at start-up, never written by a request):
 * kept per process for a minute rather than read again by every request.
 */
const INSTRUMENTS_TTL_MS = 60_000;
const instrumentCache = new WeakMap<Database, { loadedAt: number; instruments: Promise<Map<string, SeriesInstrument>> }>();
function cachedInstruments(database: Database): Promise<Map<string, SeriesInstrument>> {
  const cached = instrumentCache.get(database);
  if (cached && Date.now() - cached.loadedAt < INSTRUMENTS_TTL_MS) return cached.instruments;
  const instruments = loadInstruments(database);
  instrumentCache.set(database, { loadedAt: Date.now(), instruments });
  // A failed read is not kept.
  instruments.catch(() => instrumentCache.delete(database));
  return instruments;
}

export function createResearchContext(
  database: Database,
  scope: RequestScope,
  releasedBefore: string,
  onTrajectories: (rows: TrajectoryRow[]) => void,
) {
  // Decided once: refuses roles without record-level access before anything is read.
  const reader: Reader = readerOf(scope);
  const repository = createResearchRepository(database, { releasedBefore });
  const seen = (rows: Iterable<TrajectoryRow>) => {
    const list = [...rows];
    onTrajectories(list);
    return list;
  };
  const series = createBatchLoader<string, SeriesRow[]>(
    (ids: readonly string[]) => repository.series(scope, ids),
    () => [],
  );
  const trajectories = createBatchLoader<string, TrajectoryRow | null>(
    async (ids) => {
      const found = await repository.trajectoriesByIds(scope, ids);
      seen(found.values());
      return found;
    },
    () => null,
  );
  return {
    scope,
    reader,
    repository,
    trajectories,
    series,
    /** Rows of a page, seen (for the audit trail) and primed into the loaders, with their series where the page brought them. */
    page(rows: PageRow[]): TrajectoryRow[] {
      const page = rows.map(({ series: found, ...row }) => {
        if (found) series.prime(row.id, found);
        return row;
      });
      for (const row of seen(page)) trajectories.prime(row.id, row);
      return page;
    },
    others: createBatchLoader(
      (ids: readonly string[]) => repository.otherTrajectoryIds(scope, ids),
      () => [] as string[],
    ),
    placements: createBatchLoader(
      (ids: readonly string[]) => repository.placements(scope, ids),
      () => [],
    ),
    activities: createBatchLoader(
      (ids: readonly string[]) => repository.activities(scope, ids),
      () => [],
    ),
    offers: createBatchLoader(
      (ids: readonly string[]) => repository.offers(ids),
      () => [],
    ),
    instruments: () => cachedInstruments(database),
  };
}

export type ResearchContext = ReturnType<typeof createResearchContext>;

const CONTEXTS = new WeakMap<object, ResearchContext>();

/** The request's research context; refuses roles without record-level access. */
export function researchOf(context: MercuriusContext, database: Database, settings: { researchReleaseDelayDays: number }): ResearchContext {
  const existing = CONTEXTS.get(context);
  if (existing) return existing;
  const request = context.reply.request;
  const releasedBefore = researchReleaseDate(todayIso(), settings.researchReleaseDelayDays);
  const created = createResearchContext(database, scopeOf(request), releasedBefore, (rows) => {
    for (const row of rows) request.audit.subjects.add(row.registry_key);
  });
  CONTEXTS.set(context, created);
  return created;
}
