import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExampleTypes } from '../examples/generate';
import { randomPseudonym, trajectoryBody } from './helpers/records';
import { createInstitution } from './helpers/institution-fixture';
import { createTestApp, type TestApp } from './helpers/test-app';

// The example clients in examples/ (a REST client generated from openapi.json, a GraphQL client
// typed from schema.graphql) run against the service, as a user would run them. CI also
// type-checks them (tsc -p examples) after generating their types.

const modules = {
  rest: new URL('../examples/rest-client/ingest-flow.ts', import.meta.url).pathname,
  graphql: new URL('../examples/graphql-client/research-page.ts', import.meta.url).pathname,
  answers: new URL('../examples/rest-client/answers.ts', import.meta.url).pathname,
};

let t: TestApp;
let baseUrl: string;
beforeAll(async () => {
  // Generated types are build output: make them when a fresh clone has none.
  if (!fs.existsSync(new URL('../examples/graphql-client/operations.generated.ts', import.meta.url))) await generateExampleTypes();
  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
}, 120_000);
afterAll(() => t.close());

describe('the example clients', () => {
  it('REST (openapi-typescript + openapi-fetch): an institution pushes, reads back and erases a youth', async () => {
    const { ingestFlow } = await import(modules.rest);
    const { authorization } = await t.authorization('institution', 'vuurtorenhuis');
    const result = await ingestFlow({
      baseUrl,
      apiKey: authorization.replace('Bearer ', ''),
      pseudonym: randomPseudonym(),
      reference: `EXAMPLE-${Date.now().toString(36)}`,
    });
    expect(result).toEqual({
      trajectoryStatus: 'created',
      reportOutcome: 'committed',
      measurementsCreated: 3,
      readBack: { programmeCode: 'vuurtorenhuis-baken', gender: 'girl' },
      erased: { status: 'erased', trajectories: 1 },
      afterErasure: { status: 404, code: 'NOT_FOUND', next: 'fix the request' },
      retry: { replayed: true, sameReport: true, requestId: expect.any(String), rateLimitRemaining: expect.any(Number) },
    });
  });

  it('REST: every documented response header read with its documented type, absent ones undefined', async () => {
    const { documentedHeaders } = await import(modules.answers);
    const answer = new Response(null, {
      headers: {
        'x-request-id': 'req-1',
        'retry-after': '5',
        'x-ratelimit-limit': '600',
        'x-ratelimit-remaining': '599',
        'x-ratelimit-reset': 'soon',
        'idempotent-replayed': 'true',
        'x-disclosure-control': 'cell-key; table=D3-V1-js2; release=3',
      },
    });
    expect(documentedHeaders(answer)).toEqual({
      'X-Request-Id': 'req-1',
      'Retry-After': 5,
      'X-RateLimit-Limit': 600,
      'X-RateLimit-Remaining': 599,
      'X-RateLimit-Reset': undefined,
      'Idempotent-Replayed': 'true',
      'X-Disclosure-Control': 'cell-key; table=D3-V1-js2; release=3',
    });
    // A real answer: a 401 carries its request id and no rate-limit headers of a key.
    const refused = await fetch(`${baseUrl}/api/v1/trajectories`);
    expect(refused.status).toBe(401);
    expect(documentedHeaders(refused)).toMatchObject({ 'X-Request-Id': expect.any(String), 'Idempotent-Replayed': undefined });
  });

  it('GraphQL (typed document + graphql-request): a researcher pages through trajectories with their series', async () => {
    const { readResearchPages } = await import(modules.graphql);
    // Two consented trajectories of an institution of this test's own, read as a researcher one page at a time.
    const own = await createInstitution(t);
    for (const suffix of ['A', 'B']) {
      const created = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/trajectories/EXAMPLE-GQL-${suffix}-${Date.now().toString(36)}`,
        headers: { authorization: own.authorization },
        // Ended long ago: researchers see a trajectory once it has ended and been released.
        payload: own.trajectoryBody({
          subject: { ...trajectoryBody().subject, pseudonym: randomPseudonym() },
          researchConsent: 'granted',
          endDate: '2024-06-30',
          endReason: 'completed',
        }),
      });
      expect(created.statusCode).toBe(201);
    }
    // Researchers read research releases.
    expect(await t.releaseResearch()).not.toBeNull();
    const { authorization } = await t.authorization('researcher');
    const trajectories = await readResearchPages({
      baseUrl,
      apiKey: authorization.replace('Bearer ', ''),
      purpose: 'scientific_research',
      programme: own.programmes.residential,
      pageSize: 1,
    });
    expect(trajectories).toHaveLength(2);
    for (const trajectory of trajectories) {
      expect(trajectory).toMatchObject({ programmeCode: own.programmes.residential, startMonth: expect.stringMatching(/^\d{4}-\d{2}$/) });
      expect(Array.isArray(trajectory.series)).toBe(true);
    }
  });
});
