import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSN_SYSTEM } from '../src/modules/fhir/fhir-systems';
import { carePlan, fhirBundle, ndjsonRecords } from './helpers/fhir-bundle';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { ndjson } from './helpers/records';
import { fhirSchemaErrors } from './helpers/fhir-schema';
import { createTestApp, type TestApp } from './helpers/test-app';

// Issue #28: every refusal of the FHIR endpoint is an OperationOutcome naming the element at
// fault; a transaction writes nothing; a batch answers per entry; a refusal is audited as the
// REST ingest audits it. Each test on an institution of its own.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

// biome-ignore lint/suspicious/noExplicitAny: FHIR resources and answers, changed and read one element at a time
type Json = Record<string, any>;

/** Sends a resource, valid FHIR R4 JSON (the official schema) however the registry's rules take it. */
const push = (institution: InstitutionFixture, bundle: unknown, headers: Record<string, string> = {}) => {
  expect(fhirSchemaErrors(bundle), JSON.stringify(bundle).slice(0, 200)).toEqual([]);
  return t.app.inject({
    method: 'POST',
    url: '/fhir/R4',
    headers: { authorization: institution.authorization, 'content-type': 'application/fhir+json', ...headers },
    payload: JSON.stringify(bundle),
  });
};

/** The entry of the first resource of a type, and its index. */
function find(bundle: { entry: Json[] }, resourceType: string, nth = 0) {
  const indexes = bundle.entry.flatMap((entry, index) => (entry.resource.resourceType === resourceType ? [index] : []));
  const index = indexes[nth]!;
  return { index, resource: bundle.entry[index]!.resource as Json };
}

async function nothingWritten(institution: InstitutionFixture) {
  const list = await institution.get('/api/v1/trajectories');
  expect(list.statusCode, list.body).toBe(200);
  expect(list.json().items).toEqual([]);
}

async function ingestEvents(institution: InstitutionFixture) {
  const auditor = await t.authorization('auditor');
  const response = await t.app.inject({
    url: `/api/v1/audit/events?institutionCode=${institution.code}&limit=1000`,
    headers: { authorization: auditor.authorization },
  });
  return (response.json().events as Json[]).filter((event) => event.resourceType === 'ingest');
}

function expectOutcome(
  response: { statusCode: number; body: string; json(): Json },
  expression: string,
  code: string,
  registryCode: string,
) {
  expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  const outcome = response.json();
  expect(outcome.resourceType).toBe('OperationOutcome');
  const issue = outcome.issue.find((candidate: Json) => candidate.expression?.includes(expression));
  expect(issue, `no issue at ${expression}: ${response.body}`).toBeDefined();
  expect(issue).toMatchObject({ severity: 'error', code, details: { coding: [{ code: registryCode }] } });
  return outcome;
}

describe('a transaction with an identifying Patient is refused whole', () => {
  const cases: Array<{ name: string; change(patient: Json): void; element: string; code: string }> = [
    { name: 'a name', change: (patient) => (patient.name = [{ family: 'Jansen', given: ['Mila'] }]), element: 'name', code: 'security' },
    {
      name: 'a BSN identifier (by its system)',
      change: (patient) => patient.identifier.push({ system: BSN_SYSTEM, value: 'redacted' }),
      element: 'identifier[1]',
      code: 'security',
    },
    {
      name: 'a BSN under another system (nine digits passing the eleven-test)',
      change: (patient) => patient.identifier.push({ system: 'https://ehr.example.org/patient-number', value: '111222333' }),
      element: 'identifier[1]',
      code: 'security',
    },
    { name: 'a full birth date', change: (patient) => (patient.birthDate = '2008-04-19'), element: 'birthDate', code: 'security' },
    { name: 'an address', change: (patient) => (patient.address = [{ city: 'Utrecht' }]), element: 'address', code: 'security' },
    { name: 'a phone number', change: (patient) => (patient.telecom = [{ system: 'phone' }]), element: 'telecom', code: 'security' },
  ];
  for (const { name, change, element, code } of cases) {
    it(`refuses ${name}, naming the element, and writes nothing`, async () => {
      const institution = await createInstitution(t);
      const bundle = fhirBundle(carePlan(institution.programmes.residential));
      const patient = find(bundle, 'Patient');
      change(patient.resource);
      const response = await push(institution, bundle);
      expect(response.statusCode).toBe(422);
      expectOutcome(response, `Bundle.entry[${patient.index}].resource.${element}`, code, 'PII_DETECTED');
      // The answer never repeats what was refused.
      expect(response.body).not.toMatch(/Jansen|111222333|2008-04-19|Utrecht/);
      await nothingWritten(institution);
      const [event] = await ingestEvents(institution);
      expect(event).toMatchObject({ action: 'execute', outcome: 'refused', statusCode: 422, details: { code: 'PII_DETECTED' } });
    });
  }
});

