// The research page the benchmarks read: 50 consented trajectories after a given id, with their
// measurement series. The full page is the one bench/graphql.ts measures (N=1 indicators: stored
// ones where current, else computed per request); the lean page asks for the fields a generic GraphQL layer over the tables can give
// (bench/peer-postgraphile.ts), so the two can be compared like for like.

export const PAGE_SIZE = 50;

export const PAGE_QUERY = `query Page($after: String) {
  trajectories(first: ${PAGE_SIZE}, after: $after) {
    nodes {
      id institutionCode programmeCode startMonth endDay
      subject { ageAtStart gender }
      outcomeClass
      problemRecognition { overall }
      domainStatuses { domain status }
      series { instrumentCode informant observations { day value } reliableChange { rci category } }
    }
    pageInfo { endCursor hasNextPage }
  }
}`;

export const LEAN_PAGE_QUERY = `query LeanPage($after: String) {
  trajectories(first: ${PAGE_SIZE}, after: $after) {
    nodes { id series { instrumentCode informant observations { day value } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** Pages that start at spread-out places in the id order, so requests do not hit one page only. */
export const START_IDS = Array.from(
  { length: 32 },
  (_, index) => `${(index * 8).toString(16).padStart(2, '0')}000000-0000-4000-8000-000000000000`,
);

/** The service's cursor for "after this id" (base64url of the id). */
export const cursorAfter = (id: string) => Buffer.from(id).toString('base64url');

export const researcherHeaders = (key: string) => ({
  authorization: `Bearer ${key}`,
  'content-type': 'application/json',
  'x-purpose-of-use': 'system_test',
});

export interface ResearchPage {
  data?: {
    trajectories: {
      nodes: Array<{
        id: string;
        series: Array<{ instrumentCode: string; informant: string; observations: Array<{ day: number; value: number }> }>;
      }>;
    };
  };
  errors?: unknown[];
}
