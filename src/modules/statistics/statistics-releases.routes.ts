import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../../lib/errors';
import { requireRole } from '../../plugins/authentication';
import { scopeOf } from '../../plugins/request-scope';
import { errorBodySchema } from '../../lib/error-body.schema';
import { answerTypeOf } from './statistics-accept';
import type { StatisticsReleases } from './statistics-releases';
import type { ReleaseLogEntry } from './statistics-releases.repository';

// The release history (which release an answer is from, and every attempt that did not publish)
// and the operator's release. Everyone who reads statistics sees when releases were made and
// which families they refreshed; the counts behind the change rule and the churn per
// institution are for the administrator, the auditor and the privacy officer only.

const OUTCOMES = ['running', 'published', 'unchanged', 'waiting', 'postponed', 'failed'] as const;

const releaseSchema = z
  .object({
    id: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    period: z.string(),
    trigger: z.enum(['calendar', 'operator']),
    outcome: z.enum(OUTCOMES),
    /** The families of figures it refreshed. */
    released: z.array(z.string()),
    researchCutoff: z.string().nullable(),
    method: z.string(),
    note: z.string().nullable(),
    /** Administrator, auditor and privacy officer only: per family, youths changed and the fewest not one institution's own. */
    families: z
      .record(z.string(), z.object({ changed: z.number().int(), fewestOthers: z.number().int().nullable(), released: z.boolean() }))
      .optional(),
    /** Administrator, auditor and privacy officer only: erasures per institution since the last published release, and young ones (churn). */
    churn: z.record(z.string(), z.object({ erasures: z.number().int(), young: z.number().int() })).optional(),
    /** Administrator, auditor and privacy officer only: what the release audit found. */
    audit: z
      .object({ cells: z.number().int(), targets: z.number().int(), withheld: z.number().int(), seconds: z.number() })
      .nullable()
      .optional(),
  })
  .meta({ id: 'StatisticsRelease' });

/** What every role that reads statistics may know of an attempt. */
const GENERIC_NOTES: Record<(typeof OUTCOMES)[number], string | null> = {
  running: 'being computed',
  published: null,
  unchanged: 'nothing changed',
  waiting: 'changes wait until enough youths changed that are not one institution’s own',
  postponed: 'postponed until the privacy officer has looked at erasures of young records',
  failed: 'failed; tried again at the next check',
};

const viewOf = (entry: ReleaseLogEntry, full: boolean): z.infer<typeof releaseSchema> => ({
  id: entry.id,
  startedAt: entry.startedAt.toISOString(),
  finishedAt: entry.finishedAt?.toISOString() ?? null,
  period: entry.period,
  trigger: entry.trigger as 'calendar' | 'operator',
  outcome: entry.outcome as (typeof OUTCOMES)[number],
  released: Object.entries(entry.families)
    .filter(([, family]) => family.released && entry.outcome === 'published')
    .map(([family]) => family),
  researchCutoff: entry.researchCutoff,
  method: entry.method,
  // The notes name institutions and erasures: for the administrator, auditor and privacy officer.
  note: full ? entry.note : GENERIC_NOTES[entry.outcome as (typeof OUTCOMES)[number]],
  ...(full ? { families: entry.families, churn: entry.churn, audit: entry.audit } : {}),
});

const NOT_ACCEPTABLE_ANSWER = errorBodySchema.describe('The Accept header does not allow JSON (NOT_ACCEPTABLE)');

export async function statisticsReleasesRoutes(app: FastifyInstance, options: { releases: StatisticsReleases }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    '/statistics/releases',
    {
      preHandler: requireRole('funder', 'researcher', 'institution', 'admin', 'auditor', 'privacy_officer'),
      config: { audit: { action: 'read', resourceType: 'statistics_release' } },
      schema: {
        tags: ['statistics'],
        summary: 'The statistics release history, newest first (the latest 100 attempts): which families each published release refreshed',
        description:
          'Each attempt with its outcome (running, published, unchanged, waiting, postponed or failed) and the answer families it refreshed; statistics are read from the latest published release.',
        response: {
          200: z.object({ releases: z.array(releaseSchema) }).meta({
            example: {
              releases: [
                {
                  id: 12,
                  startedAt: '2026-10-01T00:05:00.000Z',
                  finishedAt: '2026-10-01T00:05:09.000Z',
                  period: '2026-Q4',
                  trigger: 'calendar',
                  outcome: 'published',
                  released: ['membership', 'course', 'outcome', 'care', 'perspective'],
                  researchCutoff: '2026-10-01',
                  method: 'cell-key, cell keys HMAC-SHA-256 of the record-key sum (v2)',
                  note: null,
                },
              ],
            },
          }),
          406: NOT_ACCEPTABLE_ANSWER,
        },
      },
    },
    async (request) => {
      answerTypeOf(request, ['application/json']);
      const full = ['admin', 'auditor', 'privacy_officer'].includes(scopeOf(request).role);
      return { releases: (await options.releases.history(100)).map((entry) => viewOf(entry, full)) };
    },
  );

  routes.post(
    '/admin/statistics/releases',
    {
      preHandler: requireRole('admin'),
      config: { audit: { action: 'execute', resourceType: 'statistics_release' } },
      schema: {
        tags: ['admin'],
        summary: 'Run a statistics release now (first starts, operators); the change rule and the churn threshold still apply',
        description:
          'Releases every family of figures that the change rule lets through, audited and stored; answers read it from then on. ' +
          'acknowledgeChurn: the privacy officer looked at the churn that postponed a release, and it may go ahead.',
        body: z
          .strictObject({ acknowledgeChurn: z.boolean().default(false) })
          .default({ acknowledgeChurn: false })
          .meta({ example: { acknowledgeChurn: false } }),
        response: {
          200: releaseSchema.meta({
            example: {
              id: 13,
              startedAt: '2026-12-06T10:00:00.000Z',
              finishedAt: '2026-12-06T10:00:00.000Z',
              period: '2026-Q4',
              trigger: 'operator',
              outcome: 'waiting',
              released: [],
              researchCutoff: '2026-10-01',
              method: 'cell-key, cell keys HMAC-SHA-256 of the record-key sum (v2)',
              note: 'changes wait: too few youths changed that are not one institution’s own',
              families: { membership: { changed: 4, fewestOthers: 1, released: false } },
              churn: {},
              audit: null,
            },
          }),
          406: NOT_ACCEPTABLE_ANSWER,
        },
      },
    },
    async (request) => {
      answerTypeOf(request, ['application/json']);
      const entry = await options.releases.release({ trigger: 'operator', acknowledgeChurn: request.body.acknowledgeChurn });
      if (!entry) throw errors.conflict('Another release is running; try again when it has finished.');
      request.audit.details = { release: entry.id, outcome: entry.outcome, acknowledgeChurn: request.body.acknowledgeChurn };
      return viewOf(entry, true);
    },
  );
}
