import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { loadDemoData } from '../src/modules/demo/load-demo-data';
import { GROUPINGS } from '../src/modules/statistics/statistics.repository';
import type { Cell, StatisticsAnswer } from '../src/modules/statistics/statistics.service';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';

let t: TestApp;
let funder: string;
const MINIMUM = 10;

beforeAll(async () => {
  t = await createTestApp();
  funder = (await t.authorization('funder')).authorization;
  await loadDemoData(t.database.orm, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 260, seed: 21, asOf: '2026-06-30' });
  await t.app.indicators.enqueueStale();
  await t.app.indicators.drain();
});
afterAll(() => t.close());

const ask = async (path: string, authorization = funder): Promise<StatisticsAnswer> => {
  const response = await t.app.inject({ url: `/api/v1/statistics/${path}`, headers: { authorization } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};

const graphqlAs = (authorization: string, query: string) =>
  t.app.inject({ method: 'POST', url: '/graphql', headers: { authorization }, payload: { query } }).then((response) => response.json());

/** The groupings as the test states them, independently of the repository's SQL. */
const GROUP_SQL: Record<(typeof GROUPINGS)[number], string> = {
  programme: 'p.code',
  institution: 'i.code',
  setting: `coalesce((select pl.setting from placements pl where pl.trajectory_id = t.id order by pl.start_date limit 1), p.settings[1])`,
  start_year: `extract(year from t.start_date)::int::text`,
  gender: 's.gender',
  age_group: `case when extract(year from t.start_date)::int - s.birth_year <= 13 then 'up to 13' when extract(year from t.start_date)::int - s.birth_year <= 15 then '14-15' when extract(year from t.start_date)::int - s.birth_year <= 17 then '16-17' else '18 and over' end`,
};

const isCount = (name: string) => !name.includes('share_') && name !== 'medianDaysInCare' && !name.endsWith('.mean') && !name.endsWith('.median') && !name.endsWith('.medianPerMonth');

/**
 * An independent check by linear algebra: the published cells and totals of an answer give
 * equations (`anchor = sum of members`, over "line/column" keys); a suppressed cell is
 * recomputable when its unit vector lies in the row space of the equations over the unknowns.
 */
function recomputableBy(answer: StatisticsAnswer, equations: Array<[string, string[]]>): string[] {
  const lines = new Map([...answer.groups.map((group) => [group.group, group.values] as const), ['total', answer.total] as const]);
  const cellOf = (key: string) => {
    const [line, column] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    return lines.get(line)?.[column];
  };
  const unknown = [...new Set(equations.flatMap(([anchor, members]) => [anchor, ...members]))].filter((key) => cellOf(key)?.suppressed);
  const index = new Map(unknown.map((key, position) => [key, position]));
  const rows = equations
    .map(([anchor, members]) => {
      const row = new Array<number>(unknown.length).fill(0);
      if (index.has(anchor)) row[index.get(anchor)!]! += 1;
      for (const member of members) if (index.has(member)) row[index.get(member)!]! -= 1;
      return row;
    })
    .filter((row) => row.some((value) => value !== 0));
  const rank = (matrix: number[][]) => {
    const m = matrix.map((row) => [...row]);
    let r = 0;
    for (let c = 0; c < unknown.length && r < m.length; c += 1) {
      const p = m.findIndex((row, i) => i >= r && Math.abs(row[c]!) > 1e-9);
      if (p < 0) continue;
      [m[r], m[p]] = [m[p]!, m[r]!];
      for (let i = 0; i < m.length; i += 1) if (i !== r) { const f = m[i]![c]! / m[r]![c]!; for (let j = 0; j < unknown.length; j += 1) m[i]![j]! -= f * m[r]![j]!; }
      r += 1;
    }
    return r;
  };
  const base = rank(rows);
  return unknown.filter((key) => {
    const unit = new Array<number>(unknown.length).fill(0);
    unit[index.get(key)!] = 1;
    return rank([...rows, unit]) === base;
  });
}

/** Equations of a table whose columns add up over the groups to the total line (and, optionally, across to an anchor column). */
function tableEquations(answer: StatisticsAnswer, columns: string[], rowAnchor?: string): Array<[string, string[]]> {
  const lineNames = [...answer.groups.map((group) => group.group), 'total'];
  const equations: Array<[string, string[]]> = [];
  if (rowAnchor) for (const line of lineNames) equations.push([`${line}/${rowAnchor}`, columns.map((column) => `${line}/${column}`)]);
  if (answer.groups.length > 0) {
    for (const column of rowAnchor ? [...columns, rowAnchor] : columns) equations.push([`total/${column}`, answer.groups.map((group) => `${group.group}/${column}`)]);
  }
  return equations;
}

function recomputable(answer: StatisticsAnswer, columns: string[], options: { columnsAddUpToTrajectories: boolean } = { columnsAddUpToTrajectories: true }): string[] {
  return recomputableBy(answer, tableEquations(answer, columns, options.columnsAddUpToTrajectories ? 'trajectories' : undefined));
}

describe('statistics', () => {
  it('never publish a count below the minimum, through any grouping or measure', async () => {
    const institution = (await t.authorization('institution', 'vuurtorenhuis')).authorization;
    const paths = ['recognition', ...['overview', 'outcomes', 'perspective', 'care'].flatMap((measure) => [measure, ...GROUPINGS.map((grouping) => `${measure}?groupBy=${grouping}`)])];
    for (const [path, authorization] of [...paths.map((path) => [path, funder] as const), ...paths.map((path) => [path, institution] as const)]) {
      const answer = await ask(path, authorization);
      for (const line of [...answer.groups.map((group) => group.values), answer.total]) {
        for (const [name, value] of Object.entries(line)) {
          if (value.suppressed) expect(value.value, `${path} ${name}`).toBeNull();
          else if (isCount(name)) expect(value.value === 0 || value.value! >= MINIMUM, `${path} ${name} = ${value.value}`).toBe(true);
          // A published share times its published base must not give a small count away either.
          const share = /^(.*)\.share_/.exec(name);
          const base = share ? line[`${share[1]}.known`] : undefined;
          if (share && !value.suppressed && base && !base.suppressed) {
            const count = Math.round(value.value! * base.value!);
            expect(count === 0 || count >= MINIMUM, `${path} ${name} × known = ${count}`).toBe(true);
          }
        }
      }
    }
  });

  it('leave no suppressed outcome count recomputable from the rest of the answer (linear algebra)', async () => {
    const columns = ['outcome.improved', 'outcome.mixed', 'outcome.not_improved', 'outcome.insufficient_data'];
    let suppressedCells = 0;
    for (const grouping of GROUPINGS) {
      const answer = await ask(`outcomes?groupBy=${grouping}`);
      suppressedCells += answer.groups.flatMap((group) => columns.map((column) => group.values[column]!)).filter((value) => value.suppressed).length;
      expect(recomputable(answer, columns), grouping).toEqual([]);
    }
    // The synthetic registry is small enough that suppression is exercised.
    expect(suppressedCells).toBeGreaterThan(5);
    expect(recomputable(await ask('recognition'), columns)).toEqual([]);
    // Nor a small number of youths without a known status in a domain: trajectories − known.
    for (const grouping of [null, ...GROUPINGS]) {
      for (const authorization of [funder, (await t.authorization('institution', 'vuurtorenhuis')).authorization]) {
        const answer = await ask(grouping ? `outcomes?groupBy=${grouping}` : 'outcomes', authorization);
        for (const values of [...answer.groups.map((group) => group.values), answer.total]) {
          for (const known of Object.keys(values).filter((name) => name.endsWith('.known'))) {
            if (values.trajectories!.suppressed || values[known]!.suppressed) continue;
            const rest = values.trajectories!.value! - values[known]!.value!;
            expect(rest === 0 || rest >= MINIMUM, `${grouping} ${known}: trajectories − known = ${rest}`).toBe(true);
          }
        }
      }
    }
  });

  it('leave no suppressed care count recomputable either (columns add up over groups)', async () => {
    let suppressedCells = 0;
    for (const grouping of GROUPINGS) {
      const answer = await ask(`care?groupBy=${grouping}`);
      const columns = Object.keys(answer.total).filter((name) => name.endsWith('.received') || name.endsWith('.scored'));
      suppressedCells += answer.groups.flatMap((group) => columns.map((column) => group.values[column]!)).filter((value) => value.suppressed).length;
      expect(recomputable(answer, columns, { columnsAddUpToTrajectories: false }), grouping).toEqual([]);
      // Each of these counts a part of the trajectories: what is left (no score, never received)
      // must not come out small from the published numbers either.
      for (const values of [...answer.groups.map((group) => group.values), answer.total]) {
        for (const column of columns) {
          if (values.trajectories!.suppressed || values[column]!.suppressed) continue;
          const rest = values.trajectories!.value! - values[column]!.value!;
          expect(rest === 0 || rest >= MINIMUM, `${grouping} ${column}: trajectories − part = ${rest}`).toBe(true);
        }
      }
    }
    expect(suppressedCells).toBeGreaterThan(5);
  });

  it('leave no suppressed overview or perspective count recomputable (started = ended + active, ended = its end reasons, columns over groups)', async () => {
    let suppressedCells = 0;
    for (const grouping of GROUPINGS) {
      const overview = await ask(`overview?groupBy=${grouping}`);
      const reasons = Object.keys(overview.total).filter((name) => name.startsWith('endReason.'));
      const lines = [...overview.groups.map((group) => group.group), 'total'];
      const equations: Array<[string, string[]]> = [
        ...lines.map((line): [string, string[]] => [`${line}/started`, [`${line}/ended`, `${line}/active`]]),
        ...tableEquations(overview, reasons, 'ended'),
        ...tableEquations(overview, ['started', 'active', 'youths']),
      ];
      suppressedCells += overview.groups.flatMap((group) => Object.values(group.values)).filter((value) => value.suppressed).length;
      expect(recomputableBy(overview, equations), `overview ${grouping}`).toEqual([]);
      const perspective = await ask(`perspective?groupBy=${grouping}`);
      const respondents = Object.keys(perspective.total).filter((name) => name.endsWith('.respondents'));
      expect(recomputableBy(perspective, tableEquations(perspective, respondents)), `perspective ${grouping}`).toEqual([]);
    }
    expect(suppressedCells).toBeGreaterThan(5);
  });

  it('publish no count below the minimum through GraphQL either, for any role, measure and grouping, own figures included', async () => {
    const institution = (await t.authorization('institution', 'lindehof')).authorization;
    const researcher = (await t.authorization('researcher')).authorization;
    const table = 'groups { group values { name value suppressed } } total { name value suppressed }';
    let checked = 0;
    for (const measure of ['overview', 'outcomes', 'recognition', 'perspective', 'care']) {
      for (const grouping of GROUPINGS) {
        for (const authorization of [funder, researcher, institution]) {
          const result = await graphqlAs(authorization, `{ statistics(measure: ${measure}, groupBy: ${grouping}) { ${table} } comparison(measure: ${measure}, groupBy: ${grouping}) { national { ${table} } own { ${table} } } }`);
          expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
          const tables = [result.data.statistics, result.data.comparison.national, result.data.comparison.own].filter(Boolean);
          for (const answer of tables) {
            for (const values of [...answer.groups.map((group: { values: unknown }) => group.values), answer.total] as Array<Array<{ name: string; value: number | null; suppressed: boolean }>>) {
              for (const value of values) {
                checked += 1;
                if (value.suppressed) expect(value.value).toBeNull();
                else if (isCount(value.name)) expect(value.value === 0 || value.value! >= MINIMUM, `${measure} ${grouping} ${value.name} = ${value.value}`).toBe(true);
              }
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('give the median dose per activity type of those who received it, and median fidelity, as computed independently', async () => {
    const answer = await ask('care');
    const doses = await selectRows<{ activity_type_code: string; per_month_in_care: number }>(
      t.database.orm,
      sql`select d.activity_type_code, d.per_month_in_care from trajectory_doses d join trajectories t on t.id = d.trajectory_id
          where t.research_consent not in ('refused', 'withdrawn')`,
    );
    const fidelity = await selectRows<{ fidelity_summary: number | null }>(
      t.database.orm,
      sql`select ti.fidelity_summary from trajectory_indicators ti join trajectories t on t.id = ti.trajectory_id
          where t.research_consent not in ('refused', 'withdrawn') and ti.fidelity_summary is not null`,
    );
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = (sorted.length - 1) / 2;
      return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
    };
    const types = [...new Set(doses.map((row) => row.activity_type_code))];
    expect(types.length).toBeGreaterThan(5);
    for (const type of types) {
      const received = doses.filter((row) => row.activity_type_code === type).map((row) => Number(row.per_month_in_care));
      const count = answer.total[`dose.${type}.received`]!;
      if (received.length >= MINIMUM) {
        expect(count).toEqual({ value: received.length, suppressed: false });
        expect(answer.total[`dose.${type}.medianPerMonth`]!.value).toBeCloseTo(median(received), 3);
      } else {
        expect(answer.total[`dose.${type}.medianPerMonth`]!.suppressed).toBe(true);
      }
    }
    expect(answer.total['fidelity.summary.scored']).toEqual({ value: fidelity.length, suppressed: false });
    expect(answer.total['fidelity.summary.median']!.value).toBeCloseTo(median(fidelity.map((row) => Number(row.fidelity_summary))), 3);
  });

  it('withhold, for an institution, national figures that would give the other institutions\' small counts away', async () => {
    const institution = await t.authorization('institution', 'vuurtorenhuis');
    const [own] = await selectRows<{ id: string }>(t.database.orm, sql`select id from institutions where code = 'vuurtorenhuis'`);
    const ownId = own!.id;
    let withheldForInstitution = 0;
    for (const grouping of GROUPINGS) {
      const asInstitution = await ask(`overview?groupBy=${grouping}`, institution.authorization);
      const asFunder = await ask(`overview?groupBy=${grouping}`);
      // The true counts of the other institutions, which the institution could work out as national minus its own.
      const others = await selectRows<{ group: string | null; started: number; ended: number }>(
        t.database.orm,
        sql`select g as "group", count(*)::int as started, count(end_date)::int as ended
              from (select ${sql.raw(GROUP_SQL[grouping])} as g, t.end_date
                      from trajectories t join subjects s on s.id = t.subject_id join programmes p on p.id = t.programme_id join institutions i on i.id = t.institution_id
                     where t.research_consent not in ('refused', 'withdrawn') and t.institution_id <> ${ownId}) population
             group by g`,
      );
      for (const group of asInstitution.groups) {
        const other = others.find((row) => (row.group ?? 'unknown') === group.group);
        for (const field of ['started', 'ended'] as const) {
          const value = group.values[field]!;
          if (!value.suppressed) {
            const difference = other?.[field] ?? 0;
            expect(difference === 0 || difference >= MINIMUM, `${grouping} ${group.group} ${field}: others ${difference}`).toBe(true);
          }
          const funderValue = asFunder.groups.find((entry) => entry.group === group.group)!.values[field]!;
          if (!funderValue.suppressed && value.suppressed) withheldForInstitution += 1;
        }
      }
    }
    // The rule bites: some figures a funder sees are withheld from the institution.
    expect(withheldForInstitution).toBeGreaterThan(0);
  });

  it('compare an institution\'s own programmes with the national picture through GraphQL', async () => {
    const institution = (await t.authorization('institution', 'vuurtorenhuis')).authorization;
    const query = `{ comparison(measure: outcomes) {
        national { groupBy groups { group values(names: ["trajectories", "outcome.improved"]) { name value suppressed } } total(names: ["trajectories"]) { name value suppressed } }
        own { groups { group values(names: ["trajectories"]) { name value suppressed } } } } }`;
    const asInstitution = await graphqlAs(institution, query);
    expect(asInstitution.errors, JSON.stringify(asInstitution.errors)).toBeUndefined();
    const { national, own } = asInstitution.data.comparison;
    expect(national.groupBy).toBe('programme');
    expect(own.groups.length).toBeGreaterThan(0);
    expect(own.groups.every((group: { group: string }) => group.group.startsWith('vuurtorenhuis-'))).toBe(true);
    expect(national.groups.length).toBeGreaterThan(own.groups.length);
    expect(national.groups[0].values.map((value: { name: string }) => value.name)).toEqual(['trajectories', 'outcome.improved']);
    // The same figures as the REST endpoint gives the same viewer.
    const rest = await ask('outcomes?groupBy=programme', institution);
    for (const group of national.groups) {
      const restGroup = rest.groups.find((entry) => entry.group === group.group)!;
      expect(group.values[0]).toEqual({ name: 'trajectories', ...restGroup.values.trajectories });
    }
    const asFunder = await graphqlAs(funder, query);
    expect(asFunder.errors, JSON.stringify(asFunder.errors)).toBeUndefined();
    expect(asFunder.data.comparison.own).toBeNull();
    // A programme of the institution's own: the others have nothing there, so the national
    // figures are its own and nothing is withheld beyond what a funder sees.
    for (const group of national.groups.filter((entry: { group: string }) => entry.group.startsWith('vuurtorenhuis-'))) {
      const funderGroup = asFunder.data.comparison.national.groups.find((entry: { group: string }) => entry.group === group.group);
      expect(group.values).toEqual(funderGroup.values);
    }
    const auditor = (await t.authorization('auditor')).authorization;
    expect((await graphqlAs(auditor, query)).errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('publish the true counts where they publish one, of trajectories, without withdrawn consent', async () => {
    const answer = await ask('overview?groupBy=programme');
    const truth = await selectRows<{ code: string; started: number; ended: number }>(
      t.database.orm,
      sql`select p.code, count(*)::int as started, count(t.end_date)::int as ended from trajectories t join programmes p on p.id = t.programme_id
          where t.research_consent not in ('refused', 'withdrawn') group by p.code`,
    );
    for (const group of answer.groups) {
      const expected = truth.find((row) => row.code === group.group)!;
      if (!group.values.started!.suppressed) expect(group.values.started!.value).toBe(expected.started);
      if (!group.values.ended!.suppressed) expect(group.values.ended!.value).toBe(expected.ended);
    }
    const before = answer.total.started!.value!;
    await t.database.orm.execute(sql`update trajectories set research_consent = 'withdrawn' where id = (select id from trajectories where research_consent = 'granted' limit 1)`);
    expect((await ask('overview')).total.started!.value).toBe(before - 1);
  });

  it('give the youth-perspective items as means over enough respondents only', async () => {
    const answer = await ask('perspective?groupBy=programme');
    expect(Object.keys(answer.total).filter((name) => name.endsWith('.mean'))).toHaveLength(10);
    for (const line of [...answer.groups.map((group) => group.values), answer.total]) {
      for (const [name, value] of Object.entries(line)) {
        if (!name.endsWith('.mean') || value.suppressed) continue;
        const respondents = line[name.replace('.mean', '.respondents')]!;
        expect(respondents.suppressed).toBe(false);
        expect(respondents.value!).toBeGreaterThanOrEqual(MINIMUM);
        expect(value.value!).toBeGreaterThanOrEqual(1);
        expect(value.value!).toBeLessThanOrEqual(5);
      }
    }
    expect(answer.total['youth_perspective_feel_safe.mean']!.suppressed).toBe(false);
  });

  it('answer CSV for funders’ tools', async () => {
    const response = await t.app.inject({ url: '/api/v1/statistics/outcomes?groupBy=programme', headers: { authorization: funder, accept: 'text/csv' } });
    expect(response.headers['content-type']).toMatch(/text\/csv/);
    const lines = response.body.trim().split('\n');
    expect(lines[0]).toMatch(/^group,trajectories,outcome\.improved,/);
    expect(lines.at(-1)).toMatch(/^total,/);
    expect(lines.length).toBeGreaterThan(3);
  });

  it('give funders no record-level data anywhere, and are audited with their parameters', async () => {
    const record = await t.app.inject({ url: '/api/v1/trajectories', headers: { authorization: funder } });
    expect(record.statusCode).toBe(403);
    const graphql = await t.app.inject({ method: 'POST', url: '/graphql', headers: { authorization: funder }, payload: { query: '{ trajectories(first: 5) { nodes { id } } }' } });
    expect(graphql.json().errors[0].extensions.code).toBe('FORBIDDEN');
    await ask('outcomes?groupBy=gender');
    const [event] = await selectRows<{ details: Record<string, unknown>; role: string; resource_type: string }>(
      t.database.orm,
      sql`select details, role, resource_type from audit_events where resource_type = 'statistics' order by chain_position desc limit 1`,
    );
    expect(event).toEqual({ details: { measure: 'outcomes', groupBy: 'gender' }, role: 'funder', resource_type: 'statistics' });
  });

  it('weigh whole-registry scans in the GraphQL cost: a few per request, not dozens through aliases', async () => {
    const comparisons = (count: number) =>
      `{ ${Array.from({ length: count }, (_, index) => `c${index}: comparison(measure: outcomes) { national { total { name } } }`).join(' ')} }`;
    expect((await graphqlAs(funder, comparisons(2))).errors).toBeUndefined();
    const tooMany = await graphqlAs(funder, comparisons(3));
    expect(tooMany.data ?? null).toBeNull();
    expect(tooMany.errors[0].extensions.code).toBe('VALIDATION_FAILED');
    expect(tooMany.errors[0].message).toMatch(/estimated cost/);
  });

  it('audit every aggregate a GraphQL request asked for', async () => {
    const result = await graphqlAs(funder, '{ a: statistics(measure: care, groupBy: gender) { measure } b: comparison(measure: overview) { national { measure } } }');
    expect(result.errors).toBeUndefined();
    const [event] = await selectRows<{ details: Record<string, unknown> }>(
      t.database.orm,
      sql`select details from audit_events where resource_type = 'graphql' order by chain_position desc limit 1`,
    );
    expect(event!.details).toEqual({ statistics: [{ measure: 'care', groupBy: 'gender' }, { measure: 'overview', groupBy: 'programme' }] });
  });

  it('are refused to auditors', async () => {
    const { authorization } = await t.authorization('auditor');
    expect((await t.app.inject({ url: '/api/v1/statistics/overview', headers: { authorization } })).statusCode).toBe(403);
  });
});
