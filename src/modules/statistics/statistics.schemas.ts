import { z } from 'zod';
import { GROUPINGS } from './statistics-aggregates';

// The one definition of a statistics answer: the REST schema, and the service's types derived from it.

export const MEASURES = ['overview', 'outcomes', 'recognition', 'perspective', 'care'] as const;
export type Measure = (typeof MEASURES)[number];

export const cellSchema = z.object({
  value: z.number().nullable(),
  /** Left out: a mean or median over fewer than the minimum (published) contributors, or a share of nothing. */
  suppressed: z.boolean(),
});

export const disclosureControlSchema = z.object({
  method: z.literal('cell-key'),
  perturbationTable: z.string(),
  maximumDeviation: z.number().int(),
  variance: z.number(),
  threshold: z.number().int(),
  magnitudeNoise: z.number(),
  minimumBase: z.number().int(),
  releaseMinimumYouths: z.number().int(),
  /** Per institution, changed youths not its own a family needs (none, or at least this many) to be released. */
  releaseMinimumOthers: z.number().int(),
  /** When releases come: weekly, monthly, quarterly, or manual (only when an operator runs one). */
  releaseCalendar: z.string(),
  /** When the release this answer is read from was published; null before the first release. */
  releasedAt: z.string().nullable(),
  /** The release this answer is read from (cite it with its id); null before the first. */
  release: z
    .object({
      id: z.number().int(),
      publishedAt: z.string(),
      /** The calendar period it was made in (e.g. 2026-Q4). */
      period: z.string(),
      /** Researchers' figures count the consented trajectories that ended before this date. */
      researchCutoff: z.string().nullable(),
    })
    .nullable(),
  notes: z.array(z.string()),
});

export const answerSchema = z
  .object({
    measure: z.enum(MEASURES),
    groupBy: z.enum(GROUPINGS).nullable(),
    population: z.enum(['consent_granted_or_unknown', 'research_release']),
    disclosureControl: disclosureControlSchema,
    groups: z.array(z.object({ group: z.string(), values: z.record(z.string(), cellSchema) })),
    total: z.record(z.string(), cellSchema),
  })
  .meta({
    id: 'StatisticsAnswer',
    example: {
      measure: 'outcomes',
      groupBy: 'programme',
      population: 'consent_granted_or_unknown',
      disclosureControl: {
        method: 'cell-key',
        perturbationTable: 'D3-V1-js2',
        maximumDeviation: 3,
        variance: 1,
        threshold: 2,
        magnitudeNoise: 0.5,
        minimumBase: 10,
        releaseMinimumYouths: 40,
        releaseMinimumOthers: 30,
        releaseCalendar: 'quarterly',
        releasedAt: '2026-10-01T00:05:00.000Z',
        release: { id: 12, publishedAt: '2026-10-01T00:05:00.000Z', period: '2026-Q4', researchCutoff: '2026-10-01' },
        notes: [
          'Every count, totals included, is perturbed as a cell of its own: groups need not add up to the total, nor parts to their whole.',
        ],
      },
      groups: [
        {
          group: 'vuurtorenhuis-baken',
          values: {
            trajectories: { value: 61, suppressed: false },
            'outcome.improved': { value: 22, suppressed: false },
            'outcome.mixed': { value: 0, suppressed: false },
          },
        },
      ],
      total: { trajectories: { value: 388, suppressed: false }, 'outcome.improved': { value: 131, suppressed: false } },
    },
  });

export type Cell = z.infer<typeof cellSchema>;
export type DisclosureControl = z.infer<typeof disclosureControlSchema>;
export type StatisticsAnswer = z.infer<typeof answerSchema>;
export type GroupAnswer = StatisticsAnswer['groups'][number];
