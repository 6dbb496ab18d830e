import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { careActivityBody, measurementBody, placementBody, pseudonymFor, uniqueReference } from './helpers/records';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

// Every test pushes as an institution of its own (and a second one where two are needed), so
// none reads another's records, in any order.
let own: InstitutionFixture;
let other: InstitutionFixture;
beforeEach(async () => {
  own = await createInstitution(t);
  other = await createInstitution(t);
});

const put = (url: string, payload: unknown, as: InstitutionFixture = own) => as.put(url, payload);
const get = (url: string, as: InstitutionFixture = own) => as.get(url);
const trajectoryBody = (overrides: Record<string, unknown> = {}) => own.trajectoryBody(overrides);

async function tableCounts() {
  const [row] = await selectRows<Record<string, number>>(
    t.database.orm,
    sql`select (select count(*)::int from subjects) as subjects, (select count(*)::int from trajectories) as trajectories,
               (select count(*)::int from placements) as placements, (select count(*)::int from care_activities) as activities,
               (select count(*)::int from measurements) as measurements`,
  );
  return row!;
}

describe('single-record upserts', () => {
  it('creates, then reports unchanged, then updated, and reads back without the pseudonym', async () => {
    const reference = uniqueReference('T');
    const body = trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym: pseudonymFor(11) } });
    const created = await put(`/api/v1/trajectories/${reference}`, body);
    expect(created.statusCode).toBe(201);
    expect(created.json().status).toBe('created');
    expect(created.json().trajectory).toMatchObject({
      reference,
      programmeCode: own.programmes.residential,
      subject: { birthYear: 2009, gender: 'girl' },
      endDate: null,
    });
    expect(created.body).not.toContain(body.subject.pseudonym);

    const again = await put(`/api/v1/trajectories/${reference}`, body);
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('unchanged');

    const changed = await put(`/api/v1/trajectories/${reference}`, { ...body, exploitationAtIntake: 'suspected' });
    expect(changed.json().status).toBe('updated');
    expect((await get(`/api/v1/trajectories/${reference}`)).json().exploitationAtIntake).toBe('suspected');
  });

  it('stores only the re-keyed pseudonym', async () => {
    const pseudonym = pseudonymFor(12);
    await put(`/api/v1/trajectories/${uniqueReference('T')}`, trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym } }));
    const rows = await selectRows<{ registry_key: string }>(t.database.orm, sql`select registry_key from subjects`);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.registry_key))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(pseudonym.slice(4));
  });

  it('links the same youth at two institutions by registry key, each institution with a row of its own', async () => {
    const pseudonym = pseudonymFor(13);
    const subject = { ...trajectoryBody().subject, pseudonym };
    const ownReference = uniqueReference('T');
    const otherReference = uniqueReference('L');
    await put(`/api/v1/trajectories/${ownReference}`, trajectoryBody({ subject }));
    await put(`/api/v1/trajectories/${otherReference}`, other.trajectoryBody({ subject }), other);
    const rows = await selectRows<{ registry_key: string; subject_id: string; institution_id: string; subject_institution: string }>(
      t.database.orm,
      sql`select s.registry_key, t.subject_id, t.institution_id, s.institution_id as subject_institution
            from trajectories t join subjects s on s.id = t.subject_id where t.reference in (${ownReference}, ${otherReference})`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]!.registry_key).toBe(rows[1]!.registry_key);
    expect(rows[0]!.subject_id).not.toBe(rows[1]!.subject_id);
    for (const row of rows) expect(row.subject_institution).toBe(row.institution_id);
  });

  it('upserts placements, care activities and measurements, each idempotently', async () => {
    const trajectory = uniqueReference('T');
    await put(`/api/v1/trajectories/${trajectory}`, trajectoryBody());
    const cases = [
      ['placements', placementBody(trajectory)],
      ['care-activities', careActivityBody(trajectory)],
      ['measurements', measurementBody(trajectory)],
    ] as const;
    for (const [path, body] of cases) {
      const reference = uniqueReference('R');
      const first = await put(`/api/v1/${path}/${reference}`, body);
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json().record).toMatchObject({ reference, trajectoryReference: trajectory });
      expect((await put(`/api/v1/${path}/${reference}`, body)).json().status).toBe('unchanged');
      expect((await get(`/api/v1/${path}/${reference}`)).json()).toEqual(first.json().record);
    }
  });

  it('changes research consent and closes a trajectory', async () => {
    const reference = uniqueReference('T');
    await put(`/api/v1/trajectories/${reference}`, trajectoryBody());
    expect((await put(`/api/v1/trajectories/${reference}/research-consent`, { researchConsent: 'withdrawn' })).json().status).toBe(
      'updated',
    );
    expect((await put(`/api/v1/trajectories/${reference}/research-consent`, { researchConsent: 'withdrawn' })).json().status).toBe(
      'unchanged',
    );
    const early = await put(`/api/v1/trajectories/${reference}/end`, { endDate: '2023-12-31', endReason: 'completed' });
    expect(early.json()).toMatchObject({ code: 'END_BEFORE_START', field: 'body.endDate' });
    expect((await put(`/api/v1/trajectories/${reference}/end`, { endDate: '2024-09-30', endReason: 'completed' })).json().status).toBe(
      'updated',
    );
    expect((await get(`/api/v1/trajectories/${reference}`)).json()).toMatchObject({
      researchConsent: 'withdrawn',
      endDate: '2024-09-30',
      endReason: 'completed',
    });
  });

  it('lists trajectories with a cursor', async () => {
    // Three of its own: the test once read whatever earlier tests had pushed, and failed alone.
    for (let index = 0; index < 3; index += 1)
      expect((await put(`/api/v1/trajectories/${uniqueReference('T')}`, trajectoryBody())).statusCode).toBe(201);
    const page = await get('/api/v1/trajectories?limit=2');
    expect(page.statusCode).toBe(200);
    expect(page.json().items).toHaveLength(2);
    const next = await get(`/api/v1/trajectories?limit=2&after=${page.json().nextCursor}`);
    expect(next.json().items).toHaveLength(1);
    expect(next.json().items[0].reference > page.json().items[1].reference).toBe(true);
    expect(next.json().nextCursor).toBeNull();
  });
});

