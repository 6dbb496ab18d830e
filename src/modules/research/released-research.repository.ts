import type { RequestScope } from '../../plugins/request-scope';
import type { ResearchReleasesRepository, ReleasedDocument } from './research-releases.repository';
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
// and its placements, activities, series and the youth's other trajectories come with it (no
// further statement). Only the programme offers (reference data) are read live.

export function createReleasedResearchRepository(
  releases: Pick<ResearchReleasesRepository, 'page' | 'documents'>,
  live: Pick<ResearchRepository, 'offers'>,
  releaseId: () => Promise<string>,
): ResearchReads {
  const loaded = new Map<string, ReleasedDocument>();
  const keep = (documents: ReleasedDocument[]) => {
    for (const document of documents) loaded.set(document.row.id, document);
    return documents;
  };
  /** The documents of `ids` in this release, read once per request. */
  async function documentsOf(ids: readonly string[]): Promise<Map<string, ReleasedDocument>> {
    const missing = ids.filter((id) => !loaded.has(id));
    if (missing.length) keep(await releases.documents(await releaseId(), missing));
    const found = new Map<string, ReleasedDocument>();
    for (const id of ids) {
      const document = loaded.get(id);
      if (document) found.set(id, document);
    }
    return found;
  }
  const each = async <T>(ids: readonly string[], pick: (document: ReleasedDocument) => T): Promise<Map<string, T>> => {
    const found = await documentsOf(ids);
    return new Map([...found].map(([id, document]) => [id, pick(document)]));
  };

  return {
    async listTrajectories(_scope: RequestScope, filter: TrajectoryFilter, after: string | null, limit: number): Promise<PageRow[]> {
      const documents = keep(await releases.page(await releaseId(), filter, after, limit));
      return documents.map((document) => ({ ...document.row, series: seriesOfMeasurements(document.measurements) }));
    },
    trajectoriesByIds: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, TrajectoryRow>> =>
      each(ids, (document) => document.row),
    otherTrajectoryIds: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, string[]>> =>
      each(ids, (document) => document.others),
    placements: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, PlacementRow[]>> =>
      each(ids, (document) => document.placements),
    activities: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, ActivityRow[]>> =>
      each(ids, (document) => document.activities),
    series: (_scope: RequestScope, ids: readonly string[]): Promise<Map<string, SeriesRow[]>> =>
      each(ids, (document) => seriesOfMeasurements(document.measurements)),
    offers: (programmeIds: readonly string[]) => live.offers(programmeIds),
  };
}
