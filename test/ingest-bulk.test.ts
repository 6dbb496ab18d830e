import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { careActivityBody, measurementBody, ndjson, placementBody, randomPseudonym, uniqueReference } from './helpers/records';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  // A small batch size, so a test stream spans several batches.
  t = await createTestApp({ INGEST_BATCH_SIZE: '7', INGEST_MAX_BYTES: '200000', INGEST_MAX_LINE_BYTES: '4096' });
});
afterAll(() => t.close());

// Each test pushes as an institution of its own; a second one reads from outside.
let own: InstitutionFixture;
let authorization: string;
let otherInstitution: string;
beforeEach(async () => {
  own = await createInstitution(t);
  authorization = own.authorization;
  otherInstitution = (await createInstitution(t)).authorization;
});

const push = (body: string, query = '', headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/ingest${query}`,
    headers: { authorization, 'content-type': 'application/x-ndjson', ...headers },
    payload: body,
  });

async function tableCounts() {
  const [row] = await selectRows<Record<string, number>>(
    t.database.orm,
    sql`select (select count(*)::int from subjects) as subjects, (select count(*)::int from trajectories) as trajectories,
               (select count(*)::int from placements) as placements, (select count(*)::int from care_activities) as activities,
               (select count(*)::int from measurements) as measurements, (select count(*)::int from ingest_reports) as reports`,
  );
  return row!;
}

/** A trajectory with a placement, two activities and `measurements` measurements. */
function stream(measurements = 10) {
  const trajectory = uniqueReference('T');
  const records: Array<Record<string, unknown>> = [
    {
      type: 'trajectory',
      reference: trajectory,
      ...own.trajectoryBody({ subject: { ...own.trajectoryBody().subject, pseudonym: randomPseudonym() } }),
    },
    { type: 'placement', reference: uniqueReference('P'), ...placementBody(trajectory) },
    { type: 'care_activity', reference: uniqueReference('A'), ...careActivityBody(trajectory) },
    {
      type: 'care_activity',
      reference: uniqueReference('A'),
      ...careActivityBody(trajectory, { activityTypeCode: 'parent_contact', count: 2, durationMinutes: null, topics: null }),
    },
  ];
  for (let index = 0; index < measurements; index += 1) {
    records.push({
      type: 'measurement',
      reference: uniqueReference('M'),
      ...measurementBody(trajectory, { value: 20 + index, date: `2024-03-${String(index + 1).padStart(2, '0')}` }),
    });
  }
  return { trajectory, records };
}

describe('bulk ingest', () => {
  it('writes a mixed stream over several batches and reports per type and status', async () => {
    const { records } = stream(12);
    const response = await push(ndjson(records));
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ outcome: 'committed', mode: 'atomic', dryRun: false, lines: records.length, rejections: [] });
    expect(report.counts.trajectory).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 0 });
    expect(report.counts.care_activity.created).toBe(2);
    expect(report.counts.measurement.created).toBe(12);

    const again = await push(ndjson(records));
    expect(again.json().counts.measurement).toEqual({ created: 0, updated: 0, unchanged: 12, rejected: 0 });

    const fetched = await t.app.inject({ url: `/api/v1/ingest/reports/${report.id}`, headers: { authorization } });
    expect(fetched.json()).toEqual(report);
    const foreign = await t.app.inject({ url: `/api/v1/ingest/reports/${report.id}`, headers: { authorization: otherInstitution } });
    expect(foreign.statusCode).toBe(404);
  });

  it('lets the later of two equal references win, in order', async () => {
    const { trajectory, records } = stream(0);
    const reference = uniqueReference('M');
    records.push({ type: 'measurement', reference, ...measurementBody(trajectory, { value: 10 }) });
    records.push({ type: 'measurement', reference, ...measurementBody(trajectory, { value: 12 }) });
    const report = (await push(ndjson(records))).json();
    expect(report.counts.measurement).toEqual({ created: 1, updated: 1, unchanged: 0, rejected: 0 });
    const read = await t.app.inject({ url: `/api/v1/measurements/${reference}`, headers: { authorization } });
    expect(read.json().value).toBe(12);
  });

  it('atomic: one bad record refuses the whole stream, naming every error by line', async () => {
    const before = await tableCounts();
    const { trajectory, records } = stream(10);
    records.splice(5, 0, {
      type: 'measurement',
      reference: uniqueReference('M'),
      ...measurementBody(trajectory, { value: 99, informant: 'parent' }),
    });
    records.push({ type: 'measurement', reference: 'M-0612345678', ...measurementBody(trajectory) });
    const response = await push(`${ndjson(records)}{not json\n{"type":"diagnosis","reference":"X"}\n`);
    expect(response.statusCode).toBe(422);
    const report = response.json();
    expect(report).toMatchObject({ status: 422, code: 'INGEST_REJECTED', outcome: 'rolled_back', requestId: expect.any(String) });
    expect(report.rejections).toEqual([
      {
        line: 6,
        type: 'measurement',
        reference: expect.any(String),
        errors: [
          { code: 'INFORMANT_NOT_ALLOWED', message: expect.any(String), field: 'informant' },
          { code: 'VALUE_OUT_OF_RANGE', message: expect.any(String), field: 'value' },
        ],
      },
      { line: 16, type: 'measurement', errors: [{ code: 'PII_DETECTED', message: expect.any(String), field: 'reference' }] },
      { line: 17, errors: [{ code: 'INVALID_JSON', message: 'is not valid JSON', field: '' }] },
      { line: 18, type: 'diagnosis', reference: 'X', errors: [expect.objectContaining({ code: 'INVALID_VALUE', field: 'type' })] },
    ]);
    expect(response.body).not.toContain('0612345678');
    // Nothing of the stream was written; only its report was kept.
    expect(await tableCounts()).toEqual({ ...before, reports: before.reports! + 1 });
  });

  it('per record: writes the valid records and refuses the others', async () => {
    const before = await tableCounts();
    const { trajectory, records } = stream(4);
    records.push({ type: 'measurement', reference: uniqueReference('M'), ...measurementBody(trajectory, { date: '2099-01-01' }) });
    records.push({ type: 'measurement', reference: uniqueReference('M'), ...measurementBody('NOPE') });
    const response = await push(ndjson(records), '?mode=per_record');
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.counts.measurement).toEqual({ created: 4, updated: 0, unchanged: 0, rejected: 2 });
    expect(report.rejections.map((rejection: { errors: Array<{ code: string }> }) => rejection.errors[0]!.code)).toEqual([
      'DATE_IN_FUTURE',
      'UNKNOWN_TRAJECTORY',
    ]);
    const after = await tableCounts();
    expect(after.measurements).toBe(before.measurements! + 4);
    expect(after.trajectories).toBe(before.trajectories! + 1);
  });

  it('dry run: validates and counts, writes nothing, keeps no report', async () => {
    const before = await tableCounts();
    const { records } = stream(3);
    const response = await push(ndjson(records), '?dryRun=true');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'dry_run', dryRun: true });
    expect(response.json().counts.measurement.created).toBe(3);
    expect(await tableCounts()).toEqual(before);
  });

  it('Idempotency-Key: a retry gets the first answer and is not applied again', async () => {
    const { trajectory, records } = stream(3);
    const measurement = records[4]!;
    const key = `retry-${uniqueReference('k')}`;
    const first = await push(ndjson(records), '', { 'idempotency-key': key });
    expect(first.statusCode).toBe(200);
    // The registry's state moves on after the first push ...
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/measurements/${measurement.reference}`,
      headers: { authorization },
      payload: measurementBody(trajectory, { value: 44, date: measurement.date }),
    });
    const before = await tableCounts();
    // ... and a retry of the first push must not put the old value back.
    const retry = await push(ndjson(records), '', { 'idempotency-key': key });
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    const read = await t.app.inject({ url: `/api/v1/measurements/${measurement.reference}`, headers: { authorization } });
    expect(read.json().value).toBe(44);
    expect(await tableCounts()).toEqual(before);

    const reused = await push(ndjson(records.slice(0, 2)), '', { 'idempotency-key': key });
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'headers.idempotency-key' });
  });

  it('refuses a stream over the size limit, long lines, and other content types', async () => {
    const big = ndjson(Array.from({ length: 1000 }, () => stream(0).records[0]));
    expect(big.length).toBeGreaterThan(200_000);
    const tooBig = await push(big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('PAYLOAD_TOO_LARGE');

    const longLine = await push(`${JSON.stringify({ type: 'trajectory', reference: 'x'.repeat(5000) })}\n`);
    expect(longLine.json().rejections[0]).toMatchObject({ line: 1, errors: [{ code: 'LINE_TOO_LONG' }] });

    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization, 'content-type': 'application/json' },
      payload: {},
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('is for institutions only', async () => {
    const { authorization: researcher } = await t.authorization('researcher');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: researcher, 'content-type': 'application/x-ndjson' },
      payload: '',
    });
    expect(response.statusCode).toBe(403);
  });
});
