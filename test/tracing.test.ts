import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../src/logger';
import { startTelemetry, type Telemetry } from '../src/runtime/telemetry';

// Tracing end to end: the service on a real port, with the production instrumentations and an
// in-memory exporter behind the same scrubbing. Tracing starts before the application is
// imported (as server.ts does), since the instrumentations patch Fastify, graphql and pg as
// they load; so the application and the test helpers are imported dynamically below.

const memory = new InMemorySpanExporter();
const logLines: Record<string, unknown>[] = [];
let telemetry: Telemetry;
let app: FastifyInstance;
let base: string;
let destroyDatabase: () => Promise<void>;
let databaseKind: string;
let helpers: typeof import('./helpers/records');
/** A fresh institution with its own key: each test makes its own (test/helpers/institution-fixture.ts). */
let freshInstitution: () => Promise<import('./helpers/institution-fixture').InstitutionFixture>;

beforeAll(async () => {
  telemetry = (await startTelemetry(
    { enabled: true, exporter: 'otlp', protocol: 'http/protobuf', serviceName: 'registry-test' },
    { exporter: memory },
  ))!;
  const [
    { buildApp },
    { testConfig },
    { createTestDatabase },
    { createApiKeysService },
    { createApiKeysRepository },
    { createInstitution },
  ] = await Promise.all([
    import('../src/app'),
    import('./helpers/test-app'),
    import('./helpers/test-database'),
    import('../src/modules/api-keys/api-keys.service'),
    import('../src/modules/api-keys/api-keys.repository'),
    import('./helpers/institution-fixture'),
  ]);
  helpers = await import('./helpers/records');
  const testDatabase = await createTestDatabase();
  destroyDatabase = testDatabase.destroy;
  databaseKind = testDatabase.database.kind;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  app = await buildApp({ config: testConfig(), database: testDatabase.database, logger: { ...loggerOptions('info'), stream } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const apiKeys = createApiKeysService(createApiKeysRepository(testDatabase.database));
  const authorization = async (role: 'institution', institutionCode?: string) => {
    const created = await apiKeys.create({ name: 'tracing', role, institutionCode });
    return { authorization: `Bearer ${created.key}`, keyId: created.id };
  };
  freshInstitution = () => createInstitution({ app, database: testDatabase.database, authorization });
});

afterAll(async () => {
  await app?.close();
  await destroyDatabase?.();
  await telemetry?.shutdown();
});

/** The spans of the trace whose server span answered `route`. */
async function traceOf(method: string, route: string): Promise<ReadableSpan[]> {
  await telemetry.flush();
  const spans = memory.getFinishedSpans();
  const server = spans.find(
    (span) => span.attributes['http.route'] === route && span.attributes['http.request.method'] === method && span.kind === 1,
  );
  expect(server, `a server span for ${method} ${route}`).toBeDefined();
  return spans.filter((span) => span.spanContext().traceId === server!.spanContext().traceId);
}

describe('tracing', () => {
  it('exports one span tree for a write, through Fastify and the database, with no identifier in it', async () => {
    const institution = await freshInstitution();
    const institutionKey = institution.authorization.replace('Bearer ', '');
    const reference = helpers.uniqueReference('TRACE');
    const pseudonym = helpers.pseudonymFor(4242);
    const response = await fetch(`${base}/api/v1/trajectories/${reference}?note=1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${institutionKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        institution.trajectoryBody({
          subject: { pseudonym, birthYear: 2009, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
        }),
      ),
    });
    expect(response.status).toBe(201);

    const spans = await traceOf('PUT', '/api/v1/trajectories/:reference');
    // A tree: one root (the fetch's client span), every other span's parent in the same trace.
    const ids = new Set(spans.map((span) => span.spanContext().spanId));
    const roots = spans.filter((span) => !span.parentSpanContext || !ids.has(span.parentSpanContext.spanId));
    expect(roots).toHaveLength(1);
    const names = spans.map((span) => span.name);
    expect(names).toContain('PUT /api/v1/trajectories/:reference'); // the HTTP server span
    expect(names).toContain('request'); // Fastify's request span
    expect(names.some((name) => name.startsWith('handler - '))).toBe(true);
    if (databaseKind === 'postgres') {
      expect(spans.some((span) => span.name.startsWith('pg.query:INSERT') && String(span.attributes['db.query.text']).includes('$1'))).toBe(
        true,
      );
    }

    const exported = JSON.stringify(
      spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })),
    );
    for (const secret of [reference, pseudonym, institutionKey, 'note=1']) expect(exported).not.toContain(secret);
    expect(spans.some((span) => 'url.path' in span.attributes || 'url.full' in span.attributes || 'http.target' in span.attributes)).toBe(
      false,
    );
  });

  it('traces a GraphQL operation without the literals of its document', async () => {
    const { authorization } = await freshInstitution();
    const literal = randomUUID();
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query OneTrajectory { trajectory(id: "${literal}") { id } }` }),
    });
    expect(response.status).toBe(200);
    const spans = await traceOf('POST', '/graphql');
    const operation = spans.find((span) => span.attributes['graphql.operation.name'] === 'OneTrajectory');
    expect(operation?.attributes['graphql.operation.type']).toBe('query');
    expect(spans.some((span) => span.name === 'graphql.parse')).toBe(true);
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain(literal);
  });

  it('exports no identifier from an operation name and no file path in a span name (issue #27)', async () => {
    const { authorization } = await freshInstitution();
    // By GET, so that its trace is the only one of GET /graphql (the tests run in any order).
    const query = encodeURIComponent('query Bsn123456782 { apiVersion }');
    const response = await fetch(`${base}/graphql?query=${query}`, { headers: { authorization } });
    expect(response.status).toBe(200);
    const spans = await traceOf('GET', '/graphql');
    expect(spans.some((span) => span.attributes['graphql.operation.name'] === 'withheld')).toBe(true);
    const exported = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })));
    expect(exported).not.toContain('123456782');
    // Fastify's hook spans are named after the hook's function, or its file when it has no name.
    const withPaths = memory.getFinishedSpans().filter((span) => /node_modules|file:\/\/|(?:^|\s)\/\S*\.[cm]?[jt]s\b/.test(span.name));
    expect(withPaths.map((span) => span.name)).toEqual([]);
  });

  it('writes the trace id into every log line of a request', async () => {
    const { authorization } = await freshInstitution();
    const response = await fetch(`${base}/api/v1/programmes`, { headers: { authorization } });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const spans = await traceOf('GET', '/api/v1/programmes');
    const lines = logLines.filter((line) => line.reqId === requestId);
    // One line per request, by its route pattern (request-log.ts), with the trace id.
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['request completed']));
    for (const line of lines) expect(line.trace_id, String(line.msg)).toBe(spans[0]!.spanContext().traceId);
  });
});
