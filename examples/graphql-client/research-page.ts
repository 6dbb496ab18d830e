import { GraphQLClient } from 'graphql-request';
import { ResearchPageDocument, type ResearchPageQuery } from './operations.generated';

// A research dashboard reading pages of trajectories with N=1 series through GraphQL, with the
// operation's types generated from the registry's schema.graphql (GraphQL Code Generator,
// typed-document-node) and graphql-request: the answer is typed without a hand-written type.
// Run it: `npx tsx examples/graphql-client/research-page.ts <url> <researcher key> <purpose>`.

export type ResearchTrajectory = ResearchPageQuery['trajectories']['nodes'][number];

/** Every trajectory in the researcher's scope for a programme, page by page. */
export async function readResearchPages(options: {
  baseUrl: string;
  apiKey: string;
  purpose: string;
  programme?: string;
  pageSize?: number;
}): Promise<ResearchTrajectory[]> {
  const client = new GraphQLClient(`${options.baseUrl}/graphql`, {
    headers: { authorization: `Bearer ${options.apiKey}`, 'x-purpose-of-use': options.purpose },
  });
  const all: ResearchTrajectory[] = [];
  let after: string | null | undefined;
  do {
    const page: ResearchPageQuery = await client.request(ResearchPageDocument, {
      first: options.pageSize ?? 25,
      after,
      filter: options.programme ? { programme: options.programme } : null,
    });
    all.push(...page.trajectories.nodes);
    after = page.trajectories.pageInfo.hasNextPage ? page.trajectories.pageInfo.endCursor : null;
  } while (after);
  return all;
}

if (process.argv[1]?.endsWith('research-page.ts')) {
  const usage = 'usage: npx tsx examples/graphql-client/research-page.ts <base url> <researcher API key> <purpose>\n';
  const [baseUrl, apiKey, purpose] = process.argv.slice(2);
  if (baseUrl === '--help' || baseUrl === '-h') {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (!baseUrl || !apiKey || !purpose) {
    process.stderr.write(usage);
    process.exit(64);
  }
  const trajectories = await readResearchPages({ baseUrl, apiKey, purpose });
  for (const trajectory of trajectories.slice(0, 10)) {
    process.stdout.write(
      `${trajectory.programmeCode} ${trajectory.startMonth} ${trajectory.outcomeClass}: ${trajectory.series.length} series\n`,
    );
  }
  process.stdout.write(`${trajectories.length} trajectories\n`);
}
