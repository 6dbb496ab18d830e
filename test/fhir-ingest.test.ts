import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carePlan, fhirBundle, ndjsonRecords } from './helpers/fhir-bundle';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { ndjson } from './helpers/records';
import { createTestApp, type TestApp } from './helpers/test-app';

// Issue #28: a FHIR R4 transaction Bundle is written by the ingest engine itself, so what it
// leaves in the registry (the trajectory, its N=1 indicators, the audit trail) is what the same
// data pushed as NDJSON leaves. The Bundles are sent with app.inject: neither fhir-kit-client nor
// fhirclient is installed in this project.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const FHIR_JSON = 'application/fhir+json';

const pushFhir = (institution: InstitutionFixture, bundle: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/fhir/R4',
    headers: { authorization: institution.authorization, 'content-type': FHIR_JSON, ...headers },
    payload: JSON.stringify(bundle),
  });

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

    const fhir = await pushFhir(viaFhir, fhirBundle(fhirPlan));
    expect(fhir.statusCode, fhir.body).toBe(200);
    expect(fhir.headers['content-type']).toContain(FHIR_JSON);
    const answer = fhir.json();
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
