import type { RequestScope } from '../../plugins/request-scope';
import type { ReleasedDocument, ResearchReleasesRepository } from './research-releases.repository';
import {
  type ActivityRow,
  type PageRow,
  type PlacementRow,
  type ResearchReads,
  type ResearchRepository,
  type SeriesRow,
  seriesOfMeasurements,
  type TrajectoryFilter,
  type TrajectoryRow,
} from './research.repository';

// The research reads of one release, with the live repository's signature, so the GraphQL layer
// serves a release as it served live rows: a page is one statement over the release's documents,
// and its series and the youth's other trajectories come with it (no further statement); its
// placements and activities, most of a document's bytes, are read in one more statement when a
// query asks for them. Only the programme offers (reference data) are read live.

export function createReleasedResearchRepository(
  releases: Pick<ResearchReleasesRepository, 'page' | 'documents' | 'count'>,
  live: Pick<ResearchRepository, 'offers'>,
  releaseId: () => Promise<string>,
): ResearchReads {
  /** Documents read in this request, whole or (from a page) in part. */
  const loaded = new Map<string, Partial<ReleasedDocument>>();
  const keep = <D extends Partial<ReleasedDocument> & Pick<ReleasedDocument, 'row'>>(documents: D[]) => {
    for (const document of documents) loaded.set(document.row.id, { ...loaded.get(document.row.id), ...document });
    return documents;
  };
  /** The `part` of the documents of `ids` in this release, read once per request. */
  async function partOf<K extends keyof ReleasedDocument>(ids: readonly string[], part: K): Promise<Map<string, ReleasedDocument[K]>> {
    const missing = ids.filter((id) => loaded.get(id)?.[part] === undefined);
    if (missing.length) keep(await releases.documents(await releaseId(), missing));
    const found = new Map<string, ReleasedDocument[K]>();
    for (const id of ids) {
      const value = loaded.get(id)?.[part];
      if (value !== undefined) found.set(id, value as ReleasedDocument[K]);
    }
    return found;
  }
  const each = async <K extends keyof ReleasedDocument, T>(
    ids: readonly string[],
    part: K,
    pick: (value: ReleasedDocument[K]) => T,
  ): Promise<Map<string, T>> => {
    const found = await partOf(ids, part);
    return new Map([...found].map(([id, value]) => [id, pick(value)]));
  };
  const same = <T>(value: T) => value;

  return {
    countTrajectories: async (_scope: RequestScope, filter: TrajectoryFilter): Promise<number> => releases.count(await releaseId(), filter),
    async listTrajectories(_scope: RequestScope, filter: TrajectoryFilter, after: string | null, limit: number): Promise<PageRow[]> {
      const documents = keep(await releases.page(await releaseId(), filter, after, limit));
      return documents.map((document) => ({ ...document.row, series: seriesOfMeasurements(document.measurements) }));
    },
    trajectoriesByIds: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, TrajectoryRow>> => each(ids, 'row', same),
    otherTrajectoryIds: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, string[]>> => each(ids, 'others', same),
    placements: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, PlacementRow[]>> => each(ids, 'placements', same),
    activities: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, ActivityRow[]>> => each(ids, 'activities', same),
    series: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, SeriesRow[]>> =>
      each(ids, 'measurements', seriesOfMeasurements),
    offers: (programmeIds: readonly string[]) => live.offers(programmeIds),
  };
}