describe('codes and references', () => {
  it('refuses an activity type the catalogue does not hold, naming its coding, and writes nothing; audited as the REST ingest audits it', async () => {
    const viaFhir = await createInstitution(t);
    const viaNdjson = await createInstitution(t);
    const bundle = fhirBundle(carePlan(viaFhir.programmes.residential));
    const procedure = find(bundle, 'Procedure', 3);
    procedure.resource.code.coding[0].code = 'juggling';
    const response = await push(viaFhir, bundle);
    expect(response.statusCode).toBe(422);
    expectOutcome(response, `Bundle.entry[${procedure.index}].resource.code.coding[0].code`, 'code-invalid', 'UNKNOWN_ACTIVITY_TYPE');
    await nothingWritten(viaFhir);

    // The same refusal through the REST ingest leaves the same audit facts.
    const records = ndjsonRecords(carePlan(viaNdjson.programmes.residential)).map((record) =>
      record.reference === 'ACT-3' ? { ...record, activityTypeCode: 'juggling' } : record,
    );
    const rest = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: viaNdjson.authorization, 'content-type': 'application/x-ndjson' },
      payload: ndjson(records),
    });
    expect(rest.statusCode).toBe(422);
    const facts = ({ action, outcome, statusCode, subjectCount, details }: Json) => {
      const { reportId: _reportId, ...rest } = details;
      return { action, outcome, statusCode, subjectCount, details: rest };
    };
    const [fhirEvents, restEvents] = [await ingestEvents(viaFhir), await ingestEvents(viaNdjson)];
    expect(fhirEvents).toHaveLength(1);
    expect(fhirEvents.map(facts)).toEqual(restEvents.map(facts));
  });

  it('refuses a code of a system the registry does not publish', async () => {
    const institution = await createInstitution(t);
    const bundle = fhirBundle(carePlan(institution.programmes.residential));
    const observation = find(bundle, 'Observation');
    observation.resource.code.coding[0].system = 'http://loinc.org';
    const response = await push(institution, bundle);
    expectOutcome(response, `Bundle.entry[${observation.index}].resource.code`, 'code-invalid', 'INVALID_VALUE');
    await nothingWritten(institution);
  });

  it('refuses a reference to a resource outside the Bundle, naming it, and writes nothing', async () => {
    const institution = await createInstitution(t);
    const bundle = fhirBundle(carePlan(institution.programmes.residential));
    const observation = find(bundle, 'Observation', 5);
    observation.resource.performer = [{ reference: 'Practitioner/123' }];
    const encounter = find(bundle, 'Encounter');
    encounter.resource.episodeOfCare = [{ reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }];
    const response = await push(institution, bundle);
    expect(response.statusCode).toBe(422);
    expectOutcome(response, `Bundle.entry[${observation.index}].resource.performer[0].reference`, 'not-found', 'VALIDATION_FAILED');
    expectOutcome(response, `Bundle.entry[${encounter.index}].resource.episodeOfCare[0].reference`, 'not-found', 'VALIDATION_FAILED');
    await nothingWritten(institution);
  });

  it('answers a body that is no Bundle with 400 and an OperationOutcome', async () => {
    const institution = await createInstitution(t);
    const response = await push(institution, { resourceType: 'Patient' });
    expect(response.statusCode).toBe(400);
    expectOutcome(response, 'Bundle.resourceType', 'structure', 'VALIDATION_FAILED');
  });
});

