import { createRequire } from 'node:module';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { openDatabase } from '../db/client';

// The two contracts the service publishes, as files committed beside the code: the OpenAPI
// document (openapi.json) and the GraphQL schema (schema.graphql). Both come from the running
// application, so they cannot describe anything it does not do; a test fails when the committed
// files differ from what the code produces (`npm run contracts` writes them again).

// The copy of graphql Mercurius uses (its CommonJS build): another copy's printSchema refuses its types.
const { printSchema }: typeof import('graphql') = createRequire(import.meta.url)('graphql');

export const CONTRACT_FILES = { openapi: 'openapi.json', graphql: 'schema.graphql' } as const;

export interface Contracts {
  openapi: string;
  graphql: string;
}

/** The contracts of an application already built and ready. */
export async function contractsOf(app: Awaited<ReturnType<typeof buildApp>>): Promise<Contracts> {
  const document = (await app.inject({ url: '/docs/json' })).json();
  return { openapi: `${JSON.stringify(document, null, 2)}\n`, graphql: `${printSchema(app.graphql.schema)}\n` };
}

/** Builds the application on an empty in-memory database (nothing is queried) and reads its contracts. */
export async function generateContracts(): Promise<Contracts> {
  const database = await openDatabase({ kind: 'pglite' });
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://unused/contracts',
    REGISTRY_PSEUDONYM_KEY: '0'.repeat(64),
  });
  const app = await buildApp({ config, database, logger: false });
  try {
    await app.ready();
    return await contractsOf(app);
  } finally {
    await app.close();
    await database.close();
  }
}
