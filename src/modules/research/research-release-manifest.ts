// What a research release says about itself, so a figure computed from it can be traced and
// reproduced: the registry's and the methods' versions, the cut-off and the counts. A change of
// any method below changes what a release computes from the same records: bump its version.

/** The registry's API version (openapi.ts) is the version of what a release holds and means. */
export const REGISTRY_VERSION = '1.0.0';

/** The methods a release's indicators are computed with, each with the source it follows. */
export const RELEASE_METHODS = {
  nonOverlap:
    'NAP (Parker & Vannest 2009), Tau A vs B, Tau-U A vs B − trend A (Parker et al. 2011), Tau-BC (Tarlow 2017; corrected when Kendall p < .05), PND, PEM, PAND, IRD, SMD (Hedges g, baseline SD), LRR (Pustejovsky 2018) v2',
  reliableChange: 'RCI (Jacobson & Truax 1991) with the instruments’ published reliability v1',
  outcomeClass: 'registry outcome classes over the four domains v1',
  dayOffsets: 'days from the trajectory start; start month; no calendar dates',
} as const;

export interface ReleaseManifestInput {
  id: string;
  cutoff: string;
  period: string;
}

/** The manifest a release is made with (the files' checksums are added when they are first written). */
export function releaseManifest(input: ReleaseManifestInput): Record<string, unknown> {
  return {
    release: input.id,
    period: input.period,
    cutoff: input.cutoff,
    registryVersion: REGISTRY_VERSION,
    methods: RELEASE_METHODS,
    population:
      'Every trajectory with research consent that ended before the cut-off, as its institution had recorded it when the release was made.',
  };
}

/** How to cite a release. */
export const citationOf = (release: { id: string; contentDigest: string }) =>
  `Care Trajectory Registry, research release ${release.id}, content sha256 ${release.contentDigest.slice(0, 12)}.`;
