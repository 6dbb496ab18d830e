import type { FastifyInstance } from 'fastify';
import type { MercuriusContext } from 'mercurius';
import type { Resolvers } from '../../generated/graphql';
import { graphqlEnum } from '../../lib/graphql-enum';
import { errors } from '../../lib/errors';
import { GROUPINGS, type Grouping } from './statistics-aggregates';
import { scopeOf } from '../../plugins/request-scope';
import type { GroupAnswer } from './statistics.schemas';
import { type Cell, type Measure, MEASURES, type StatisticsService } from './statistics.service';
import { RECOGNITION_TAKES_NO_GROUPING } from './statistics.routes';

// Comparisons for dashboards: the same protected answers as the REST endpoints, and for an
// institution its own programmes next to the national picture.

export const statisticsTypeDefs = /* GraphQL */ `
  ${graphqlEnum('StatisticsMeasure', MEASURES)}
  ${graphqlEnum('StatisticsGrouping', GROUPINGS)}

  "A published figure (perturbed by the cell-key method), or null with suppressed true where a mean or median is left out."
  type StatisticsValue { name: String! value: Float suppressed: Boolean! }
  type StatisticsGroup {
    group: String!
    "All values, or only those named."
    values(names: [String!]): [StatisticsValue!]!
  }
  "The method that protects an answer, its parameters, and when its figures were released."
  type StatisticsDisclosureControl {
    method: String!
    perturbationTable: String!
    "D: the largest perturbation of a count."
    maximumDeviation: Int!
    "V: the variance of the perturbation of a count."
    variance: Float!
    "js: a published count is 0 or above this."
    threshold: Int!
    "m: the largest noise on a mean or median, as a share of its magnifier."
    magnitudeNoise: Float!
    "Means and medians only where the published count of their contributors is at least this."
    minimumBase: Int!
    "A family of figures is released only when at least this many youths changed in it."
    releaseMinimumYouths: Int!
    "...and, for every institution, none or at least this many that are not its own."
    releaseMinimumOthers: Int!
    "When releases come: weekly, monthly, quarterly, or manual (only when an operator runs one)."
    releaseCalendar: String!
    "When the release this answer is read from was published; null before the first."
    releasedAt: String
    "The release this answer is read from (cite its id); null before the first."
    release: StatisticsReleaseRef
    notes: [String!]!
  }
  "A statistics release: computed, audited and stored at once, read until the next."
  type StatisticsReleaseRef {
    id: Int!
    publishedAt: String!
    "The calendar period it was made in (e.g. 2026-Q4)."
    period: String!
    "Researchers' figures count the consented trajectories that ended before this date."
    researchCutoff: String
  }
  """
  One answer by the cell-key method: every count (of trajectories, youths where said) is perturbed,
  the same contributors giving the same number in every answer; totals are perturbed as cells of
  their own, so groups need not add up to them.
  """
  type StatisticsTable {
    measure: StatisticsMeasure!
    groupBy: StatisticsGrouping
    "consent_granted_or_unknown (funders, institutions) or research_release (researchers: consented trajectories that ended before the release's research cut-off, what they see at record level)."
    population: String!
    disclosureControl: StatisticsDisclosureControl!
    groups: [StatisticsGroup!]!
    total(names: [String!]): [StatisticsValue!]!
  }
  type StatisticsComparison {
    "The national picture (for researchers: over what they see at record level), the same figures as the REST answer."
    national: StatisticsTable!
    "Institutions: the same measure over your own trajectories (perturbed the same way). Null for other roles."
    own: StatisticsTable
  }

  extend type Query {
    "Aggregates for funders, researchers and institutions (the national picture)."
    statistics(measure: StatisticsMeasure!, groupBy: StatisticsGrouping): StatisticsTable!
    "A programme comparison: the national picture and, for an institution, its own programmes beside it."
    comparison(measure: StatisticsMeasure!, groupBy: StatisticsGrouping = programme): StatisticsComparison!
  }
`;

const ROLES_WITH_STATISTICS = new Set(['funder', 'researcher', 'institution']);

const asValues = (values: Record<string, Cell>, names?: string[] | null) =>
  Object.entries(values)
    .filter(([name]) => !names || names.includes(name))
    .map(([name, cell]) => ({ name, ...cell }));

/** What a StatisticsGroup resolves from: one group line of an answer. */
export type StatisticsGroupParent = GroupAnswer;

export function registerStatisticsGraphql(app: FastifyInstance, statistics: StatisticsService) {
  const scopeFor = (context: MercuriusContext, measure: Measure, groupBy: Grouping | null) => {
    const scope = scopeOf(context.reply.request);
    if (!ROLES_WITH_STATISTICS.has(scope.role)) throw errors.forbidden(`Role ${scope.role} has no use of the statistics.`);
    // Every aggregate the request asked for (aliases may ask several), not just the last.
    const audit = context.reply.request.audit;
    audit.details ??= {};
    const details = audit.details as { statistics?: Array<{ measure: Measure; groupBy: Grouping | null }> };
    details.statistics ??= [];
    details.statistics.push({ measure, groupBy });
    return scope;
  };
  const groupingFor = (measure: Measure, groupBy: Grouping | null | undefined) => (measure === 'recognition' ? null : (groupBy ?? null));

  const resolvers: Resolvers = {
    Query: {
      statistics: async (_root, args, context) => {
        if (args.measure === 'recognition' && args.groupBy != null) throw RECOGNITION_TAKES_NO_GROUPING('groupBy');
        const groupBy = groupingFor(args.measure, args.groupBy);
        return statistics.answer(args.measure, groupBy, scopeFor(context, args.measure, groupBy));
      },
      comparison: async (_root, args, context) => {
        const groupBy = groupingFor(args.measure, args.groupBy);
        return statistics.comparison(args.measure, groupBy, scopeFor(context, args.measure, groupBy));
      },
    },
    StatisticsGroup: {
      values: (group, args) => asValues(group.values, args.names),
    },
    StatisticsTable: {
      total: (answer, args) => asValues(answer.total, args.names),
    },
  };
  app.graphql.extendSchema(statisticsTypeDefs);
  app.graphql.defineResolvers(resolvers);
}
