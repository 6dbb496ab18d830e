import { describe, expect, it } from 'vitest';
import {
  type CareLines,
  createStatisticsRepository,
  GROUPINGS,
  refreshCareSummaries,
  type Slice,
} from '../src/modules/statistics/statistics.repository';
import { inDemoWorld } from './helpers/demo-world';
import { createTestApp, type TestApp } from './helpers/test-app';

// The care answers read summaries computed at a release (migration 0009) instead of aggregating
// the released rows per request. The two must give the same lines, number for number, for every
// slice an answer can ask for; and an erasure must not leave a youth in the summaries.

// Each test on a released registry of its own: two of them delete summaries or released rows.
const WORLD = { trajectories: 180, seed: 29, release: true };

/** Lines in a fixed order, so that two computations can be compared whatever order SQL gave them in. */
const sorted = (care: CareLines) => {
  const key = (line: { part: string; group: string | null; isTotal: boolean }, extra = '') =>
    `${line.part}|${line.isTotal}|${line.group}|${extra}`;
  return {
    lines: [...care.lines].sort((a, b) => key(a).localeCompare(key(b))),
    doses: [...care.doses].sort((a, b) => key(a, a.activityTypeCode).localeCompare(key(b, b.activityTypeCode))),
  };
};

const everySlice = (institutions: string[]): Slice[] =>
  (['all', 'consented'] as const).flatMap((population) =>
    [null, ...GROUPINGS].flatMap((grouping) => [null, ...institutions].map((ownInstitution) => ({ grouping, population, ownInstitution }))),
  );

const summaryCount = async (t: TestApp) =>
  (await t.database.query<{ n: number }>('select count(*)::int as n from statistics_care_summaries')).rows[0]!.n;

describe('care statistics kept as summaries', () => {
  it('give the same lines as the aggregates over the released rows, for every population, grouping and asking institution', () =>
    inDemoWorld(WORLD, async (t) => {
      const institutions = (await t.database.query<{ id: string }>('select id from institutions order by code')).rows.map((row) => row.id);
      expect(await summaryCount(t)).toBeGreaterThan(0);
      const repository = createStatisticsRepository(t.database);
      let compared = 0;
      for (const slice of everySlice(institutions)) {
        const fromSummaries = await repository.care(slice);
        const direct = await repository.careFromReleasedRows(slice);
        expect(direct.doses.length, JSON.stringify(slice)).toBeGreaterThan(0);
        expect(sorted(fromSummaries), JSON.stringify(slice)).toEqual(sorted(direct));
        compared += 1;
      }
      expect(compared).toBe(2 * (GROUPINGS.length + 1) * (institutions.length + 1));
    }));

  it('give the same published answer (after the cell-key perturbation) as without them', () =>
    inDemoWorld(WORLD, async (t) => {
      const { authorization } = await t.authorization('funder');
      const ask = async (path: string) => {
        const response = await t.app.inject({ url: `/api/v1/statistics/${path}`, headers: { authorization } });
        expect(response.statusCode, response.body).toBe(200);
        const { disclosureControl, ...answer } = response.json();
        return { answer, releasedAt: disclosureControl.releasedAt };
      };
      const paths = ['care', ...GROUPINGS.map((grouping) => `care?groupBy=${grouping}`)];
      const withSummaries = await Promise.all(paths.map(ask));
      await t.database.query('delete from statistics_care_summaries');
      expect(await Promise.all(paths.map(ask))).toEqual(withSummaries);
      // The next release check computes them again (there are none, and there are released rows).
      await t.app.statisticsReleases.release();
      expect(await summaryCount(t)).toBeGreaterThan(0);
    }));

  it('are dropped when an erasure removes a released row, and computed again at the next release', () =>
    inDemoWorld(WORLD, async (t) => {
      const repository = createStatisticsRepository(t.database);
      const slice: Slice = { grouping: 'programme', population: 'all', ownInstitution: null };
      const before = sorted(await repository.care(slice));
      const { rows } = await t.database.query<{ trajectory_id: string }>(
        'select trajectory_id from statistics_trajectories order by trajectory_id limit 1',
      );
      await t.database.query('delete from statistics_trajectories where trajectory_id = $1', [rows[0]!.trajectory_id]);
      expect(await summaryCount(t)).toBe(0);
      const after = sorted(await repository.care(slice));
      expect(after).toEqual(sorted(await repository.careFromReleasedRows(slice)));
      expect(after).not.toEqual(before);
      await t.app.statisticsReleases.release();
      expect(await summaryCount(t)).toBeGreaterThan(0);
      expect(sorted(await repository.care(slice))).toEqual(sorted(await repository.careFromReleasedRows(slice)));
    }));

  it('give the same lines on an empty released population', async () => {
    const empty = await createTestApp();
    try {
      const repository = createStatisticsRepository(empty.database);
      const slice: Slice = { grouping: null, population: 'all', ownInstitution: null };
      const direct = await repository.careFromReleasedRows(slice);
      await empty.database.transaction((connection) => refreshCareSummaries(connection));
      expect(await empty.database.query('select 1 from statistics_care_summaries').then((result) => result.rows.length)).toBeGreaterThan(0);
      expect(sorted(await repository.care(slice))).toEqual(sorted(direct));
    } finally {
      await empty.close();
    }
  });
});
