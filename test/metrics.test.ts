import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';
import { measurementBody, ndjson, pseudonymFor, uniqueReference } from './helpers/records';
import { createInstitution } from './helpers/institution-fixture';
import { insertTrajectory } from './helpers/fixtures';

/** The value of one series in Prometheus text, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics, on the API port for listed addresses', () => {
  let t: TestApp;
  const reference = uniqueReference('METRICS');
  const pseudonym = pseudonymFor(777);

  beforeAll(async () => {
    // app.inject comes from 127.0.0.1 unless told otherwise.
    t = await createTestApp({ METRICS_ALLOW_FROM: '127.0.0.1, 192.0.2.0/24' });
  });
  afterAll(() => t.close());

  it('holds requests by route pattern, GraphQL operations, the database, ingest, audit, the indicator queue and the process', async () => {
    const own = await createInstitution(t);
    const institution = own.authorization;
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/trajectories/${reference}`,
      headers: { authorization: institution },
      payload: own.trajectoryBody({
        subject: { pseudonym, birthYear: 2010, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'no' },
      }),
    });
    expect(put.statusCode).toBe(201);
    const stream = ndjson([
      { type: 'measurement', reference: uniqueReference('M'), ...measurementBody(reference) },
      { type: 'measurement', reference: uniqueReference('M'), ...measurementBody(reference, { date: '2024-03-01', value: 28 }) },
      { type: 'measurement', reference: uniqueReference('M'), ...measurementBody(reference, { value: 999 }) },
    ]);
    const bulk = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest?mode=per_record',
      headers: { authorization: institution, 'content-type': 'application/x-ndjson' },
      payload: stream,
    });
    expect(bulk.statusCode).toBe(200);
    const graphql = (query: string) =>
      t.app.inject({ method: 'POST', url: '/graphql', headers: { authorization: institution }, payload: { query } });
    expect((await graphql('query Catalogue { instruments { code } }')).json().errors).toBeUndefined();
    expect((await graphql('query Broken { noSuchField }')).json().errors).toBeDefined();
    expect((await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ apiVersion }' } })).statusCode).toBe(401);
    await t.app.inject({ url: '/no/such/route' });
    await t.app.indicators.settle();

    const scrape = await t.app.inject({ url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scrape.body;

    expect(
      sample(text, 'http_request_duration_seconds_count', { method: 'PUT', route: '/api/v1/trajectories/:reference', status_code: '201' }),
    ).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/ingest', status_code: '200' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sample(text, 'registry_graphql_operations_total', { operation: 'Catalogue', type: 'query', outcome: 'success' })).toBe(1);
    expect(sample(text, 'registry_graphql_operations_total', { operation: 'unknown', outcome: 'refused' })).toBe(2); // the invalid query and the missing key
    expect(sample(text, 'registry_graphql_operation_duration_seconds_count', { operation: 'Catalogue' })).toBe(1);
    expect(sample(text, 'registry_db_query_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThan(5);
    if (t.database.kind === 'postgres') {
      expect(sample(text, 'registry_db_pool_connections', { state: 'max' })).toBe(4); // the test database's pool
      expect(sample(text, 'registry_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    }
    expect(
      sample(text, 'registry_ingest_records_total', { source: 'single', type: 'trajectory', status: 'created', outcome: 'committed' }),
    ).toBe(1);
    expect(
      sample(text, 'registry_ingest_records_total', { source: 'bulk', type: 'measurement', status: 'created', outcome: 'committed' }),
    ).toBe(2);
    expect(
      sample(text, 'registry_ingest_records_total', { source: 'bulk', type: 'measurement', status: 'rejected', outcome: 'committed' }),
    ).toBe(1);
    expect(sample(text, 'registry_audit_events_written_total', { outcome: 'success' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'registry_audit_events_written_total', { outcome: 'refused' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'registry_audit_write_duration_seconds_count')).toBeGreaterThanOrEqual(4);
    // The writes queued their trajectory and the maintainer worked it off.
    expect(sample(text, 'registry_indicator_queue_depth')).toBe(0);
    expect(sample(text, 'registry_indicator_queue_oldest_seconds')).toBe(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    // Labels are patterns, types and outcomes: nothing a request carried.
    for (const secret of [reference, pseudonym, institution.replace('Bearer ', '')]) expect(text).not.toContain(secret);
  });

  it('shows the indicator queue while trajectories wait', async () => {
    // A trajectory of this test's own, so it needs no other test to have run first.
    const trajectory = await insertTrajectory(t.database.orm);
    await t.database.query("insert into indicator_queue (trajectory_id, queued_at) values ($1, now() - interval '90 seconds')", [
      trajectory.id,
    ]);
    const text = (await t.app.inject({ url: '/metrics' })).body;
    expect(sample(text, 'registry_indicator_queue_depth')).toBe(1);
    expect(sample(text, 'registry_indicator_queue_oldest_seconds')).toBeGreaterThanOrEqual(90);
    await t.app.indicators.drain();
  });

  it('refuses addresses outside the list, and needs no API key inside it', async () => {
    expect((await t.app.inject({ url: '/metrics', remoteAddress: '192.0.2.44' })).statusCode).toBe(200);
    const refused = await t.app.inject({ url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(refused.body).not.toContain('http_request_duration_seconds');
  });

  it('is not in the OpenAPI document', async () => {
    const document = (await t.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).not.toContain('/metrics');
    expect(Object.keys(document.paths)).toContain('/health/ready');
  });
});

describe('metrics, off by default and on a port of their own', () => {
  it('serves nothing at /metrics without configuration', async () => {
    const t = await createTestApp();
    try {
      expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(404);
      expect(t.app.metricsServer).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('serves the text on METRICS_PORT, and not on the API port', async () => {
    const t = await createTestApp({ METRICS_PORT: '0' });
    try {
      const address = t.app.metricsServer!.address() as { address: string; port: number };
      expect(address.address).toBe('127.0.0.1');
      const scraped = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      expect(scraped.status).toBe(200);
      expect(sample(await scraped.text(), 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${address.port}/api/v1/programmes`)).status).toBe(404);
      expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
    expect(t.app.metricsServer!.listening).toBe(false);
  });
});
