import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_ACTIVITY_TYPES } from '../src/modules/ingest/care-activity-rules';
import { toJsonSchema } from './helpers/contract';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { careActivityBody, ndjson, uniqueReference } from './helpers/records';
import { createTestApp, type TestApp } from './helpers/test-app';

// The care-activity rules that depend on the activity type (parentsInvolved only on treatment-plan
// meetings, topics only on mentor conversations, durationMinutes on types counted in minutes) are
// in the OpenAPI document as schema: a client validating against the document refuses the same
// records the service refuses, and accepts the same ones it takes.

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let t: TestApp;
let own: InstitutionFixture;
let trajectory: string;
type Json = Record<string, unknown>;
let document: { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: Json }> } }>> };
beforeAll(async () => {
  t = await createTestApp();
  own = await createInstitution(t);
  trajectory = uniqueReference('T');
  expect((await own.put(`/api/v1/trajectories/${trajectory}`, own.trajectoryBody({ startDate: '2024-01-15' }))).statusCode).toBe(201);
  document = (await t.app.inject({ url: '/docs/json' })).json();
});
afterAll(() => t.close());

/** Breaks one rule each: the field at fault and the code the service answers with. */
const BROKEN: Array<[string, Json, string, string]> = [
  [
    'parentsInvolved on parent contact',
    { activityTypeCode: 'parent_contact', count: 1, durationMinutes: null, topics: null, parentsInvolved: true },
    'parentsInvolved',
    'NOT_APPLICABLE',
  ],
  ['parentsInvolved (false) on a mentor conversation', { parentsInvolved: false, topics: null }, 'parentsInvolved', 'NOT_APPLICABLE'],
  [
    'topics on parent contact',
    { activityTypeCode: 'parent_contact', count: 1, durationMinutes: null, topics: ['safety'] },
    'topics',
    'NOT_APPLICABLE',
  ],
  [
    'topics on a treatment-plan meeting',
    { activityTypeCode: 'treatment_plan_meeting', count: 1, durationMinutes: null, topics: ['talents'] },
    'topics',
    'NOT_APPLICABLE',
  ],
  ['a mentor conversation counted, not timed', { count: 1, durationMinutes: null }, 'durationMinutes', 'AMOUNT_MISSING'],
  [
    'family therapy without durationMinutes',
    { activityTypeCode: 'family_therapy', count: 2, durationMinutes: undefined, topics: undefined },
    'durationMinutes',
    'AMOUNT_MISSING',
  ],
];

const VALID: Array<[string, Json]> = [
  ['a mentor conversation with topics', {}],
  [
    'a treatment-plan meeting with parents',
    { activityTypeCode: 'treatment_plan_meeting', count: 1, durationMinutes: null, topics: null, parentsInvolved: true },
  ],
  [
    'parent contact with the other fields null or empty',
    { activityTypeCode: 'parent_contact', count: 1, durationMinutes: null, topics: [], parentsInvolved: null },
  ],
  ['a group session timed', { activityTypeCode: 'group_session', durationMinutes: 45, topics: undefined }],
  ['diagnostics counted', { activityTypeCode: 'diagnostics', count: 1, durationMinutes: undefined, topics: undefined }],
];

/** The body without the fields an example sets to undefined (absent, not null). */
const body = (overrides: Json) => JSON.parse(JSON.stringify(careActivityBody(trajectory, overrides))) as Json;

function documentValidator(path: string, method: string, mediaType: string) {
  const schema = document.paths[path]![method]!.requestBody.content[mediaType]!.schema;
  const ajv = addFormats(new Ajv({ strict: true, strictTypes: false, allErrors: true, discriminator: true }));
  return ajv.compile(toJsonSchema(schema) as Json);
}

describe('care-activity rules in the OpenAPI document', () => {
  it('the single-record body schema refuses each rule-breaking record and accepts the valid ones', () => {
    const validate = documentValidator('/api/v1/care-activities/{reference}', 'put', 'application/json');
    for (const [name, overrides] of BROKEN) expect(validate(body(overrides)), name).toBe(false);
    for (const [name, overrides] of VALID) expect(validate(body(overrides)), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });

  it('the bulk stream line schema does the same', () => {
    const validate = documentValidator('/api/v1/ingest', 'post', 'application/x-ndjson');
    const line = (overrides: Json) => ({ type: 'care_activity', reference: 'A-1', ...body(overrides) });
    for (const [name, overrides] of BROKEN) expect(validate(line(overrides)), name).toBe(false);
    for (const [name, overrides] of VALID) expect(validate(line(overrides)), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });
});

describe('the catalogue the service serves', () => {
  it('counts in minutes exactly the activity types the rule names', async () => {
    const { activityTypes } = (await own.get('/api/v1/catalogue/activity-types')).json() as {
      activityTypes: Array<{ code: string; unit: string }>;
    };
    const inMinutes = activityTypes.filter((type) => type.unit === 'minutes').map((type) => type.code);
    expect(inMinutes.length).toBeGreaterThan(0);
    expect([...inMinutes].sort()).toEqual([...MINUTE_ACTIVITY_TYPES].sort());
  });
});

describe('the service refuses the same records', () => {
  it('one at a time: 422 naming the field, and takes the valid ones', async () => {
    for (const [name, overrides, field, code] of BROKEN) {
      const reference = uniqueReference('A');
      const response = await own.put(`/api/v1/care-activities/${reference}`, body(overrides));
      expect(response.statusCode, name).toBe(422);
      expect(response.json(), name).toMatchObject({ code, field: `body.${field}` });
      expect((await own.get(`/api/v1/care-activities/${reference}`)).statusCode, name).toBe(404);
    }
    for (const [name, overrides] of VALID) {
      const response = await own.put(`/api/v1/care-activities/${uniqueReference('A')}`, body(overrides));
      expect(response.statusCode, `${name}: ${response.body}`).toBe(201);
    }
  });

  it('in a stream: each breaking line refused with its field, the valid lines kept (per record)', async () => {
    const lines = [...BROKEN.map(([, overrides]) => overrides), ...VALID.map(([, overrides]) => overrides)].map((overrides) => ({
      type: 'care_activity',
      reference: uniqueReference('A'),
      ...body(overrides),
    }));
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest?mode=per_record',
      headers: { authorization: own.authorization, 'content-type': 'application/x-ndjson' },
      payload: ndjson(lines),
    });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(
      report.rejections.map((rejection: { line: number; errors: Array<{ code: string; field: string }> }) => [
        rejection.line,
        rejection.errors,
      ]),
    ).toEqual(BROKEN.map(([, , field, code], index) => [index + 1, [expect.objectContaining({ code, field })]]));
    expect(report.counts.care_activity).toMatchObject({ created: VALID.length, rejected: BROKEN.length });
  });
});
