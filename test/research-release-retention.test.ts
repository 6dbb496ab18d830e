import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseView } from '../src/modules/research';
import { createInstitution } from './helpers/institution-fixture';
import { randomPseudonym, trajectoryBody, uniqueReference } from './helpers/records';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';
import { loadTestDemoData } from './helpers/demo-world';

// RESEARCH_RELEASE_RETENTION: with the two newest kept, a third release retires the first. Its
// records go; its id, digest and counts stay, so a citation resolves to "retired on …"; reading
// or downloading it is refused with RELEASE_RETIRED; nothing is listed as withdrawn (retiring
// is not an erasure), but an erasure after it is; and the audit trail holds the retirement.

let t: TestApp;
let researcher: string;
let institution: Awaited<ReturnType<typeof createInstitution>>;
const made: ReleaseView[] = [];
/** The first release as a researcher reads it just after it was retired (before any erasure). */
let retiredView: Record<string, unknown>;
/** The documents each release held just after the retirement. */
let held: number[];
/** In every release: pushed before the first. */
const pseudonym = randomPseudonym();
const firstReference = uniqueReference('T');

const asResearcher = (url: string) =>
  t.app.inject({ url, headers: { authorization: researcher, 'x-purpose-of-use': 'programme_evaluation' } });

const heldBy = async (id: string) =>
  (await t.database.query<{ n: number }>('select count(*)::int as n from research_release_trajectories where release_id = $1', [id]))
    .rows[0]!.n;

beforeAll(async () => {
  t = await createTestApp({ RESEARCH_RELEASE_RETENTION: '2' });
  researcher = (await t.authorization('researcher')).authorization;
  await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 20, seed: 5, asOf: '2026-06-30' });
  institution = await createInstitution(t);
  // Each release needs something new: one more ended trajectory before each.
  for (let index = 0; index < 3; index += 1) {
    const response = await institution.put(
      `/api/v1/trajectories/${index === 0 ? firstReference : uniqueReference('T')}`,
      institution.trajectoryBody({
        subject: { ...trajectoryBody().subject, ...(index === 0 ? { pseudonym } : {}) },
        endDate: '2024-09-30',
        endReason: 'completed',
      }),
    );
    expect(response.statusCode, response.body).toBeLessThan(300);
    const release = await t.releaseResearch();
    expect(release).not.toBeNull();
    made.push(release!);
  }
  retiredView = (await asResearcher(`/api/v1/research/releases/${made[0]!.id}`)).json();
  held = await Promise.all(made.map((release) => heldBy(release.id)));
});
afterAll(() => t.close());

describe('research release retention', () => {
  it('retires the oldest past the newest two: its records go, its id, digest and counts stay', async () => {
    const [first, second, third] = made;
    expect(held).toEqual([0, second!.trajectories, third!.trajectories]);
    expect(first!.trajectories).toBeGreaterThan(10);
    const { releases } = (await asResearcher('/api/v1/research/releases')).json();
    expect(releases.map((release: { id: string }) => release.id)).toEqual([third!.id, second!.id, first!.id]);
    const retired = retiredView as { retiredAt: string };
    expect(retired).toMatchObject({
      id: first!.id,
      contentDigest: first!.contentDigest,
      trajectories: first!.trajectories,
      citation: first!.citation,
      // Retiring is not an erasure: no id is listed as withdrawn.
      withdrawn: 0,
      withdrawnTrajectoryIds: [],
    });
    expect(Date.parse(retired.retiredAt)).toBeGreaterThanOrEqual(first!.publishedAt.getTime());
    expect(releases.filter((release: { retiredAt: string | null }) => release.retiredAt !== null).length).toBe(1);
  });

  it('lists a youth erased after the retirement among its withdrawals, for the copies downloaded before', async () => {
    const { rows } = await t.database.query<{ id: string }>('select id from trajectories where reference = $1', [firstReference]);
    const erased = rows[0]!.id;
    const erasure = await t.app.inject({
      method: 'POST',
      url: '/api/v1/erasures',
      headers: { authorization: institution.authorization },
      payload: { pseudonym },
    });
    expect(erasure.statusCode, erasure.body).toBeLessThan(300);
    for (const release of made) {
      const listed = (await asResearcher(`/api/v1/research/releases/${release.id}`)).json();
      expect(listed.withdrawnTrajectoryIds, release.id).toEqual([erased]);
    }
    const { rows: left } = await t.database.query<{ n: number }>(
      'select count(*)::int as n from research_release_retired_trajectories where trajectory_id = $1',
      [erased],
    );
    expect(left[0]!.n).toBe(0);
  });

  it('refuses to read or download a retired release, saying when it was retired', async () => {
    const first = made[0]!;
    const download = await asResearcher(`/api/v1/research/releases/${first.id}/datapackage.zip`);
    expect(download.statusCode).toBe(410);
    expect(download.json()).toMatchObject({ code: 'RELEASE_RETIRED', field: 'params.release' });
    expect(download.json().message).toMatch(
      new RegExp(`^Research release ${first.id.replace('.', '\\.')} was retired on \\d{4}-\\d{2}-\\d{2}`),
    );
    const graphql = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: researcher, 'x-purpose-of-use': 'programme_evaluation' },
      payload: { query: `{ trajectories(first: 5, release: "${first.id}") { nodes { id } } }` },
    });
    expect(graphql.json().errors[0].extensions).toMatchObject({ code: 'RELEASE_RETIRED', field: 'release' });
    // The kept ones still read.
    expect((await asResearcher(`/api/v1/research/releases/${made[1]!.id}/datapackage.zip?format=csv`)).statusCode).toBe(200);
    const { rows } = await t.database.query<{ outcome: string; status_code: number }>(
      `select outcome, status_code from audit_events where operation like '%datapackage.zip%' and status_code = 410`,
    );
    expect(rows).toEqual([{ outcome: 'refused', status_code: 410 }]);
  });

  it('writes the retirement in the audit trail', async () => {
    await t.app.auditLog.settle();
    const { rows } = await t.database.query<{ action: string; outcome: string; details: { release: string; retention: unknown } }>(
      `select action, outcome, details from audit_events where resource_type = 'research_release' and operation = 'research release retired: retention'`,
    );
    expect(rows).toEqual([
      {
        action: 'delete',
        outcome: 'success',
        details: expect.objectContaining({ release: made[0]!.id, retention: { keep: 'newest', releases: 2 } }),
      },
    ]);
  });
});
