import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../../lib/errors';
import { requireRole } from '../../plugins/authentication';
import { scopeOf } from '../../plugins/request-scope';
import { GROUPINGS } from './statistics-aggregates';
import { answerSchema, MEASURES } from './statistics.schemas';
import { errorBodySchema } from '../../lib/error-body.schema';
import { answerTypeOf } from './statistics-accept';
import { toCsv } from './statistics-layout';
import type { StatisticsService } from './statistics.service';

/** Recognition is the outcome by problem recognition at intake: its groups are the recognition classes. */
export const RECOGNITION_TAKES_NO_GROUPING = (field: string) =>
  errors.validation(
    `${field}: recognition is grouped by problem recognition at intake and takes no other grouping; leave groupBy out.`,
    field,
  );

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
          'Aggregates by the cell-key method: overview, outcomes, recognition (outcome by problem recognition), perspective (youth-perspective items), ' +
          'care (fidelity and dose per activity type)',
        description:
          'Counts are of trajectories (youths where said), never of measurements, and every count is perturbed by the cell-key method: ' +
          'the same contributors give the same number in every answer; totals are perturbed as cells of their own, so groups need not add up. ' +
          'Means and medians carry noise and are left out (suppressed) over too few. Every answer is read from the latest release ' +
          '(computed, audited and stored at once, on a calendar; disclosureControl.release names it) and changes only at the next. ' +
          'Researchers get figures over exactly what they see at record level. disclosureControl names the method and its parameters. Send Accept: text/csv for CSV.',
        params: z.object({ measure: z.enum(MEASURES) }),
        querystring: z.strictObject({ groupBy: z.enum(GROUPINGS).optional() }),
        response: { 200: answerSchema, 406: errorBodySchema.describe('The Accept header allows neither JSON nor CSV (NOT_ACCEPTABLE)') },
      },
    },
    async (request, reply) => {
      const { measure } = request.params;
      const groupBy = request.query.groupBy ?? null;
      request.audit.details = { measure, groupBy };
      const type = answerTypeOf(request, ['application/json', 'text/csv']);
      // Recognition is grouped by problem recognition itself: a groupBy would be ignored, so it is refused.
      if (measure === 'recognition' && groupBy !== null) throw RECOGNITION_TAKES_NO_GROUPING('querystring.groupBy');
      const answer = await options.statistics.answer(measure, groupBy, scopeOf(request));
      if (type === 'text/csv') {
        const control = answer.disclosureControl;
        return (
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${measure}.csv"`)
            // The method travels with the CSV too (its values are those of the JSON answer).
            .header(
              'x-disclosure-control',
              `${control.method}; table=${control.perturbationTable}; release=${control.release?.id ?? 'none'}; released=${control.releasedAt ?? 'never'}`,
            )
            .send(toCsv(answer) as never)
        );
      }
      return answer;
    },
  );
}
