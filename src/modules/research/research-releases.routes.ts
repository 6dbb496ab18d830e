import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { errorBodySchema } from '../../lib/error-body.schema';
import { errors } from '../../lib/errors';
import { END_REASONS, GENDERS, SETTINGS } from '../../lib/vocabulary';
import { requireRole } from '../../plugins/authentication';
import { scopeOf } from '../../plugins/request-scope';
import { loadInstruments } from '../indicators';
import { readerOf } from './research-policy';
import { exportRelease } from './research-release-export';
import type { ReleaseView, ResearchReleases } from './research-releases';

// Research releases over REST: the list, one release with its withdrawn ids, and the download
// of a release (or a filtered part) as a Frictionless data package. The download is a
// record-level read: researchers only, with a declared purpose, audited with every youth in it.

const releaseSchema = z
  .object({
    id: z.string().meta({ description: 'The citable version: period and sequence number.' }),
    publishedAt: z.string(),
    cutoff: z.string().meta({ description: 'Trajectories that ended before this date are in the release.' }),
    trajectories: z.number().int().meta({ description: 'Trajectories in the release as made.' }),
    withdrawn: z.number().int().meta({ description: 'Trajectories erased from it since.' }),
    contentDigest: z.string().meta({ description: 'SHA-256 over the release’s content as made.' }),
    citation: z.string(),
    retiredAt: z.string().nullable().meta({
      description:
        'When its records were removed under the registry’s retention (its id, manifest and digest stay); null while it can be read.',
    }),
  })
  .meta({ id: 'ResearchRelease' });

const EXAMPLE = {
  id: '2026-Q4.1',
  publishedAt: '2026-10-01T00:05:00.000Z',
  cutoff: '2026-10-01',
  trajectories: 312,
  withdrawn: 0,
  contentDigest: 'sha256-wP/uwP/uwP/uwP/uwP/uwP/uwP/uwP/uwP/uwP/uwP/s=',
  citation: 'Care Trajectory Registry, research release 2026-Q4.1, content sha256 c0ffeec0ffee.',
  retiredAt: null,
};

const viewOf = (release: ReleaseView): z.infer<typeof releaseSchema> => ({
  id: release.id,
  publishedAt: release.publishedAt.toISOString(),
  cutoff: release.cutoff,
  trajectories: release.trajectories,
  withdrawn: release.withdrawn,
  contentDigest: release.contentDigest,
  citation: release.citation,
  retiredAt: release.retiredAt?.toISOString() ?? null,
});

const releaseParams = z.object({
  release: z
    .string()
    .regex(/^(latest|\d{4}-[A-Z0-9]{2,3}\.\d{1,4})$/)
    .meta({ description: 'A release id, or latest.', example: '2026-Q4.1' }),
});

const exportQuery = z.strictObject({
  institution: z.string().max(64).optional(),
  programme: z.string().max(64).optional(),
  setting: z.enum(SETTINGS).optional(),
  gender: z.enum(GENDERS).optional(),
  endReason: z.enum(END_REASONS).optional(),
  startedFrom: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .meta({ description: 'Start month, YYYY-MM, inclusive.' }),
  startedTo: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .meta({ description: 'Start month, YYYY-MM, inclusive.' }),
  format: z.enum(['both', 'csv', 'parquet']).default('both').meta({
    description: 'The tables as CSV and Parquet (both), or in one format only (about half the time and size).',
  }),
});

const FORMATS = { both: ['csv', 'parquet'], csv: ['csv'], parquet: ['parquet'] } as const;

export interface ReleaseRouteSettings {
  intakeWindowDays: number;
}

