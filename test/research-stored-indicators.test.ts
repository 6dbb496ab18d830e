import { describe, expect, it } from 'vitest';
import { inDemoWorld } from './helpers/demo-world';
import type { TestApp } from './helpers/test-app';

// The research page reads the stored outcome indicators where no update of them is pending, and
// builds the series in SQL (one row per series). Both must give what computing on the spot from
// the measurement rows gives; a pending update must never show a stale stored value.

// Each test on a registry of its own: two of them change stored indicators and the queue.
const WORLD = { trajectories: 60, seed: 13 };

const PAGE = `query Page { trajectories(first: 100) { nodes {
  id outcomeClass problemRecognition { overall } domainStatuses { domain status intakeRecognition }
  series { instrumentCode informant observations { day date value } change reliableChange { rci category } }
} } }`;

interface PageNode {
  id: string;
  outcomeClass: string;
  problemRecognition: { overall: string };
  domainStatuses: Array<{ domain: string; status: string; intakeRecognition: string }>;
  series: Array<{ instrumentCode: string; informant: string; observations: Array<{ day: number; date: string | null; value: number }> }>;
}

/** The page as a vuurtorenhuis key sees it (the demo data's institution). */
async function pageOf(t: TestApp): Promise<() => Promise<PageNode[]>> {
  const { authorization } = await t.authorization('institution', 'vuurtorenhuis');
  return () => fetchPage(t, authorization);
}

async function fetchPage(t: TestApp, institution: string): Promise<PageNode[]> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization: institution },
    payload: { query: PAGE },
  });
  const body = response.json();
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.trajectories.nodes;
}

describe('research page: stored indicators and series built in SQL', () => {
  it('gives the same outcomes from the stored indicators as computed on the spot', () =>
    inDemoWorld(WORLD, async (t) => {
      const page = await pageOf(t);
      const stored = await page();
      expect(stored.length).toBeGreaterThan(5);
      const pending = await t.database.query<{ n: number }>('select count(*)::int as n from indicator_queue');
      expect(pending.rows[0]!.n).toBe(0);
      // Every trajectory pending: all computed on the spot.
      await t.database.query('insert into indicator_queue (trajectory_id) select id from trajectories');
      try {
        expect(await page()).toEqual(stored);
      } finally {
        await t.app.indicators.drain();
      }
    }));

  it('reads the stored indicators where current, and computes them while an update is pending', () =>
    inDemoWorld(WORLD, async (t) => {
      const page = await pageOf(t);
      const before = await page();
      const target = before.find((node) => node.outcomeClass !== 'mixed')!;
      // A stored value no computation would give, to see which one the page shows.
      await t.database.query(
        `update trajectory_indicators set outcome_class = 'mixed', status_participation = 'mixed' where trajectory_id = $1`,
        [target.id],
      );
      const read = (await page()).find((node) => node.id === target.id)!;
      expect(read.outcomeClass).toBe('mixed');
      expect(read.domainStatuses.find((entry) => entry.domain === 'participation')!.status).toBe('mixed');
      await t.database.query('insert into indicator_queue (trajectory_id) values ($1)', [target.id]);
      const computed = (await page()).find((node) => node.id === target.id)!;
      expect(computed).toEqual(target);
      await t.app.indicators.drain();
      expect((await page()).find((node) => node.id === target.id)).toEqual(target);
    }));

  it("gives every observation of every series, in time order, with the institution's own dates", () =>
    inDemoWorld(WORLD, async (t) => {
      const page = await pageOf(t);
      const nodes = await page();
      const { rows } = await t.database.query<{
        trajectory_id: string;
        instrument_code: string;
        informant: string;
        measured_on: string;
        day: number;
        value: number;
      }>(
        `select m.trajectory_id, m.instrument_code, m.informant, m.measured_on::text, m.measured_on - t.start_date as day, m.value
         from measurements m join trajectories t on t.id = m.trajectory_id join institutions i on i.id = t.institution_id
        where i.code = 'vuurtorenhuis' order by m.trajectory_id, m.instrument_code, m.informant, m.measured_on, m.id`,
      );
      const fromPage = nodes.flatMap((node) =>
        node.series.flatMap((series) =>
          series.observations.map((observation) => [
            node.id,
            series.instrumentCode,
            series.informant,
            observation.date,
            observation.day,
            observation.value,
          ]),
        ),
      );
      const ids = new Set(nodes.map((node) => node.id));
      const expected = rows
        .filter((row) => ids.has(row.trajectory_id))
        .map((row) => [row.trajectory_id, row.instrument_code, row.informant, row.measured_on, row.day, row.value]);
      expect(fromPage.length).toBeGreaterThan(100);
      expect(fromPage).toEqual(expected);
    }));

  it('builds the series with the page as each trajectory read alone gives them, for an institution and a researcher', () =>
    inDemoWorld(WORLD, async (t) => {
      // Researchers read a research release of this world.
      expect(await t.releaseResearch()).not.toBeNull();
      const SERIES = 'series { instrumentCode informant observations { day date value } }';
      for (const [role, institution] of [
        ['institution', 'vuurtorenhuis'],
        ['researcher', undefined],
      ] as const) {
        const { authorization } = await t.authorization(role, institution);
        const ask = async (query: string) => {
          const response = await t.app.inject({
            method: 'POST',
            url: '/graphql',
            headers: { authorization, 'x-purpose-of-use': 'programme_evaluation' },
            payload: { query },
          });
          const body = response.json();
          expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
          return body.data;
        };
        // Through a fragment, so the page has to find the series in a spread.
        const nodes: Array<{ id: string; series: unknown[] }> = (
          await ask(`{ trajectories(first: 15) { nodes { ...Series } } } fragment Series on Trajectory { id ${SERIES} }`)
        ).trajectories.nodes;
        expect(nodes.length, role).toBeGreaterThan(3);
        expect(nodes.filter((node) => node.series.length > 0).length, role).toBeGreaterThan(3);
        const alone = await ask(`{ ${nodes.map((node, index) => `t${index}: trajectory(id: "${node.id}") { id ${SERIES} }`).join(' ')} }`);
        expect(nodes, role).toEqual(nodes.map((_, index) => alone[`t${index}`]));
        // A researcher gets day offsets only.
        if (role === 'researcher')
          expect(
            nodes
              .flatMap((node) => node.series as Array<{ observations: Array<{ date: unknown }> }>)
              .every((s) => s.observations.every((o) => o.date === null)),
          ).toBe(true);
      }
    }));
});
