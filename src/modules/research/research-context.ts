import type { MercuriusContext } from 'mercurius';
import { createBatchLoader } from '../../lib/batch-loader';
import type { Database } from '../../db/client';
import { errors } from '../../lib/errors';
import { type RequestScope, scopeOf } from '../../plugins/request-scope';
import { type Reader, readerOf } from './research-policy';
import { createReleasedResearchRepository } from './released-research.repository';
import type { ReleaseView, ResearchReleases } from './research-releases';
import { createResearchRepository, type PageRow, type ResearchReads, type SeriesRow, type TrajectoryRow } from './research.repository';
import type { SeriesInstrument } from '../../lib/statistics/trajectory-indicators';
import { createCatalogueRepository } from '../catalogue';
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

/** Where a request's record-level reads come from: an institution's live records, or a researcher's release. */
export interface ResearchSource {
  repository: ResearchReads;
  /** The release read (null: live, or no release made yet); the release id asked for, if any. */
  release: () => Promise<ReleaseView | null>;
  requested: string | null;
  /** Which of these trajectories the latest research release holds. */
  releaseMembership: (ids: readonly string[]) => Promise<Map<string, boolean>>;
}

/**
 * Researchers read a release (the one asked for, else the latest): research-releases.ts.
 * Institutions read their own records live; a release is not theirs to ask for.
 */
export function sourceFor(database: Database, reader: Reader, releases: ResearchReleases, requested: string | null): ResearchSource {
  const live = createResearchRepository(database, { releasedBefore: null });
  const releaseMembership = async (ids: readonly string[]) => {
    const latest = await releases.get(null);
    const held = new Set(latest ? await releases.repository.holding(latest.id, ids) : []);
    return new Map(ids.map((id) => [id, held.has(id)]));
  };
  if (reader === 'institution') {
    if (requested !== null) {
      throw errors.validation('release: institutions read their own records as they are; releases are what researchers read.', 'release');
    }
    return { repository: live, release: async () => null, requested, releaseMembership };
  }
  let found: Promise<ReleaseView | null> | undefined;
  const release = () => {
    found ??= releases.get(requested).then((release) => {
      if (!release && requested !== null) {
        throw errors.validation(`release: there is no release "${requested}"; the releases query lists them.`, 'release');
      }
      // The latest is never retired, so only a release asked for by id can be.
      if (release?.retiredAt) throw errors.releaseRetired(release.id, release.retiredAt, 'release');
      return release;
    });
    return found;
  };
  const releaseId = async () => (await release())?.id ?? '';
  return { repository: createReleasedResearchRepository(releases.repository, live, releaseId), release, requested, releaseMembership };
}

/** The activity type codes of the catalogue (reference data, as the instruments: kept a minute). */
const activityTypeCache = new WeakMap<Database, { loadedAt: number; codes: Promise<Set<string>> }>();
function cachedActivityTypeCodes(database: Database): Promise<Set<string>> {
  const cached = activityTypeCache.get(database);
  if (cached && Date.now() - cached.loadedAt < INSTRUMENTS_TTL_MS) return cached.codes;
  const codes = createCatalogueRepository(database)
    .listActivityTypes()
    .then((types) => new Set(types.map((type) => type.code)));
  activityTypeCache.set(database, { loadedAt: Date.now(), codes });
  codes.catch(() => activityTypeCache.delete(database));
  return codes;
}

export function createResearchContext(
  database: Database,
  scope: RequestScope,
  source: (reader: Reader) => ResearchSource,
  onTrajectories: (rows: TrajectoryRow[]) => void,
) {
  // Decided once: refuses roles without record-level access before anything is read.
  const reader: Reader = readerOf(scope);
  const { repository, release, requested, releaseMembership } = source(reader);
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
    release,
    requested,
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
    /** Whether each trajectory is in the latest research release (an institution's view of what researchers see). */
    released: createBatchLoader(
      (ids: readonly string[]) => releaseMembership(ids),
      () => false,
    ),
    offers: createBatchLoader(
      (ids: readonly string[]) => repository.offers(ids),
      () => [],
    ),
    instruments: () => cachedInstruments(database),
    activityTypeCodes: () => cachedActivityTypeCodes(database),
  };
}

export type ResearchContext = ReturnType<typeof createResearchContext>;

const CONTEXTS = new WeakMap<object, ResearchContext>();

/**
 * The request's research context; refuses roles without record-level access. `requested` is a
 * root field's release argument (undefined for nested fields): one release per request.
 */
export function researchOf(
  context: MercuriusContext,
  database: Database,
  releases: ResearchReleases,
  requested?: string | null,
): ResearchContext {
  const existing = CONTEXTS.get(context);
  if (existing) {
    if (requested !== undefined && requested !== existing.requested) {
      throw errors.validation('release: one release per request; ask for another release in a request of its own.', 'release');
    }
    return existing;
  }
  const request = context.reply.request;
  const created = createResearchContext(
    database,
    scopeOf(request),
    (reader) => sourceFor(database, reader, releases, requested ?? null),
    (rows) => {
      for (const row of rows) request.audit.subjects.add(row.registry_key);
    },
  );
  CONTEXTS.set(context, created);
  return created;
}
