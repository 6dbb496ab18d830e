import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { createInstitution } from './helpers/institution-fixture';
import { measurementBody, ndjson, pseudonymFor, uniqueReference } from './helpers/records';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';
import { loadTestDemoData } from './helpers/demo-world';

// The indicators kept up to date for the statistics must equal what the research API computes
// from scratch, after ingest, after an update, and after an erasure.

let t: TestApp;
let researcher: string;

beforeAll(async () => {
  t = await createTestApp();
  researcher = (await t.authorization('researcher')).authorization;
});
afterAll(() => t.close());

interface StoredIndicators {
  trajectory_id: string;
  outcome_class: string;
  problem_recognition: string;
  statuses: string[];
  fidelity_summary: number | null;
  core: Array<number | null>;
  doses: Array<{ activityTypeCode: string; count: number; minutes: number; perMonthInCare: number }> | null;
}

async function stored(): Promise<Map<string, StoredIndicators>> {
  const rows = await selectRows<StoredIndicators>(
    t.database.orm,
    sql`select i.trajectory_id, i.outcome_class, i.problem_recognition,
               array[i.status_exploitation_resilience, i.status_social_emotional, i.status_family_network, i.status_participation] as statuses,
               i.fidelity_summary, array[i.fidelity_diagnostics_safety, i.fidelity_living_climate, i.fidelity_mentor_conversations] as core,
               (select json_agg(json_build_object('activityTypeCode', d.activity_type_code, 'count', d.count, 'minutes', d.minutes, 'perMonthInCare', d.per_month_in_care)
                                order by d.activity_type_code)
                  from trajectory_doses d where d.trajectory_id = i.trajectory_id) as doses
          from trajectory_indicators i`,
  );
  return new Map(rows.map((row) => [row.trajectory_id, row]));
}

const FIELDS = `id outcomeClass problemRecognition { overall } domainStatuses { domain status }
  fidelity { summary coreElements { coreElement score } } dose { activityTypeCode count minutes perMonthInCare }`;

interface Computed {
  id: string;
  outcomeClass: string;
  problemRecognition: { overall: string };
  domainStatuses: Array<{ domain: string; status: string }>;
  fidelity: { summary: number | null; coreElements: Array<{ coreElement: string; score: number }> } | null;
  dose: Array<{ activityTypeCode: string; count: number; minutes: number; perMonthInCare: number | null }>;
}

type Page = { nodes: Computed[]; pageInfo: { hasNextPage: boolean; endCursor: string } };

async function computed(authorization: string): Promise<Computed[]> {
  const nodes: Computed[] = [];
  let after: string | null = null;
  do {
    const response: { json(): { data: { trajectories: Page } } } = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization, 'x-purpose-of-use': 'system_test' },
      payload: {
        query: `query($after: String) { trajectories(first: 100, after: $after) { nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } } }`,
        variables: { after },
      },
    });
    const page = response.json().data.trajectories;
    nodes.push(...page.nodes);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

function expectEqual(fresh: Computed[], kept: Map<string, StoredIndicators>) {
  expect(fresh.length).toBeGreaterThan(0);
  for (const node of fresh) {
    const row = kept.get(node.id);
    expect(row, `indicators of ${node.id}`).toBeDefined();
    expect(row!.outcome_class).toBe(node.outcomeClass);
    expect(row!.problem_recognition).toBe(node.problemRecognition.overall);
    expect(row!.statuses).toEqual(
      ['exploitation_resilience', 'social_emotional', 'family_network', 'participation'].map(
        (domain) => node.domainStatuses.find((entry) => entry.domain === domain)!.status,
      ),
    );
    // Researchers get no time-dependent figures for open trajectories; institutions get them all.
    if (node.fidelity === null) continue;
    expect(row!.fidelity_summary).toBeCloseTo(node.fidelity.summary ?? Number.NaN, 9);
    const core = (name: string) => node.fidelity!.coreElements.find((entry) => entry.coreElement === name)?.score ?? null;
    expect(row!.core).toEqual([core('diagnostics_safety'), core('living_climate'), core('mentor_conversations')]);
    expect(row!.doses ?? []).toEqual(node.dose.map((dose) => ({ ...dose, perMonthInCare: expect.closeTo(dose.perMonthInCare!, 9) })));
  }
}

async function settle() {
  await t.app.indicators.settle();
  await t.app.indicators.drain();
}

describe('indicators kept up to date', () => {
  it('equal the research API’s own computation for a synthetic registry', async () => {
    await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 60, seed: 11, asOf: '2026-06-30' });
    expect(await t.app.indicators.enqueueStale()).toBe(60);
    await settle();
    // Researchers read a research release, made after the indicators were stored.
    expect(await t.releaseResearch()).not.toBeNull();
    const fresh = await computed(researcher);
    expectEqual(fresh, await stored());
    // The research API filters by the stored classes.
    const improved = fresh
      .filter((node) => node.outcomeClass === 'improved')
      .map((node) => node.id)
      .sort();
    const filtered = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: researcher, 'x-purpose-of-use': 'system_test' },
      payload: { query: '{ trajectories(first: 100, filter: { outcomeClass: improved }) { nodes { id } } }' },
    });
    expect(
      filtered
        .json()
        .data.trajectories.nodes.map((node: { id: string }) => node.id)
        .sort(),
    ).toEqual(improved);
  });

  it('follow ingest, an update and an erasure', async () => {
    // An institution of this test's own: the institution's view holds only this trajectory.
    const own = await createInstitution(t);
    const institution = own.authorization;
    const reference = uniqueReference('T');
    const pseudonym = pseudonymFor(900);
    const youth = { ...own.trajectoryBody().subject, pseudonym };
    const lines = [
      { type: 'trajectory', reference, ...own.trajectoryBody({ subject: youth, startDate: '2024-01-10' }) },
      ...[34, 30, 27].map((value, index) => ({
        type: 'measurement',
        reference: `${reference}-M${index}`,
        ...measurementBody(reference, { date: `2024-0${index + 2}-01`, value }),
      })),
    ];
    const pushed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: institution, 'content-type': 'application/x-ndjson' },
      payload: ndjson(lines),
    });
    expect(pushed.statusCode).toBe(200);
    await settle();
    const id = (await selectRows<{ id: string }>(t.database.orm, sql`select id from trajectories where reference = ${reference}`))[0]!.id;
    const before = (await stored()).get(id)!;
    expect(before.statuses[1]).toBe('unchanged');
    expectEqual(await computed(institution), await stored());

    // A later score turns the series into a reliable improvement.
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/measurements/${reference}-M3`,
      headers: { authorization: institution },
      payload: measurementBody(reference, { date: '2024-06-01', value: 12 }),
    });
    await settle();
    expect((await stored()).get(id)!.statuses[1]).toBe('improved');
    expectEqual(await computed(institution), await stored());

    await t.app.inject({ method: 'POST', url: '/api/v1/erasures', headers: { authorization: institution }, payload: { pseudonym } });
    expect((await stored()).has(id)).toBe(false);
    const [doses] = await selectRows<{ n: number }>(
      t.database.orm,
      sql`select count(*)::int as n from trajectory_doses where trajectory_id = ${id}`,
    );
    expect(doses!.n).toBe(0);
  });
});
