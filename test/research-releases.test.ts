import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionWithoutRecords } from '../src/db/unit-of-work';
import { addDays, todayIso } from '../src/lib/dates';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { measurementBody, randomPseudonym, trajectoryBody, uniqueReference } from './helpers/records';
import type { ReleaseView } from '../src/modules/research';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';
import { loadTestDemoData } from './helpers/demo-world';

// Research releases (issue #24): researchers read frozen, versioned snapshots. What an
// institution changes after a release (a corrected value, an end date moved, an erasure) must
// leave the published release as it was (except the erasure, which the law makes immediate and
// the release lists), and reach the next release.

let t: TestApp;
let researcher: string;
let a: InstitutionFixture;

const ENDED = { endDate: '2024-09-30', endReason: 'completed' };
const PAGE = `query Page($after: String, $release: ID) {
  trajectories(first: 100, after: $after, release: $release) {
    nodes { id endDay daysInCare outcomeClass series { instrumentCode informant observations { day value } } placements { setting startDay } }
    pageInfo { hasNextPage endCursor }
    release { id cutoff contentDigest citation withdrawnTrajectoryIds }
  }
}`;

async function graphql(authorization: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization, 'x-purpose-of-use': 'programme_evaluation' },
    payload: { query, variables },
  });
  return response.json();
}

/** Every trajectory of a release as a researcher pages through it, and the release the answer names. */
async function readAll(release: string | null = null) {
  const nodes: Array<Record<string, unknown> & { id: string }> = [];
  let after: string | null = null;
  let named: Record<string, unknown> | null = null;
  for (;;) {
    const body = await graphql(researcher, PAGE, { after, release });
    expect(body.errors).toBeUndefined();
    const page = body.data.trajectories;
    nodes.push(...page.nodes);
    named = page.release;
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { nodes, release: named as { id: string; contentDigest: string; withdrawnTrajectoryIds: string[] } | null };
}

const push = async (reference: string, body: Record<string, unknown>) => {
  const response = await a.put(`/api/v1/trajectories/${reference}`, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
};
const measure = async (reference: string, trajectory: string, value: number) => {
  const response = await a.put(`/api/v1/measurements/${reference}`, measurementBody(trajectory, { date: '2024-03-01', value }));
  expect(response.statusCode, response.body).toBeLessThan(300);
};

const corrected = { trajectory: uniqueReference('C'), measurement: uniqueReference('M') };
const moved = uniqueReference('E');
/** What a researcher read before the first release, the first release, and a second one made at once after it. */
let beforeFirst: Awaited<ReturnType<typeof readAll>>;
let first: ReleaseView;
let second: ReleaseView | null;
const youth = () => ({ ...trajectoryBody().subject, pseudonym: randomPseudonym() });
const movedSubject = youth();

beforeAll(async () => {
  t = await createTestApp();
  researcher = (await t.authorization('researcher')).authorization;
  await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 120, seed: 8, asOf: '2026-06-30' });
  a = await createInstitution(t);
  await push(corrected.trajectory, a.trajectoryBody({ subject: youth(), ...ENDED }));
  await measure(corrected.measurement, corrected.trajectory, 30);
  await push(moved, a.trajectoryBody({ subject: movedSubject, ...ENDED }));
  beforeFirst = await readAll();
  first = (await t.releaseResearch())!;
  second = await t.releaseResearch();
});
afterAll(() => t.close());

