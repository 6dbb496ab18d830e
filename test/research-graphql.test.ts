import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { addDays, todayIso } from '../src/lib/dates';
import { researchReleaseDate } from '../src/modules/research/research-release';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { careActivityBody, measurementBody, randomPseudonym, trajectoryBody, uniqueReference } from './helpers/records';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';
import { loadTestDemoData } from './helpers/demo-world';

let t: TestApp;
let keys: Record<'researcher' | 'funder' | 'auditor', string>;
/** Researchers see trajectories once they have ended and been released (research-release.ts). */
const ended = { endDate: '2024-09-30', endReason: 'completed' };

async function trajectoryId(reference: string): Promise<string> {
  const [row] = await selectRows<{ id: string }>(t.database.orm, sql`select id from trajectories where reference = ${reference}`);
  return row!.id;
}

beforeAll(async () => {
  t = await createTestApp();
  keys = {
    researcher: (await t.authorization('researcher')).authorization,
    funder: (await t.authorization('funder')).authorization,
    auditor: (await t.authorization('auditor')).authorization,
  };
  // A synthetic background that no test changes: what researchers page through.
  await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 160, seed: 5, asOf: '2026-06-30' });
  for (let index = 0; index < WORLDS; index += 1) worlds.push(await buildWorld());
  // Researchers read research releases: the worlds, frozen.
  expect(await t.releaseResearch()).not.toBeNull();
});

/**
 * Per test: two institutions of its own and six trajectories of three youths whose visibility is
 * known (random pseudonyms, so no other test's youth is linked to them). A test that adds a record
 * (an activity, say) no longer changes what another test computes.
 */
interface World {
  a: InstitutionFixture;
  b: InstitutionFixture;
  granted: string;
  grantedReference: string;
  refused: string;
  linked: string;
  refusedLinked: string;
  open: string;
  recent: string;
}
let world: World;
let ids: World;
/**
 * The worlds, built before the tests and released together: a research release of the whole
 * registry took 3–4 s, and one per test was most of this file's time. A test that adds records
 * releases again; every test asserts only about its own world, so the others' do not matter.
 */
const WORLDS = 20;
const worlds: World[] = [];

async function buildWorld(): Promise<World> {
  const a = await createInstitution(t);
  const b = await createInstitution(t);
  const push = async (at: InstitutionFixture, reference: string, body: Record<string, unknown>) => {
    const response = await at.put(`/api/v1/trajectories/${reference}`, body);
    expect(response.statusCode, response.body).toBe(201);
    return trajectoryId(reference);
  };
  const youth = (pseudonym: string) => ({ ...trajectoryBody().subject, pseudonym });
  const [linkedYouth, refusedYouth, openYouth, recentYouth] = [randomPseudonym(), randomPseudonym(), randomPseudonym(), randomPseudonym()];
  const grantedReference = uniqueReference('G');
  const granted = await push(a, grantedReference, a.trajectoryBody({ subject: youth(linkedYouth), researchConsent: 'granted', ...ended }));
  const linked = await push(
    b,
    uniqueReference('L'),
    b.trajectoryBody({ subject: youth(linkedYouth), researchConsent: 'granted', ...ended }),
  );
  // Consented, but not released to researchers: still open, and ended in the current quarter.
  const open = await push(a, uniqueReference('O'), a.trajectoryBody({ subject: youth(openYouth), researchConsent: 'granted' }));
  const today = todayIso();
  const recent = await push(
    a,
    uniqueReference('N'),
    a.trajectoryBody({
      subject: youth(recentYouth),
      researchConsent: 'granted',
      startDate: addDays(today, -60),
      endDate: today,
      endReason: 'completed',
    }),
  );
  const refused = await push(a, uniqueReference('R'), a.trajectoryBody({ subject: youth(refusedYouth), researchConsent: 'refused' }));
  const refusedLinked = await push(
    b,
    uniqueReference('RL'),
    b.trajectoryBody({ subject: youth(linkedYouth), researchConsent: 'withdrawn', startDate: '2024-06-01' }),
  );
  for (let index = 0; index < 4; index += 1) {
    const measurement = await a.put(
      `/api/v1/measurements/${uniqueReference('M')}`,
      measurementBody(grantedReference, { date: `2024-0${index + 2}-01`, value: 40 - index * 6 }),
    );
    expect(measurement.statusCode, measurement.body).toBe(201);
  }
  return { a, b, granted, grantedReference, refused, linked, refusedLinked, open, recent };
}

