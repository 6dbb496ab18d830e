import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireRole } from '../../plugins/authentication';
import type { Principal } from '../api-keys/api-keys.service';
import { GROUPINGS } from './statistics.repository';
import { MEASURES, type StatisticsService, toCsv, type Viewer } from './statistics.service';

/** Institutions see the national figures as protected against what they know of their own. */
export const viewerOf = (principal: Principal): Viewer =>
  principal.role === 'institution' ? { kind: 'institution', institutionId: principal.institutionId! } : { kind: 'national' };

const cellSchema = z.object({ value: z.number().nullable(), suppressed: z.boolean() });
const answerSchema = z
  .object({
    measure: z.string(),
    groupBy: z.enum(GROUPINGS).nullable(),
    minimumCellSize: z.number().int(),
    groups: z.array(z.object({ group: z.string(), values: z.record(z.string(), cellSchema) })),
    total: z.record(z.string(), cellSchema),
  })
  .meta({
    id: 'StatisticsAnswer',
    example: {
      measure: 'outcomes',
      groupBy: 'programme',
      minimumCellSize: 10,
      groups: [
        { group: 'vuurtorenhuis-baken', values: { trajectories: { value: 61, suppressed: false }, 'outcome.improved': { value: 22, suppressed: false }, 'outcome.mixed': { value: null, suppressed: true } } },
      ],
      total: { trajectories: { value: 388, suppressed: false }, 'outcome.improved': { value: 131, suppressed: false } },
    },
  });

/** Aggregate statistics for funders' tools (and researchers, institutions): JSON or CSV. */
export async function statisticsRoutes(app: FastifyInstance, options: { statistics: StatisticsService }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('preHandler', requireRole('funder', 'researcher', 'institution'));

  routes.get(
    '/statistics/:measure',
    {
      config: {
        audit: { action: 'execute', resourceType: 'statistics' },
        alsoProduces: {
          status: 200,
          types: {
            'text/csv': {
              description: 'The same answer as CSV (Accept: text/csv): a line per group, a column per value',
              example: 'group,started,ended,active\nvuurtorenhuis-baken,24,18,6\n',
            },
          },
        },
      },
      schema: {
        tags: ['statistics'],
        summary:
          'Aggregates with disclosure control: overview, outcomes, recognition (outcome by problem recognition), perspective (youth-perspective items), ' +
          'care (fidelity and dose per activity type)',
        description:
          'Counts are of trajectories (youths where said), never of measurements. Counts below the minimum cell size are ' +
          'suppressed (value null, suppressed true), and so are enough others that none can be worked out from the answer. ' +
          'For an institution, a national figure is also withheld where the same figure over the other institutions would be: ' +
          'it knows its own. Send Accept: text/csv for CSV.',
        params: z.object({ measure: z.enum(MEASURES) }),
        querystring: z.strictObject({ groupBy: z.enum(GROUPINGS).optional() }),
        response: { 200: answerSchema },
      },
    },
    async (request, reply) => {
      const { measure } = request.params;
      const groupBy = request.query.groupBy ?? null;
      request.audit.details = { measure, groupBy };
      const answer = await options.statistics.answer(measure, measure === 'recognition' ? null : groupBy, viewerOf(principalOf(request)));
      if (request.headers.accept?.includes('text/csv')) {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${measure}.csv"`).send(toCsv(answer) as never);
      }
      return answer;
    },
  );
}