describe('research releases', () => {
  it('give researchers nothing before the first release, and name the release they read after it', async () => {
    expect(beforeFirst.nodes).toEqual([]);
    expect(beforeFirst.release).toBeNull();
    expect(first).not.toBeNull();
    const read = await readAll(first.id);
    expect(read.release?.id).toBe(first.id);
    expect(read.nodes.length).toBe(first.trajectories);
    expect(read.nodes.length).toBeGreaterThan(10);
    expect(first.citation).toContain(first.id);
    // Nothing new: no new version to cite.
    expect(second).toBeNull();
  });

  it('stay as published when an institution corrects a value or moves an end date, and show both in the next release', async () => {
    const published = await readAll(first.id);
    const ids = await t.database.query<{ id: string; reference: string }>(
      'select id, reference from trajectories where reference = any($1::text[])',
      [[corrected.trajectory, moved]],
    );
    const idOf = (reference: string) => ids.rows.find((row) => row.reference === reference)!.id;
    const valueIn = (nodes: typeof published.nodes) =>
      (nodes.find((node) => node.id === idOf(corrected.trajectory))!.series as Array<{ observations: Array<{ value: number }> }>)[0]!
        .observations[0]!.value;
    expect(valueIn(published.nodes)).toBe(30);
    expect(published.nodes.some((node) => node.id === idOf(moved))).toBe(true);

    // The correction, and an end date moved into the current quarter (not released yet).
    await measure(corrected.measurement, corrected.trajectory, 12);
    await push(moved, a.trajectoryBody({ subject: movedSubject, endDate: todayIso(), endReason: 'completed' }));

    const again = await readAll(first.id);
    expect(again).toEqual(published);
    const next = await t.releaseResearch();
    expect(next).not.toBeNull();
    expect(next!.id).not.toBe(first.id);
    const latest = await readAll();
    expect(latest.release?.id).toBe(next!.id);
    expect(valueIn(latest.nodes)).toBe(12);
    expect(latest.nodes.some((node) => node.id === idOf(moved))).toBe(false);
    // The first is still there to cite, unchanged.
    expect(await readAll(first.id)).toEqual(published);
    const { data } = await graphql(researcher, '{ releases { id cutoff trajectories citation } }');
    expect(data.releases.map((release: { id: string }) => release.id)).toEqual(expect.arrayContaining([first.id, next!.id]));
  });

  it('lose an erased youth at once, in every release, and list her ids', async () => {
    const pseudonym = randomPseudonym();
    const reference = uniqueReference('X');
    await push(reference, a.trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym }, ...ENDED }));
    const { rows } = await t.database.query<{ id: string }>('select id from trajectories where reference = $1', [reference]);
    const erased = rows[0]!.id;
    const holding = [(await t.releaseResearch())!.id];
    // Another release after a further push: two releases hold her.
    await push(uniqueReference('Y'), a.trajectoryBody({ subject: youth(), ...ENDED }));
    holding.push((await t.releaseResearch())!.id);
    for (const release of holding) expect((await readAll(release)).nodes.some((node) => node.id === erased)).toBe(true);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/erasures',
      headers: { authorization: a.authorization },
      payload: { pseudonym },
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
    for (const release of holding) {
      const read = await readAll(release);
      expect(read.nodes.some((node) => node.id === erased)).toBe(false);
      expect(read.release!.withdrawnTrajectoryIds).toContain(erased);
    }
    // A release she was never in lists nothing of hers.
    expect((await readAll(first.id)).release!.withdrawnTrajectoryIds).not.toContain(erased);
    const stored = await t.database.query<{ n: number }>(
      'select count(*)::int as n from research_release_trajectories where trajectory_id = $1',
      [erased],
    );
    expect(stored.rows[0]!.n).toBe(0);
  });

  it('tell an institution whether researchers see each of its trajectories, and why not', async () => {
    const b = await createInstitution(t);
    const pushAt = async (reference: string, body: Record<string, unknown>) =>
      expect((await b.put(`/api/v1/trajectories/${reference}`, body)).statusCode).toBeLessThan(300);
    const references = {
      released: uniqueReference('R'),
      later: uniqueReference('N'),
      open: uniqueReference('O'),
      refused: uniqueReference('X'),
    };
    await pushAt(references.released, b.trajectoryBody({ subject: youth(), ...ENDED }));
    await pushAt(references.refused, b.trajectoryBody({ subject: youth(), ...ENDED, researchConsent: 'refused' }));
    await pushAt(references.open, b.trajectoryBody({ subject: youth() }));
    expect(await t.releaseResearch()).not.toBeNull();
    await pushAt(references.later, b.trajectoryBody({ subject: youth(), ...ENDED }));
    const { rows } = await t.database.query<{ id: string; reference: string }>(
      'select id, reference from trajectories where institution_id = $1',
      [b.id],
    );
    const referenceOf = new Map(rows.map((row) => [row.id, row.reference]));
    const seen = await graphql(b.authorization, '{ trajectories(first: 100) { nodes { id researchAvailability } } }');
    expect(seen.errors).toBeUndefined();
    const availability = Object.fromEntries(
      seen.data.trajectories.nodes.map((node: { id: string; researchAvailability: string }) => [
        referenceOf.get(node.id),
        node.researchAvailability,
      ]),
    );
    expect(availability).toEqual({
      [references.released]: 'released',
      [references.later]: 'not_yet_released',
      [references.open]: 'open',
      [references.refused]: 'no_consent',
    });
    // What researchers read is released, by definition.
    const read = await graphql(researcher, '{ trajectories(first: 5) { nodes { researchAvailability } } }');
    expect(read.data.trajectories.nodes.map((node: { researchAvailability: string }) => node.researchAvailability)).toEqual(
      expect.arrayContaining(['released']),
    );
    expect(new Set(read.data.trajectories.nodes.map((node: { researchAvailability: string }) => node.researchAvailability))).toEqual(
      new Set(['released']),
    );
  });

  it('come with the statistics run: the calendar’s each period, an operator’s only the period’s first; the administrator makes one on request', async () => {
    const before = (await t.app.researchReleases.list()).length;
    expect(before).toBeGreaterThan(0);
    // This period has releases already: an operator's statistics run makes none, even after a change.
    await push(uniqueReference('S'), a.trajectoryBody({ subject: youth(), ...ENDED }));
    await t.app.statisticsReleases.release();
    expect((await t.app.researchReleases.list()).length).toBe(before);
    // A calendar run of a new period makes that period's release.
    await t.app.statisticsReleases.release({ trigger: 'calendar', now: new Date(Date.UTC(2031, 0, 15)) });
    const after = await t.app.researchReleases.list();
    expect(after.length).toBe(before + 1);
    expect(after[0]!.id).toBe('2031-Q1.1');
    // The administrator's route: made when anything changed, else the latest.
    const admin = (await t.authorization('admin')).authorization;
    const post = () => t.app.inject({ method: 'POST', url: '/api/v1/admin/research/releases', headers: { authorization: admin } });
    await push(uniqueReference('S'), a.trajectoryBody({ subject: youth(), ...ENDED }));
    const made = await post();
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).toMatchObject({ made: true, release: { id: expect.any(String) } });
    expect((await post()).json()).toMatchObject({ made: false, release: { id: made.json().release.id } });
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/admin/research/releases', headers: { authorization: researcher } });
    expect(refused.statusCode).toBe(403);
  });

  it('are read only once published: what changes while one is made in batches is settled when it is published', async () => {
    const { repository } = t.app.researchReleases;
    const twice = youth();
    const thrice = youth();
    const erasedYouth = youth();
    const references = {
      twice: [uniqueReference('T'), uniqueReference('T')],
      thrice: [uniqueReference('H'), uniqueReference('H'), uniqueReference('H')],
      erased: uniqueReference('X'),
    };
    for (const [index, reference] of references.twice.entries())
      await push(reference, a.trajectoryBody({ subject: twice, startDate: `2023-0${index + 1}-01`, ...ENDED }));
    for (const [index, reference] of references.thrice.entries())
      await push(reference, a.trajectoryBody({ subject: thrice, startDate: `2023-0${3 - index}-01`, ...ENDED }));
    await push(references.erased, a.trajectoryBody({ subject: erasedYouth, ...ENDED }));
    const { rows } = await t.database.query<{ id: string; reference: string }>(
      'select id, reference from trajectories where reference = any($1::text[])',
      [[...references.twice, ...references.thrice, references.erased]],
    );
    const idOf = (reference: string) => rows.find((row) => row.reference === reference)!.id;

    const id = '2040-Q1.1';
    const cutoff = todayIso();
    await repository.begin(t.database, { id, cutoff, statisticsReleaseId: null, manifest: {} });
    const releasable = await repository.releasable(cutoff);
    expect(releasable).toEqual(expect.arrayContaining(rows.map((row) => row.id)));
    const half = Math.ceil(releasable.length / 2);
    await repository.freeze(t.database, id, cutoff, releasable.slice(0, half));
    expect((await t.app.researchReleases.list()).map((release) => release.id)).not.toContain(id);
    expect((await t.app.researchReleases.get(null))?.id).not.toBe(id);
    expect(await t.app.researchReleases.get(id)).toBeNull();
    await repository.freeze(t.database, id, cutoff, releasable.slice(half));

    // While it is pending: one of a youth's two trajectories loses its consent, another youth is erased.
    await push(references.twice[1]!, a.trajectoryBody({ subject: twice, startDate: '2023-02-01', ...ENDED, researchConsent: 'withdrawn' }));
    const erasure = await t.app.inject({
      method: 'POST',
      url: '/api/v1/erasures',
      headers: { authorization: a.authorization },
      payload: { pseudonym: erasedYouth.pseudonym },
    });
    expect(erasure.statusCode, erasure.body).toBeLessThan(300);

    const made = await transactionWithoutRecords(t.database, (connection) => repository.publish(connection, id, cutoff));
    const release = (await t.app.researchReleases.get(id))!;
    expect(release.trajectories).toBe(made.trajectories);
    expect(release.trajectories).toBe(releasable.length - 2);
    // Nobody read it before it was published: her erasure is no withdrawal of this release.
    expect(release.withdrawn).toBe(0);
    expect(await repository.holding(id, [idOf(references.twice[1]!), idOf(references.erased)])).toEqual([]);
    const documents = await repository.documents(
      id,
      rows.map((row) => row.id),
    );
    const others = new Map(documents.map((document) => [document.row.id, document.others]));
    expect(others.get(idOf(references.twice[0]!))).toEqual([]);
    // By start date: the third pushed started first.
    const [h0, h1, h2] = references.thrice.map(idOf);
    expect(others.get(h0!)).toEqual([h2, h1]);
    expect(others.get(h2!)).toEqual([h1, h0]);
  });

  it('refuse an unknown release, two releases in one request, and a release for an institution', async () => {
    const unknown = await graphql(researcher, '{ trajectories(release: "1999-Q1.1") { nodes { id } } }');
    expect(unknown.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'release' });
    await t.releaseResearch();
    const [latest] = await t.app.researchReleases.list();
    const two = await graphql(
      researcher,
      `{ x: trajectories(release: "${latest!.id}") { nodes { id } } y: trajectories(release: "1999-Q1.1") { nodes { id } } }`,
    );
    expect(two.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'release' });
    const institution = await graphql(a.authorization, `{ trajectories(release: "${latest!.id}") { nodes { id } } }`);
    expect(institution.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'release' });
    // Institutions keep their live view: a trajectory pushed now is there at once.
    const reference = uniqueReference('L');
    await push(reference, a.trajectoryBody({ subject: youth(), startDate: addDays(todayIso(), -30) }));
    const live = await graphql(a.authorization, '{ trajectories(first: 100) { nodes { id } release { id } } }');
    expect(live.errors).toBeUndefined();
    expect(live.data.trajectories.release).toBeNull();
    expect(live.data.trajectories.nodes.length).toBeGreaterThan(0);
  });
});
