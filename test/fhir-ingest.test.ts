import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type FhirResource } from 'fhir-kit-client';
import { carePlan, fhirBundle, ndjsonRecords } from './helpers/fhir-bundle';
import { fhirSchemaErrors } from './helpers/fhir-schema';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { ndjson } from './helpers/records';
import { createTestApp, type TestApp } from './helpers/test-app';

// Issue #28: a FHIR R4 transaction Bundle is written by the ingest engine itself, so what it
// leaves in the registry (the trajectory, its N=1 indicators, the audit trail) is what the same
// data pushed as NDJSON leaves. The Bundle goes over HTTP through a standard FHIR client
// (fhir-kit-client, as an EHR's integration would use one), and it, the CapabilityStatement and
// the answer are valid FHIR R4 JSON by the official schema.

let t: TestApp;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}/fhir/R4`;
});
afterAll(() => t.close());

/** An EHR's FHIR client, with the institution's key. */
const clientOf = (institution: InstitutionFixture) => new Client({ baseUrl, customHeaders: { authorization: institution.authorization } });

const pushNdjson = (institution: InstitutionFixture, records: unknown[]) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/ingest',
    headers: { authorization: institution.authorization, 'content-type': 'application/x-ndjson' },
    payload: ndjson(records),
  });

const INDICATOR_FIELDS = `programmeCode startDate endDate endReason daysInCare exploitationAtIntake researchConsent
  subject { ageAtStart gender mildIntellectualDisability priorYouthCare }
  placements { setting startDay endDay startDate endDate }
  careActivities { activityTypeCode day date count durationMinutes domain parentsInvolved topics }
  dose { activityTypeCode count minutes perMonthInCare }
  series { instrumentCode informant observations { day date value } change reliableChange { rci category } }
  domainStatuses { domain status intakeRecognition }
  outcomeClass problemRecognition { overall } fidelity { summary items { activityTypeCode expected delivered score } }`;

async function indicatorsOf(institution: InstitutionFixture) {
  await t.app.indicators.settle();
  await t.app.indicators.drain();
  const response = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization: institution.authorization, 'content-type': 'application/json' },
    payload: { query: `{ trajectories(first: 10) { nodes { ${INDICATOR_FIELDS} } } }` },
  });
  const body = response.json();
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.trajectories.nodes as Array<Record<string, unknown>>;
}

async function auditOf(institution: InstitutionFixture) {
  const auditor = await t.authorization('auditor');
  const response = await t.app.inject({
    url: `/api/v1/audit/events?institutionCode=${institution.code}&limit=1000`,
    headers: { authorization: auditor.authorization },
  });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().events as Array<Record<string, unknown>>).filter((event) => event.resourceType === 'ingest');
}

/** What an audit event says beyond where it came from (its request, key, route and chain). */
const auditFacts = ({ action, resourceType, role, subjectCount, outcome, statusCode, details }: Record<string, unknown>) => {
  const { reportId: _reportId, ...rest } = (details ?? {}) as Record<string, unknown>;
  return { action, resourceType, role, subjectCount, outcome, statusCode, details: rest };
};

describe('FHIR R4 transaction against the NDJSON twin', () => {
  it('leaves the same trajectory, indicators and audit events as the same data pushed as NDJSON', async () => {
    const viaFhir = await createInstitution(t);
    const viaNdjson = await createInstitution(t);
    const fhirPlan = carePlan(viaFhir.programmes.residential);
    const twinPlan = carePlan(viaNdjson.programmes.residential);

    const client = clientOf(viaFhir);
    const capabilities = (await client.capabilityStatement()) as Record<string, unknown>;
    expect(capabilities).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', date: expect.any(String) });
    expect(fhirSchemaErrors(capabilities)).toEqual([]);
    const bundle = fhirBundle(fhirPlan);
    expect(fhirSchemaErrors(bundle)).toEqual([]);
    // The client throws on an answer other than 2xx.
    const answer = (await client.transaction({ body: { ...bundle, resourceType: 'Bundle' } })) as FhirResource & {
      id: string;
      type: string;
      entry: Array<{ response: { status: string } }>;
    };
    expect(fhirSchemaErrors(answer)).toEqual([]);
    expect(answer.type).toBe('transaction-response');
    expect(answer.entry).toHaveLength(fhirBundle(fhirPlan).entry.length);
    expect(answer.entry.every((entry: { response: { status: string } }) => entry.response.status === '200 OK')).toBe(true);
    const rest = await pushNdjson(viaNdjson, ndjsonRecords(twinPlan));
    expect(rest.statusCode, rest.body).toBe(200);

    // The same report, counted the same way: the Bundle's id is its ingest report.
    const fhirReport = (await viaFhir.get(`/api/v1/ingest/reports/${answer.id}`)).json();
    const restReport = rest.json();
    expect(fhirReport.counts).toEqual(restReport.counts);
    expect(fhirReport.counts.measurement.created).toBe(50);
    expect(fhirReport.counts.care_activity.created).toBe(20);
    expect(fhirReport.counts.placement.created).toBe(2);

    // The trajectory as the REST API shows it.
    const fhirTrajectory = (await viaFhir.get('/api/v1/trajectories/EPISODE-A')).json();
    const restTrajectory = (await viaNdjson.get('/api/v1/trajectories/EPISODE-A')).json();
    // Told apart only by their programme (each institution has its own) and the moment they were written.
    const { programmeCode: fhirProgramme, createdAt: _c1, updatedAt: _u1, ...fhirRest } = fhirTrajectory;
    const { programmeCode: restProgramme, createdAt: _c2, updatedAt: _u2, ...restRest } = restTrajectory;
    expect(fhirProgramme).toBe(viaFhir.programmes.residential);
    expect(restProgramme).toBe(viaNdjson.programmes.residential);
    expect(fhirRest).toEqual(restRest);

    // The N=1 indicators through GraphQL.
    const [fhirIndicators, restIndicators] = [await indicatorsOf(viaFhir), await indicatorsOf(viaNdjson)];
    expect(fhirIndicators).toHaveLength(1);
    const strip = ({ programmeCode: _programme, ...node }: Record<string, unknown>) => node;
    expect(strip(fhirIndicators[0]!)).toEqual(strip(restIndicators[0]!));
    expect((fhirIndicators[0]!.series as unknown[]).length).toBe(13); // three informants' series and ten perspective items

    // The audit trail: the same events, told apart only by the route they came through.
    const [fhirEvents, restEvents] = [await auditOf(viaFhir), await auditOf(viaNdjson)];
    expect(fhirEvents.length).toBeGreaterThan(0);
    expect(fhirEvents.map(auditFacts)).toEqual(restEvents.map(auditFacts));
    expect(new Set(fhirEvents.map((event) => event.operation))).toEqual(new Set(['POST /fhir/R4']));
    expect(new Set(restEvents.map((event) => event.operation))).toEqual(new Set(['POST /api/v1/ingest']));
  });
});