describe('bad input on single-record routes: a clear error and nothing written', () => {
  const cases: Array<[string, () => Promise<{ url: string; body: unknown }>, string, string]> = [
    [
      'unknown field',
      async () => ({ url: `/api/v1/trajectories/${uniqueReference('T')}`, body: { ...trajectoryBody(), name: 'Anna' } }),
      'VALIDATION_FAILED',
      'body.name',
    ],
    [
      'missing field',
      async () => ({ url: `/api/v1/trajectories/${uniqueReference('T')}`, body: { ...trajectoryBody(), startDate: undefined } }),
      'VALIDATION_FAILED',
      'body.startDate',
    ],
    [
      'bad enumeration',
      async () => ({ url: `/api/v1/trajectories/${uniqueReference('T')}`, body: trajectoryBody({ researchConsent: 'maybe' }) }),
      'VALIDATION_FAILED',
      'body.researchConsent',
    ],
    [
      'malformed pseudonym',
      async () => ({
        url: `/api/v1/trajectories/${uniqueReference('T')}`,
        body: trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym: '111222333' } }),
      }),
      'VALIDATION_FAILED',
      'body.subject.pseudonym',
    ],
    [
      'end before start',
      async () => ({
        url: `/api/v1/trajectories/${uniqueReference('T')}`,
        body: trajectoryBody({ endDate: '2023-01-01', endReason: 'completed' }),
      }),
      'END_BEFORE_START',
      'body.endDate',
    ],
    [
      'end without reason',
      async () => ({ url: `/api/v1/trajectories/${uniqueReference('T')}`, body: trajectoryBody({ endDate: '2024-06-01' }) }),
      'END_REASON_MISMATCH',
      'body.endReason',
    ],
    [
      'an age of −10 at the start',
      async () => ({
        url: `/api/v1/trajectories/${uniqueReference('T')}`,
        body: trajectoryBody({ subject: { ...trajectoryBody().subject, birthYear: 2034 }, startDate: '2024-01-15' }),
      }),
      'AGE_OUT_OF_RANGE',
      'body.subject.birthYear',
    ],
    [
      'an age of 44 at the start',
      async () => ({
        url: `/api/v1/trajectories/${uniqueReference('T')}`,
        body: trajectoryBody({ subject: { ...trajectoryBody().subject, birthYear: 1980 }, startDate: '2024-01-15' }),
      }),
      'AGE_OUT_OF_RANGE',
      'body.subject.birthYear',
    ],
    [
      'future date',
      async () => ({ url: `/api/v1/trajectories/${uniqueReference('T')}`, body: trajectoryBody({ startDate: '2099-01-01' }) }),
      'DATE_IN_FUTURE',
      'body.startDate',
    ],
    [
      "another institution's programme",
      async () => ({
        url: `/api/v1/trajectories/${uniqueReference('T')}`,
        body: trajectoryBody({ programmeCode: other.programmes.residential }),
      }),
      'UNKNOWN_PROGRAMME',
      'body.programmeCode',
    ],
    [
      'a reference with a phone number',
      async () => ({ url: `/api/v1/trajectories/T-0612345678`, body: trajectoryBody() }),
      'PII_DETECTED',
      'params.reference',
    ],
  ];

  for (const [name, make, code, field] of cases) {
    it(`refuses ${name} with ${code} at ${field}`, async () => {
      const before = await tableCounts();
      const { url, body } = await make();
      const response = await put(url, body);
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.json()).toMatchObject({ code, field });
      expect(await tableCounts()).toEqual(before);
    });
  }

  it('refuses child records that break rules across records', async () => {
    const trajectory = uniqueReference('T');
    await put(
      `/api/v1/trajectories/${trajectory}`,
      trajectoryBody({ startDate: '2024-01-15', endDate: '2024-06-30', endReason: 'completed' }),
    );
    const childCases: Array<[string, unknown, string, string]> = [
      ['measurements', measurementBody(trajectory, { value: 61 }), 'VALUE_OUT_OF_RANGE', 'body.value'],
      ['measurements', measurementBody(trajectory, { informant: 'parent' }), 'INFORMANT_NOT_ALLOWED', 'body.informant'],
      ['measurements', measurementBody(trajectory, { instrumentCode: 'iq_test' }), 'UNKNOWN_INSTRUMENT', 'body.instrumentCode'],
      [
        'measurements',
        measurementBody(trajectory, { instrumentCode: 'exploitation_status', informant: 'mentor', value: 3 }),
        'VALUE_OUT_OF_RANGE',
        'body.value',
      ],
      ['measurements', measurementBody(trajectory, { date: '2024-09-01' }), 'DATE_OUTSIDE_TRAJECTORY', 'body.date'],
      ['measurements', measurementBody('NO-SUCH-T'), 'UNKNOWN_TRAJECTORY', 'body.trajectoryReference'],
      ['care-activities', careActivityBody(trajectory, { activityTypeCode: 'yoga' }), 'UNKNOWN_ACTIVITY_TYPE', 'body.activityTypeCode'],
      ['care-activities', careActivityBody(trajectory, { durationMinutes: null, count: 1 }), 'AMOUNT_MISSING', 'body.durationMinutes'],
      [
        'care-activities',
        careActivityBody(trajectory, { activityTypeCode: 'parent_contact', count: 1, durationMinutes: null }),
        'NOT_APPLICABLE',
        'body.topics',
      ],
      ['placements', placementBody(trajectory, { startDate: '2023-06-01' }), 'DATE_OUTSIDE_TRAJECTORY', 'body.startDate'],
    ];
    for (const [path, body, code, field] of childCases) {
      const before = await tableCounts();
      const response = await put(`/api/v1/${path}/${uniqueReference('R')}`, body);
      expect(response.json(), `${path} ${code}`).toMatchObject({ code, field });
      expect(await tableCounts()).toEqual(before);
    }
  });
});

