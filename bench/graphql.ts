// Research GraphQL benchmark: a researcher's page of 50 trajectories with their measurement
// series and N=1 indicators, over real HTTP (authentication, scope, audit and all), beside one
// hand-written SQL statement that returns the same data for the same page (the floor), in one run
// on the scale dataset (100,000 trajectories, about five million measurements).
//
//   npm run bench:graphql
//   BENCH_TRAJECTORIES=20000 BENCH_SECONDS=10 BENCH_CONCURRENCY=4 BENCH_ROUNDS=2 npm run bench:graphql
import pg from 'pg';
import { todayIso } from '../src/lib/dates';
import { researchReleaseDate } from '../src/modules/research/research-release';
import { closedLoop, machineLine, pooled, printTable, request, type LoadResult } from './lib/load';
import { cursorAfter, PAGE_QUERY, PAGE_SIZE, researcherHeaders, START_IDS } from './lib/research-page';
import { ensureScaleDataset } from './lib/scale-dataset';
import { startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const TRAJECTORIES = Number(process.env.BENCH_TRAJECTORIES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** The floor: the same page, fields and series in one statement, indicators read from storage. */
const FLOOR_SQL = `
with page as (
  select t.id, t.start_date, t.end_date, i.code as institution_code, p.code as programme_code, s.birth_year, s.gender
    from trajectories t
    join subjects s on s.id = t.subject_id
    join institutions i on i.id = t.institution_id
    join programmes p on p.id = t.programme_id
   where t.research_consent = 'granted' and t.end_date < $2::date and t.id > $1::uuid
   order by t.id limit ${PAGE_SIZE})
select page.id, page.institution_code, page.programme_code, to_char(page.start_date, 'YYYY-MM') as start_month,
       page.end_date - page.start_date as end_day, extract(year from page.start_date)::int - page.birth_year as age_at_start, page.gender,
       ti.outcome_class, ti.problem_recognition, ti.status_exploitation_resilience, ti.status_social_emotional,
       ti.status_family_network, ti.status_participation,
       (select json_agg(json_build_object('instrumentCode', x.instrument_code, 'informant', x.informant, 'observations', x.observations,
                 'rci', case when ins.kind = 'score' then (x.last_value - x.first_value) * (case when ins.higher_is_better then 1 else -1 end)
                                                           / (ins.norm_sd * sqrt(2 * (1 - ins.reliability))) end)
                        order by x.instrument_code, x.informant)
          from (select m.instrument_code, m.informant,
                       json_agg(json_build_object('day', m.measured_on - page.start_date, 'value', m.value) order by m.measured_on, m.id) as observations,
                       (array_agg(m.value order by m.measured_on, m.id))[1] as first_value,
                       (array_agg(m.value order by m.measured_on desc, m.id desc))[1] as last_value
                  from measurements m where m.trajectory_id = page.id
                 group by m.instrument_code, m.informant) x
          join instruments ins on ins.code = x.instrument_code) as series
  from page left join trajectory_indicators ti on ti.trajectory_id = page.id
 order by page.id`;

interface GraphqlPage {
  data?: { trajectories: { nodes: Array<{ id: string; outcomeClass: string; series: Array<{ observations: unknown[] }> }> } };
  errors?: unknown[];
}

async function main() {
  const dataset = await ensureScaleDataset({ trajectories: TRAJECTORIES });
  const service = await startService(dataset.databaseUrl);
  const { port } = service;
  const key = await service.key('researcher');
  const floorPool = new pg.Pool({ connectionString: dataset.databaseUrl, max: CONCURRENCY });
  const headers = researcherHeaders(key);

  const graphqlPage = async (index: number): Promise<GraphqlPage> => {
    const after = cursorAfter(START_IDS[index % START_IDS.length]!);
    const response = await request(port, {
      method: 'POST',
      path: '/graphql',
      headers,
      body: JSON.stringify({ query: PAGE_QUERY, variables: { after } }),
    });
    if (response.status !== 200) throw new Error(`GraphQL answered ${response.status}: ${response.body.slice(0, 300)}`);
    return JSON.parse(response.body) as GraphqlPage;
  };
  // Researchers see ended trajectories of the last quarterly release (research-release.ts; delay 0 as the bench service runs).
  const releasedBefore = researchReleaseDate(todayIso(), 0);
  const floorPage = (index: number) => floorPool.query(FLOOR_SQL, [START_IDS[index % START_IDS.length], releasedBefore]);

  // Same data both ways: the same trajectories, observations and outcome classes.
  for (const index of [0, 7, 19]) {
    const fromGraphql = await graphqlPage(index);
    if (fromGraphql.errors || !fromGraphql.data) throw new Error(`GraphQL errors: ${JSON.stringify(fromGraphql.errors).slice(0, 500)}`);
    const nodes = fromGraphql.data.trajectories.nodes;
    const { rows } = await floorPage(index);
    const observations = (list: Array<{ observations: unknown[] }> | null) =>
      (list ?? []).reduce((sum, series) => sum + series.observations.length, 0);
    if (nodes.length !== PAGE_SIZE || rows.length !== PAGE_SIZE) throw new Error(`page sizes ${nodes.length} / ${rows.length}`);
    nodes.forEach((node, position) => {
      const row = rows[position] as { id: string; outcome_class: string; series: Array<{ observations: unknown[] }> | null };
      if (node.id !== row.id) throw new Error(`page ${index}: ids differ at ${position}`);
      if (node.outcomeClass !== row.outcome_class)
        throw new Error(`page ${index}: outcome class of ${node.id} ${node.outcomeClass} vs stored ${row.outcome_class}`);
      if (observations(node.series) !== observations(row.series))
        throw new Error(`page ${index}: observation counts differ for ${node.id}`);
    });
  }
  const sample = await graphqlPage(0);
  const bytes = JSON.stringify(sample).length;
  const observationCount = sample.data!.trajectories.nodes.reduce(
    (sum, node) => sum + node.series.reduce((inner, series) => inner + series.observations.length, 0),
    0,
  );

  // Warm-up, then alternating rounds.
  await closedLoop('warm-up', { concurrency: CONCURRENCY, durationMs: 3_000 }, async (n) => !(await graphqlPage(n)).errors);
  await closedLoop('warm-up', { concurrency: CONCURRENCY, durationMs: 3_000 }, async (n) => (await floorPage(n)).rowCount === PAGE_SIZE);
  const graphqlRounds: LoadResult[] = [];
  const floorRounds: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    graphqlRounds.push(
      await closedLoop('graphql', { concurrency: CONCURRENCY, durationMs: SECONDS * 1000 }, async (n) => {
        const page = await graphqlPage(n);
        return !page.errors && page.data!.trajectories.nodes.length === PAGE_SIZE;
      }),
    );
    floorRounds.push(
      await closedLoop(
        'sql floor',
        { concurrency: CONCURRENCY, durationMs: SECONDS * 1000 },
        async (n) => (await floorPage(n)).rowCount === PAGE_SIZE,
      ),
    );
  }

  console.log(machineLine());
  console.log(
    `dataset: ${dataset.trajectories.toLocaleString('en')} trajectories, ${dataset.measurements.toLocaleString('en')} measurements, ` +
      `${dataset.activities.toLocaleString('en')} activities; page of ${PAGE_SIZE} (researcher scope) = ${observationCount.toLocaleString('en')} observations, ` +
      `${Math.round(bytes / 1024)} KiB of JSON; concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds of ${SECONDS} s`,
  );
  const graphql = pooled(
    'GraphQL page over HTTP (auth, scope, audit; stored indicators where current, series built in SQL)',
    graphqlRounds,
  );
  const floor = pooled('hand-written SQL, one statement (stored indicators)', floorRounds);
  printTable([graphql, floor]);
  console.log(`GraphQL / floor throughput: ${(graphql.requests / graphql.seconds / (floor.requests / floor.seconds)).toFixed(2)}`);

  await service.close();
  await floorPool.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
