import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

// Issue #28: the registry's catalogues as FHIR CodeSystems, so an EHR can map its codes to them,
// and a CapabilityStatement that says what the endpoint takes.

let t: TestApp;
let authorization: string;
beforeAll(async () => {
  t = await createTestApp();
  authorization = (await t.authorization('researcher')).authorization;
});
afterAll(() => t.close());

const get = (url: string) => t.app.inject({ url, headers: { authorization } });

describe('FHIR CodeSystems and CapabilityStatement', () => {
  it('publishes each catalogue as a CodeSystem with exactly the codes the REST catalogue lists', async () => {
    const list = await get('/fhir/R4/CodeSystem');
    expect(list.statusCode, list.body).toBe(200);
    expect(list.headers['content-type']).toContain('application/fhir+json');
    const ids = list.json().entry.map((entry: { resource: { id: string } }) => entry.resource.id);
    expect(ids).toEqual(expect.arrayContaining(['programmes', 'activity-types', 'instruments', 'informants', 'settings', 'domains']));

    const catalogues: Array<[string, string, string]> = [
      ['activity-types', '/api/v1/catalogue/activity-types', 'activityTypes'],
      ['instruments', '/api/v1/catalogue/instruments', 'instruments'],
      ['programmes', '/api/v1/programmes', 'programmes'],
    ];
    for (const [id, url, key] of catalogues) {
      const system = (await get(`/fhir/R4/CodeSystem/${id}`)).json();
      const rest = (await get(url)).json();
      const restCodes = (rest[key] as Array<{ code: string }>).map((item) => item.code).sort();
      expect(system.concept.map((concept: { code: string }) => concept.code).sort(), id).toEqual(restCodes);
      expect(system.count).toBe(restCodes.length);
      expect(system.url).toBe(`https://registry.example.org/fhir/CodeSystem/${id}`);
    }
    const instruments = (await get('/fhir/R4/CodeSystem/instruments')).json();
    const trauma = instruments.concept.find((concept: { code: string }) => concept.code === 'trauma_symptoms');
    expect(trauma.property).toEqual(
      expect.arrayContaining([
        { code: 'higherIsBetter', valueBoolean: false },
        { code: 'informant', valueCode: 'clinician' },
        { code: 'informant', valueCode: 'youth' },
      ]),
    );
  });

  it('answers an unknown CodeSystem with 404', async () => {
    expect((await get('/fhir/R4/CodeSystem/horoscopes')).statusCode).toBe(404);
  });

  it('says what is supported: FHIR 4.0.1, transaction and batch, the mapped resource types', async () => {
    const response = await get('/fhir/R4/metadata');
    expect(response.statusCode).toBe(200);
    const statement = response.json();
    expect(statement).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const [rest] = statement.rest;
    expect(rest.interaction.map((interaction: { code: string }) => interaction.code)).toEqual(['transaction', 'batch']);
    expect(rest.resource.map((resource: { type: string }) => resource.type).sort()).toEqual(
      [
        'CodeSystem',
        'Encounter',
        'EpisodeOfCare',
        'Observation',
        'Patient',
        'PractitionerRole',
        'Procedure',
        'QuestionnaireResponse',
        'RelatedPerson',
      ].sort(),
    );
  });
});