describe('institutions are kept apart', () => {
  it("cannot read or write under another institution's records", async () => {
    const trajectory = uniqueReference('T');
    await put(`/api/v1/trajectories/${trajectory}`, trajectoryBody());
    expect((await get(`/api/v1/trajectories/${trajectory}`, other)).statusCode).toBe(404);
    const child = await put(`/api/v1/measurements/${uniqueReference('M')}`, measurementBody(trajectory), other);
    expect(child.json()).toMatchObject({ code: 'UNKNOWN_TRAJECTORY' });
    const listed = await get('/api/v1/trajectories?limit=500', other);
    expect(listed.json().items.map((item: { reference: string }) => item.reference)).not.toContain(trajectory);
  });

  it('keeps the same reference apart per institution', async () => {
    const reference = uniqueReference('SHARED');
    expect((await put(`/api/v1/trajectories/${reference}`, trajectoryBody())).statusCode).toBe(201);
    const answer = await put(`/api/v1/trajectories/${reference}`, other.trajectoryBody(), other);
    expect(answer.statusCode).toBe(201);
    expect((await get(`/api/v1/trajectories/${reference}`)).json().programmeCode).toBe(own.programmes.residential);
  });

  it('admits only role institution', async () => {
    for (const role of ['researcher', 'funder', 'auditor', 'admin'] as const) {
      const { authorization } = await t.authorization(role);
      const response = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/trajectories/${uniqueReference('T')}`,
        headers: { authorization },
        payload: trajectoryBody(),
      });
      expect(response.statusCode).toBe(403);
    }
  });
});