describe('erasure', () => {
  it('erases a FHIR-pushed youth through the REST erasure, and refuses her next Bundle with an OperationOutcome naming her identifier', async () => {
    const institution = await createInstitution(t);
    const plan = carePlan(institution.programmes.residential);
    expect((await push(institution, fhirBundle(plan))).statusCode).toBe(200);
    const erased = await t.app.inject({
      method: 'POST',
      url: '/api/v1/erasures',
      headers: { authorization: institution.authorization },
      payload: { pseudonym: (plan.trajectory.subject as Json).pseudonym },
    });
    expect(erased.statusCode, erased.body).toBeLessThan(300);
    await nothingWritten(institution);

    const bundle = fhirBundle(plan);
    const patient = find(bundle, 'Patient');
    const again = await push(institution, bundle);
    expect(again.statusCode).toBe(422);
    expectOutcome(again, `Bundle.entry[${patient.index}].resource.identifier[0].value`, 'conflict', 'SUBJECT_ERASED');
    await nothingWritten(institution);
  });
});

describe('batch, idempotency and media types', () => {
  it('writes a batch entry by entry: a refused Observation is answered in its entry, the rest is written', async () => {
    const institution = await createInstitution(t);
    const bundle = fhirBundle(carePlan(institution.programmes.residential), 'batch');
    const observation = find(bundle, 'Observation', 7);
    observation.resource.code.coding[0].code = 'astrology';
    const response = await push(institution, bundle);
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json();
    expect(answer.type).toBe('batch-response');
    const statuses = answer.entry.map((entry: Json) => entry.response.status);
    expect(statuses.filter((status: string) => status !== '200 OK')).toEqual(['422 Unprocessable Entity']);
    expect(statuses[observation.index]).toBe('422 Unprocessable Entity');
    expect(answer.entry[observation.index].response.outcome.issue[0]).toMatchObject({
      code: 'code-invalid',
      expression: [`Bundle.entry[${observation.index}].resource.code.coding[0].code`],
    });
    const report = (await institution.get(`/api/v1/ingest/reports/${answer.id}`)).json();
    expect(report.mode).toBe('per_record');
    expect(report.counts.measurement).toMatchObject({ created: 49, rejected: 1 });
  });

  it('answers a retried Bundle with the first answer, and refuses the key for another Bundle', async () => {
    const institution = await createInstitution(t);
    const bundle = fhirBundle(carePlan(institution.programmes.residential));
    const headers = { 'idempotency-key': 'fhir-retry-once' };
    const first = await push(institution, bundle, headers);
    expect(first.statusCode, first.body).toBe(200);
    const again = await push(institution, bundle, headers);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    const report = (await institution.get(`/api/v1/ingest/reports/${first.json().id}`)).json();
    expect(report.counts.trajectory).toMatchObject({ created: 1, updated: 0, unchanged: 0 });

    const other = await push(institution, fhirBundle(carePlan(institution.programmes.residential)), headers);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('takes application/json as well as application/fhir+json', async () => {
    const institution = await createInstitution(t);
    const response = await push(institution, fhirBundle(carePlan(institution.programmes.residential)), {
      'content-type': 'application/json',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toContain('application/fhir+json');
  });

  it('is for institution keys only', async () => {
    const researcher = await t.authorization('researcher');
    const response = await t.app.inject({
      method: 'POST',
      url: '/fhir/R4',
      headers: { authorization: researcher.authorization, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] }),
    });
    expect(response.statusCode).toBe(403);
  });
});