export async function researchReleasesRoutes(
  app: FastifyInstance,
  options: { releases: ResearchReleases; database: Database; settings: ReleaseRouteSettings },
) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { releases } = options;
  // Before validation: a role that may not use the route learns nothing of its parameters.
  app.addHook('preValidation', requireRole('researcher'));

  const find = async (id: string) => {
    const release = await releases.get(id === 'latest' ? null : id);
    if (!release) throw errors.notFound(id === 'latest' ? 'A research release' : `Research release ${id}`);
    return release;
  };

  routes.get(
    '/research/releases',
    {
      config: { audit: { action: 'read', resourceType: 'research_release' } },
      schema: {
        tags: ['research'],
        summary: 'The research releases, newest first: what researchers read at record level, frozen and citable',
        description:
          'Each release with its cut-off, counts, content digest and citation; a release never changes once made, so a study can cite it.',
        response: { 200: z.object({ releases: z.array(releaseSchema) }).meta({ example: { releases: [EXAMPLE] } }) },
      },
    },
    async () => ({ releases: (await releases.list()).map(viewOf) }),
  );

  routes.get(
    '/research/releases/:release',
    {
      config: { audit: { action: 'read', resourceType: 'research_release' } },
      schema: {
        tags: ['research'],
        summary: 'One research release, with the trajectory ids erased from it since it was made (delete them from your copies)',
        description:
          'A release stays citable, but a youth erased since it was made must go from every copy: delete the listed trajectory ids from yours.',
        params: releaseParams,
        response: {
          200: releaseSchema
            .extend({ withdrawnTrajectoryIds: z.array(z.string()) })
            .meta({ id: 'ResearchReleaseWithWithdrawals', example: { ...EXAMPLE, withdrawnTrajectoryIds: [] } }),
          404: errorBodySchema,
        },
      },
    },
    async (request) => {
      const release = await find(request.params.release);
      return { ...viewOf(release), withdrawnTrajectoryIds: await releases.withdrawals(release.id) };
    },
  );

  routes.get(
    '/research/releases/:release/datapackage.zip',
    {
      config: {
        audit: { action: 'read', resourceType: 'research_release' },
        alsoProduces: {
          status: 200,
          types: {
            'application/zip': {
              description:
                'A Frictionless Tabular Data Package: trajectories, placements, activities, measurements, perspective_answers ' +
                'and indicators as .csv and .parquet (or the format asked for), and datapackage.json (the codebook, and each file’s sha256 and size)',
              example: 'PK…',
            },
          },
        },
      },
      schema: {
        tags: ['research'],
        summary: 'Download a research release, or a filtered part of it, as a data package (X-Purpose-Of-Use required; audited)',
        description:
          'Streams a zip. Day offsets from each trajectory’s start and its start month, never a calendar date, exactly as GraphQL gives them. ' +
          'The same release and filter give the same bytes; an erasure removes the youth and the descriptor lists her ids. ' +
          'A release retired under the registry’s retention answers 410 RELEASE_RETIRED.',
        params: releaseParams,
        querystring: exportQuery,
        response: {
          200: z.string().meta({ description: 'application/zip', example: 'PK…' }),
          404: errorBodySchema,
          410: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      // Record-level: the purpose of use is required (the research policy).
      readerOf(scopeOf(request));
      const release = await find(request.params.release);
      if (release.retiredAt) throw errors.releaseRetired(release.id, release.retiredAt, 'params.release');
      const { format, ...filter } = request.query;
      const keys = await releases.repository.registryKeys(release.id, filter);
      for (const key of keys) request.audit.subjects.add(key);
      request.audit.details = { release: release.id, filter, format, trajectories: keys.length };
      const stream = exportRelease(releases.repository, {
        release,
        filter,
        withdrawn: await releases.withdrawals(release.id),
        formats: FORMATS[format],
        context: { instruments: await loadInstruments(options.database), intakeWindowDays: options.settings.intakeWindowDays },
      });
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="registry-release-${release.id}.zip"`)
        .send(stream as never);
    },
  );
}

/** The administrator's research release: freezes what researchers see now (first starts, corrections that should not wait). */
export async function researchReleasesAdminRoutes(app: FastifyInstance, options: { releases: ResearchReleases }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/admin/research/releases',
    {
      preValidation: requireRole('admin'),
      config: { audit: { action: 'execute', resourceType: 'research_release' } },
      schema: {
        tags: ['admin'],
        summary: 'Make a research release now: what researchers see, frozen (none when nothing changed since the latest)',
        description:
          'The calendar makes one each period (with the statistics release); an operator makes one between. made is false, and release the latest, when its content would equal the latest.',
        response: {
          200: z
            .object({
              made: z.boolean(),
              release: releaseSchema.optional().meta({ description: 'The release made, else the latest; absent before the first.' }),
            })
            .meta({ id: 'ResearchReleaseMade', example: { made: true, release: EXAMPLE } }),
        },
      },
    },
    async () => {
      const made = await options.releases.releaseNow();
      const release = made ?? (await options.releases.get(null));
      return { made: made !== null, ...(release ? { release: viewOf(release) } : {}) };
    },
  );
}
