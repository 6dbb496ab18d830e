import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { careActivityBody, measurementBody, placementBody, randomPseudonym } from './helpers/records';
import { createTestApp, type TestApp } from './helpers/test-app';
import { fuzzSettings } from './helpers/fuzz';

// Property-based: random and mutated payloads at the ingest routes never cause a 5xx, and a
// refused request never leaves a partial write. A committed bulk request changes each table by
// exactly the number of records it reports as created.

let t: TestApp;
let authorization: string;
const BASE_TRAJECTORY = 'FUZZ-BASE';

beforeAll(async () => {
  t = await createTestApp({ INGEST_BATCH_SIZE: '5' });
});
afterAll(() => t.close());

// Per test: an institution of its own with the trajectory the child records are pushed under.
let own: InstitutionFixture;
beforeEach(async () => {
  own = await createInstitution(t);
  authorization = own.authorization;
  const created = await own.put(
    `/api/v1/trajectories/${BASE_TRAJECTORY}`,
    own.trajectoryBody({ subject: { ...own.trajectoryBody().subject, pseudonym: randomPseudonym() } }),
  );
  expect(created.statusCode).toBe(201);
});

async function counts() {
  const [row] = await selectRows<Record<'trajectory' | 'placement' | 'care_activity' | 'measurement' | 'subjects', number>>(
    t.database.orm,
    sql`select (select count(*)::int from trajectories) as trajectory, (select count(*)::int from placements) as placement,
               (select count(*)::int from care_activities) as care_activity, (select count(*)::int from measurements) as measurement,
               (select count(*)::int from subjects) as subjects`,
  );
  return row!;
}

const VALID: Record<string, () => Record<string, unknown>> = {
  trajectory: () => own.trajectoryBody({ subject: { ...own.trajectoryBody().subject, pseudonym: randomPseudonym() } }),
  placement: () => placementBody(BASE_TRAJECTORY),
  care_activity: () => careActivityBody(BASE_TRAJECTORY),
  measurement: () => measurementBody(BASE_TRAJECTORY),
};
const PATHS: Record<string, string> = {
  trajectory: 'trajectories',
  placement: 'placements',
  care_activity: 'care-activities',
  measurement: 'measurements',
};

/** Strings an attacker or a careless export might send. */
const nastyString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '111222333',
    'anna@example.nl',
    '06-12345678',
    '2008-04-19',
    "'; drop table measurements; --",
    '\u0000',
    'x'.repeat(300),
    '__proto__',
    'NaN',
    '-0',
    '',
  ),
);
const anyValue = fc.oneof(fc.jsonValue(), nastyString, fc.double(), fc.integer(), fc.constant(null));

/** A valid record with one to three mutations: a field removed, replaced, or added. */
const mutatedRecord = fc
  .tuple(
    fc.constantFrom(...Object.keys(VALID)),
    fc.array(fc.tuple(fc.constantFrom('remove', 'replace', 'add'), fc.nat(20), anyValue, nastyString), { minLength: 1, maxLength: 3 }),
  )
  .map(([type, mutations]) => {
    const record: Record<string, unknown> = VALID[type]!();
    for (const [kind, index, value, key] of mutations) {
      const keys = Object.keys(record);
      const target = keys[index % keys.length]!;
      if (kind === 'remove') delete record[target];
      else if (kind === 'replace') record[target] = value;
      else record[key || 'extra'] = value;
    }
    return { type, record };
  });

const reference = fc.stringMatching(/^[A-Za-z][A-Za-z._:-]{0,20}$/);

describe('ingest under random input', () => {
  it('single-record routes: never a 5xx, never a partial write', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mutatedRecord,
          fc.record({ type: fc.constantFrom(...Object.keys(VALID)), record: fc.jsonValue() as fc.Arbitrary<Record<string, unknown>> }),
        ),
        reference,
        async ({ type, record }, ref) => {
          const before = await counts();
          const response = await t.app
            .inject({ method: 'PUT', url: `/api/v1/${PATHS[type]}/${ref}`, headers: { authorization }, payload: JSON.stringify(record) })
            .catch((error: Error) => ({ statusCode: 599, body: error.message, json: () => ({}) }));
          expect(response.statusCode, response.body).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.json()).toHaveProperty('code');
            expect(await counts()).toEqual(before);
          }
        },
      ),
      fuzzSettings(120),
    );
  });

  // Seen failing (issue #25): with the report not told of accepted measurements, the first case
  // (a per_record stream with two valid measurements) failed on "measurement: expected 1 to be 0".
  it('bulk stream: never a 5xx; rolled back leaves nothing, committed adds exactly what it reports', async () => {
    const line = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.tuple(mutatedRecord, reference).map(([{ type, record }, ref]) => JSON.stringify({ type, reference: ref, ...record })),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.constantFrom(...Object.keys(VALID)), reference)
          .map(([type, ref]) => JSON.stringify({ type, reference: ref, ...VALID[type]!() })),
      },
      { weight: 1, arbitrary: fc.string() },
      { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 25 }), fc.constantFrom('atomic', 'per_record'), async (lines, mode) => {
        const before = await counts();
        const response = await t.app.inject({
          method: 'POST',
          url: `/api/v1/ingest?mode=${mode}`,
          headers: { authorization, 'content-type': 'application/x-ndjson' },
          payload: lines.join('\n'),
        });
        expect(response.statusCode, response.body).toBeLessThan(500);
        const after = await counts();
        if (response.statusCode !== 200) {
          expect(after).toEqual(before);
          return;
        }
        const report = response.json();
        for (const type of ['trajectory', 'placement', 'care_activity', 'measurement'] as const) {
          expect(after[type] - before[type], type).toBe(report.counts[type].created);
        }
      }),
      fuzzSettings(40),
    );
  });
});