beforeEach(async () => {
  // One world per test; should the file outgrow the pool, a test builds and releases its own.
  const next = worlds.pop();
  world = next ?? (await buildWorld());
  ids = world;
  if (!next) await t.releaseResearch();
});
afterAll(() => t.close());

const graphql = (
  authorization: string,
  query: string,
  variables: Record<string, unknown> = {},
  purpose: string | null = 'programme_evaluation',
) =>
  t.app
    .inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization, ...(purpose ? { 'x-purpose-of-use': purpose } : {}) },
      payload: { query, variables },
    })
    .then((response) => response.json());

const EVERY_DATE = `
  id startMonth startDate endDate endDay
  placements { startDay startDate endDate }
  careActivities { day date }
  series { instrumentCode observations { day date value } }
  otherTrajectoriesOfSubject { id startDate endDate }`;

describe('researchers', () => {
  it('must declare a purpose', async () => {
    const result = await graphql(keys.researcher, '{ trajectories(first: 1) { nodes { id } } }', {}, null);
    expect(result.errors[0].extensions.code).toBe('PURPOSE_REQUIRED');
  });

  it('see consented trajectories of every institution, never a non-consented one', async () => {
    const seen = new Set<string>();
    let after: string | null = null;
    do {
      const result: {
        data: {
          trajectories: { nodes: Array<{ id: string; researchConsent: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
        };
      } = await graphql(
        keys.researcher,
        'query($after: String) { trajectories(first: 100, after: $after) { nodes { id researchConsent } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      for (const node of result.data.trajectories.nodes) {
        expect(node.researchConsent).toBe('granted');
        seen.add(node.id);
      }
      after = result.data.trajectories.pageInfo.hasNextPage ? result.data.trajectories.pageInfo.endCursor : null;
    } while (after);
    const releasedBefore = researchReleaseDate(todayIso(), 0);
    const [counts] = await selectRows<{ granted: number }>(
      t.database.orm,
      sql`select count(*)::int as granted from trajectories where research_consent = 'granted' and end_date < ${releasedBefore}::date`,
    );
    expect(seen.size).toBe(counts!.granted);
    expect(seen.has(ids.open) || seen.has(ids.recent)).toBe(false);
    expect(seen.has(ids.granted) && seen.has(ids.linked)).toBe(true);
    expect(seen.has(ids.refused) || seen.has(ids.refusedLinked)).toBe(false);
  });

  it('cannot reach a non-consented trajectory by id, by the subject link, or by a consent filter', async () => {
    expect((await graphql(keys.researcher, `{ trajectory(id: "${ids.refused}") { id } }`)).data.trajectory).toBeNull();
    const linked = await graphql(
      keys.researcher,
      `{ trajectory(id: "${ids.granted}") { otherTrajectoriesOfSubject { id researchConsent } } }`,
    );
    expect(linked.data.trajectory.otherTrajectoriesOfSubject).toEqual([{ id: ids.linked, researchConsent: 'granted' }]);
    const filtered = await graphql(keys.researcher, '{ trajectories(first: 100, filter: { consent: withdrawn }) { nodes { id } } }');
    expect(filtered.data.trajectories.nodes).toEqual([]);
  });

  it('see a trajectory only once it has ended and been released: never an open one (today minus its offsets is its start date)', async () => {
    for (const id of [ids.open, ids.recent]) {
      expect((await graphql(keys.researcher, `{ trajectory(id: "${id}") { id } }`)).data.trajectory, id).toBeNull();
    }
    expect(
      (await graphql(keys.researcher, '{ trajectories(first: 100, filter: { ongoing: true }) { nodes { id } } }')).data.trajectories.nodes,
    ).toEqual([]);
    // Released: the whole trajectory, time in care included (end minus start is an offset, not a date).
    const released = await graphql(keys.researcher, `{ trajectory(id: "${ids.granted}") { daysInCare endDay fidelity { summary } } }`);
    expect(released.data.trajectory).toMatchObject({ daysInCare: 259, endDay: 259, fidelity: { summary: expect.any(Number) } });
    // The institution sees its own open and recent trajectories, with dates.
    for (const id of [ids.open, ids.recent]) {
      const own = await graphql(
        world.a.authorization,
        `{ trajectory(id: "${id}") { daysInCare startDate fidelity { summary } } }`,
        {},
        null,
      );
      expect(own.data.trajectory.daysInCare).toBeGreaterThan(0);
      expect(own.data.trajectory.startDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('never see a calendar date, through any field or nested path', async () => {
    const result = await graphql(
      keys.researcher,
      `{ trajectories(first: 50) { nodes { ${EVERY_DATE} } } trajectory(id: "${ids.granted}") { ${EVERY_DATE} } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.trajectories.nodes.length).toBeGreaterThan(10);
    expect(JSON.stringify(result.data)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(result.data.trajectory.series[0].observations.map((o: { day: number }) => o.day)).toEqual([17, 46, 77, 107]);
  });
});

describe('institutions', () => {
  it('see their own trajectories with real dates, and only their own', async () => {
    const own = await graphql(world.b.authorization, '{ trajectories(first: 100) { nodes { id institutionCode startDate } } }', {}, null);
    expect(own.data.trajectories.nodes.length).toBeGreaterThan(0);
    expect(
      own.data.trajectories.nodes.every(
        (node: { institutionCode: string; startDate: string }) =>
          node.institutionCode === world.b.code && /^\d{4}-\d{2}-\d{2}$/.test(node.startDate),
      ),
    ).toBe(true);
    expect((await graphql(world.b.authorization, `{ trajectory(id: "${ids.granted}") { id } }`)).data.trajectory).toBeNull();
    const linked = await graphql(world.b.authorization, `{ trajectory(id: "${ids.linked}") { otherTrajectoriesOfSubject { id } } }`);
    expect(linked.data.trajectory.otherTrajectoriesOfSubject).toEqual([{ id: ids.refusedLinked }]);
  });
});

describe('funders and auditors', () => {
  it('get no record-level data at all', async () => {
    for (const key of [keys.funder, keys.auditor]) {
      const result = await graphql(key, `{ trajectories(first: 1) { nodes { id } } trajectory(id: "${ids.granted}") { id } }`);
      expect(result.data).toBeNull();
      expect(result.errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toContain('FORBIDDEN');
    }
  });
});

describe('indicators', () => {
  it('are computed per trajectory', async () => {
    const result = await graphql(
      keys.researcher,
      `{ trajectory(id: "${ids.granted}") {
          outcomeClass problemRecognition { overall } domainStatuses { domain status intakeRecognition }
          fidelity { summary coreElements { coreElement score } }
          series { instrumentCode informant change reliableChange { rci reliable category } nonOverlap(phaseStartDay: 40) { nap tau tauU phaseALength phaseBLength reason } } } }`,
    );
    const trajectory = result.data.trajectory;
    // 40 → 22 on trauma symptoms (SD 10, r .90): RCI = 18 / 4.47 = 4.02, reliable improvement.
    expect(trajectory.series[0].reliableChange.rci).toBeCloseTo(18 / Math.sqrt(20), 6);
    expect(trajectory.series[0].reliableChange.category).toBe('recovered');
    expect(trajectory.series[0].nonOverlap).toMatchObject({
      phaseALength: 1,
      phaseBLength: 3,
      nap: null,
      reason: expect.stringMatching(/at least 3/),
    });
    expect(trajectory.domainStatuses).toContainEqual({ domain: 'social_emotional', status: 'improved', intakeRecognition: 'unknown' });
    expect(trajectory.outcomeClass).toBe('insufficient_data');
    // No activities delivered against the programme's fixed offer.
    expect(trajectory.fidelity.summary).toBe(0);
  });

  it('explain themselves: the anchors’ set, the baseline trend and the rule Tau-BC used, and a refusal for conflicting or unknown arguments', async () => {
    // Four more observations after the baseline of four (40, 34, 28, 22 on days 17–107: lower is better).
    for (const [month, value] of [
      ['06', 20],
      ['07', 18],
      ['08', 21],
      ['09', 17],
    ] as const) {
      const measurement = await world.a.put(
        `/api/v1/measurements/${uniqueReference('M')}`,
        measurementBody(world.grantedReference, { date: `2024-${month}-01`, value }),
      );
      expect(measurement.statusCode, measurement.body).toBe(201);
    }
    await t.releaseResearch();
    const FIELDS =
      'nap tau tauBC pnd pem pand ird smd lrr unavailable { indicator reason } baselineTrend { slope kendallTau p corrected timeIndex correction alpha } phaseALength phaseBLength reason';
    const result = await graphql(
      keys.researcher,
      `{ trajectory(id: "${ids.granted}") { series {
          tarlow: nonOverlap(phaseStartDay: 120) { ${FIELDS} }
          always: nonOverlap(phaseStartDay: 120, baselineCorrection: always) { ${FIELDS} } } } }`,
    );
    expect(result.errors).toBeUndefined();
    const { tarlow, always } = result.data.trajectory.series[0];
    expect(tarlow).toMatchObject({ phaseALength: 4, phaseBLength: 4, reason: null, pnd: 1, pem: 1, pand: 1, ird: 1, nap: 1, tau: 1 });
    // A perfect baseline trend of four (p = 2/24 = .083, exact): not significant, so Tau-BC is Tau.
    expect(tarlow.baselineTrend).toMatchObject({ corrected: false, timeIndex: 'session', correction: 'if_significant', alpha: 0.05 });
    expect(tarlow.baselineTrend.p).toBeCloseTo(2 / 24, 9);
    expect(tarlow.baselineTrend.kendallTau).toBe(1);
    expect(tarlow.tauBC).toBe(tarlow.tau);
    expect(always.baselineTrend.corrected).toBe(true);
    expect(always.tauBC).not.toBe(always.tau);
    expect(tarlow.smd).toBeGreaterThan(0);
    expect(tarlow.lrr).toBeGreaterThan(0);
    expect(tarlow.unavailable).toEqual([]);

    const codes = async (args: string) =>
      (await graphql(keys.researcher, `{ trajectory(id: "${ids.granted}") { series { nonOverlap(${args}) { nap } } } }`)).errors?.map(
        (error: { extensions: { code: string; field?: string } }) => [error.extensions.code, error.extensions.field],
      );
    expect(await codes('phaseStartDay: 40, phaseStartActivityType: "mentor_conversation"')).toContainEqual([
      'VALIDATION_FAILED',
      'nonOverlap',
    ]);
    expect(await codes('phaseStartActivityType: "not_a_type_123456782"')).toContainEqual([
      'VALIDATION_FAILED',
      'nonOverlap.phaseStartActivityType',
    ]);
    expect(await codes('phaseStartDay: 40, trendAlpha: 1.5')).toContainEqual(['VALIDATION_FAILED', 'nonOverlap.trendAlpha']);
    // The unknown code is not repeated back.
    const echoed = await graphql(
      keys.researcher,
      `{ trajectory(id: "${ids.granted}") { series { nonOverlap(phaseStartActivityType: "x123456782") { nap } } } }`,
    );
    expect(JSON.stringify(echoed.errors)).not.toContain('123456782');
  });

  it('split phases at the first activity of a chosen type (loaded only when asked)', async () => {
    const reference = world.grantedReference;
    const activity = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/care-activities/${uniqueReference('A')}`,
      headers: { authorization: world.a.authorization },
      payload: careActivityBody(reference, { date: '2024-03-15' }),
    });
    expect(activity.statusCode, activity.body).toBe(201);
    // Researchers see the activity from the next release on.
    await t.releaseResearch();
    const result = await graphql(
      keys.researcher,
      `{ trajectory(id: "${ids.granted}") { series {
          byActivity: nonOverlap(phaseStartActivityType: "mentor_conversation") { phaseALength phaseBLength reason }
          absent: nonOverlap(phaseStartActivityType: "family_therapy") { phaseALength phaseBLength reason } } } }`,
    );
    expect(result.errors).toBeUndefined();
    // Observations on days 17, 46, 77, 107; the conversation on day 60.
    expect(result.data.trajectory.series[0].byActivity).toMatchObject({
      phaseALength: 2,
      phaseBLength: 2,
      reason: expect.stringMatching(/at least 3/),
    });
    expect(result.data.trajectory.series[0].absent).toMatchObject({
      phaseALength: 4,
      phaseBLength: 0,
      reason: 'no activity of that type in this trajectory',
    });
  });
});

describe('limits', () => {
  it('refuses a document with several operations (compiled queries are cached by their text)', async () => {
    const document = `query A { trajectories(first: 1) { nodes { id } } } query B { apiVersion }`;
    for (const operationName of ['A', 'B']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: keys.researcher, 'x-purpose-of-use': 'programme_evaluation' },
        payload: { query: document, operationName },
      });
      expect(response.json().errors[0].extensions.code).toBe('VALIDATION_FAILED');
      expect(response.json().data ?? null).toBeNull();
    }
  });

  it('answers a repeated (compiled) query exactly as the first time, scope included', async () => {
    const query = `{ trajectories(first: 30) { nodes { ${EVERY_DATE} outcomeClass researchConsent } } }`;
    const first = await graphql(keys.researcher, query);
    expect(first.errors).toBeUndefined();
    for (let repeat = 0; repeat < 3; repeat += 1) {
      const again = await graphql(keys.researcher, query);
      expect(again).toEqual(first);
      expect(JSON.stringify(again.data)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(again.data.trajectories.nodes.every((node: { researchConsent: string }) => node.researchConsent === 'granted')).toBe(true);
    }
    // The same text for an institution: its own scope and real dates, not the researcher's compiled answer.
    const own = await graphql(world.a.authorization, query, {}, null);
    expect(own.data.trajectories.nodes.length).toBeGreaterThan(0);
    expect(JSON.stringify(own.data)).toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it('count the whole list under its filter in totalCount, the same as the pages together', async () => {
    const pages = async (authorization: string, filter: Record<string, unknown>) => {
      let after: string | null = null;
      let listed = 0;
      let totals: number[] = [];
      do {
        const result = await graphql(
          authorization,
          'query ($after: String, $filter: TrajectoryFilter) { trajectories(first: 30, after: $after, filter: $filter) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }',
          { after, filter },
        );
        expect(result.errors).toBeUndefined();
        const connection = result.data.trajectories;
        listed += connection.nodes.length;
        totals = [...totals, connection.totalCount];
        after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      } while (after);
      return { listed, totals: [...new Set(totals)] };
    };
    // A researcher over the release (the demo background and this test's world), whole and filtered.
    const whole = await pages(keys.researcher, {});
    expect(whole.listed).toBeGreaterThan(30);
    expect(whole.totals).toEqual([whole.listed]);
    const girls = await pages(keys.researcher, { gender: 'girl', endReason: 'completed' });
    expect(girls.listed).toBeGreaterThan(0);
    expect(girls.listed).toBeLessThan(whole.listed);
    expect(girls.totals).toEqual([girls.listed]);
    // A consent a researcher never reads: nothing, and a total of nothing.
    expect(await pages(keys.researcher, { consent: 'refused' })).toEqual({ listed: 0, totals: [0] });
    // An institution over its live records: this test's institution holds four of them.
    expect(await pages(world.a.authorization, {})).toEqual({ listed: 4, totals: [4] });
    expect(await pages(world.a.authorization, { ongoing: true })).toEqual({ listed: 2, totals: [2] });
  });

  it('caps the page size', async () => {
    const result = await graphql(keys.researcher, '{ trajectories(first: 101) { nodes { id } } }');
    expect(result.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'first' });
  });

  it('refuses too many aliases and too costly queries', async () => {
    const aliases = Array.from({ length: 30 }, (_, index) => `a${index}: apiVersion`).join(' ');
    const manyAliases = await graphql(keys.researcher, `{ ${aliases} }`);
    expect(manyAliases.errors[0].extensions.code).toBe('VALIDATION_FAILED');
    const costly = await graphql(
      keys.researcher,
      '{ trajectories(first: 100) { nodes { otherTrajectoriesOfSubject { otherTrajectoriesOfSubject { otherTrajectoriesOfSubject { series { observations { value } } } } } } } }',
    );
    expect(costly.errors[0].extensions.code).toBe('VALIDATION_FAILED');
  });

  /** Counts the SQL statements of the research loaders while `run` runs. */
  async function countStatements(run: () => Promise<void>): Promise<number> {
    const original = t.database.query.bind(t.database);
    let statements = 0;
    (t.database as { query: typeof original }).query = (text, params) => {
      statements += 1;
      return original(text, params);
    };
    try {
      await run();
      return statements;
    } finally {
      (t.database as { query: typeof original }).query = original;
    }
  }

  const pageOf = (fields: string) => async (first: number) => {
    const result = await graphql(keys.researcher, `query($first: Int) { trajectories(first: $first) { nodes { ${fields} } } }`, { first });
    expect(result.errors).toBeUndefined();
    expect(result.data.trajectories.nodes).toHaveLength(first);
  };

  it('uses as many SQL statements for a page of 100 as for a page of 1', async () => {
    const page = pageOf(`id subject { ageAtStart } placements { setting } careActivities { day } dose { count }
      series { change reliableChange { rci } } outcomeClass problemRecognition { overall } fidelity { summary }`);
    await page(1); // the instrument catalogue is cached per process: load it outside the count
    const one = await countStatements(() => page(1));
    const hundred = await countStatements(() => page(100));
    expect(hundred).toBe(one);
    expect(one).toBeLessThanOrEqual(8);
  });

  it('loads the other trajectories of each youth in a constant number of statements too', async () => {
    // The page, the links between trajectories, and the linked trajectories: three at most,
    // however many youths on the page have other trajectories.
    const page = pageOf('id otherTrajectoriesOfSubject { id subject { gender } }');
    for (const first of [1, 20, 100]) expect(await countStatements(() => page(first))).toBeLessThanOrEqual(3);
  });
});

describe('auditing', () => {
  it('records each record-level read with the subjects it returned and the operation', async () => {
    await graphql(keys.researcher, `query ReadOne { trajectory(id: "${ids.granted}") { id otherTrajectoriesOfSubject { id } } }`);
    const [event] = await selectRows<{ operation: string; subject_count: number; purpose: string; role: string }>(
      t.database.orm,
      sql`select operation, subject_count, purpose, role from audit_events order by chain_position desc limit 1`,
    );
    expect(event).toEqual({ operation: 'graphql ReadOne', subject_count: 1, purpose: 'programme_evaluation', role: 'researcher' });
  });
});
