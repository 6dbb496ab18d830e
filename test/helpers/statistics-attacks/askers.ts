import type { StatisticsAnswer } from '../../../src/modules/statistics/statistics.service';
import { type AnswerRequest, type Asker, fromGraphql, GRAPHQL_TABLE } from './answers';

// How each role asks, over whatever carries requests (app.inject in tests, HTTP in benchmarks):
// funders and researchers through REST, institutions through GraphQL's comparison (their own
// figures beside the national ones).

export type Send = (request: { method: 'GET' | 'POST'; path: string; body?: unknown }) => Promise<{ status: number; body: string }>;

export function restAsker(send: Send): Asker {
  return async ({ measure, grouping }: AnswerRequest) => {
    const response = await send({ method: 'GET', path: `/api/v1/statistics/${measure}${grouping ? `?groupBy=${grouping}` : ''}` });
    if (response.status !== 200) throw new Error(`${measure} ${grouping}: ${response.status} ${response.body}`);
    return { national: JSON.parse(response.body) as StatisticsAnswer };
  };
}

type GraphqlTable = Omit<StatisticsAnswer, 'groups' | 'total'> & Parameters<typeof fromGraphql>[0];

export function comparisonAsker(send: Send): Asker {
  return async ({ measure, grouping }: AnswerRequest) => {
    const query = `{ comparison(measure: ${measure}, groupBy: ${grouping ?? 'null'}) { national { ${GRAPHQL_TABLE} } own { ${GRAPHQL_TABLE} } } }`;
    const response = await send({ method: 'POST', path: '/graphql', body: { query } });
    const body = JSON.parse(response.body) as {
      data?: { comparison: { national: GraphqlTable; own: GraphqlTable | null } };
      errors?: unknown;
    };
    if (!body.data) throw new Error(`${measure} ${grouping}: ${JSON.stringify(body.errors)}`);
    const convert = (table: GraphqlTable) => {
      const { groups, total, ...frame } = table;
      return fromGraphql({ groups, total }, frame);
    };
    const { national, own } = body.data.comparison;
    return { national: convert(national), own: own ? convert(own) : null };
  };
}
