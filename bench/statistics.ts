// Aggregate benchmark: a full programme comparison from the statistics API (over real HTTP, with
// authentication, disclosure control and audit) beside the plain SQL GROUP BY over the same
// stored indicators, in one run on the scale dataset (100,000 trajectories, ~5M measurements).
// Latency is what a dashboard feels, so requests go one at a time; variants alternate per round.
//
//   npm run bench:statistics
//   BENCH_TRAJECTORIES=4000 BENCH_REQUESTS=20 BENCH_ROUNDS=2 npm run bench:statistics
//   BENCH_SEED=17 ...: another seed, so the dataset is not one other branches use
import pg from 'pg';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { closedLoop, machineLine, pooled, printTable, request, type LoadResult } from './lib/load';
import { ensureScaleDataset } from './lib/scale-dataset';
import { startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const TRAJECTORIES = Number(process.env.BENCH_TRAJECTORIES ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** The floor: outcome classes and per-domain statuses per programme, one GROUP BY over stored indicators. */
const FLOOR_SQL = `
select p.code as programme, count(*) as trajectories,
       count(*) filter (where ti.outcome_class = 'improved') as improved,
       count(*) filter (where ti.outcome_class = 'mixed') as mixed,
       count(*) filter (where ti.outcome_class = 'not_improved') as not_improved,
       count(*) filter (where ti.outcome_class = 'insufficient_data' or ti.outcome_class is null) as insufficient_data,
       ${['exploitation_resilience', 'social_emotional', 'family_network', 'participation']
         .flatMap((domain) =>
           ['improved', 'unchanged', 'deteriorated', 'mixed'].map(
             (status) => `count(*) filter (where ti.status_${domain} = '${status}') as ${domain}_${status}`,
           ),
         )
         .join(', ')}
  from trajectories t
  join programmes p on p.id = t.programme_id
  left join trajectory_indicators ti on ti.trajectory_id = t.id
 where t.research_consent not in ('refused', 'withdrawn')
 group by p.code order by p.code`;

async function main() {
  const dataset = await ensureScaleDataset({ trajectories: TRAJECTORIES, seed: Number(process.env.BENCH_SEED ?? 1) });
  // A dataset generated before the latest migrations gets them (the statistics read released rows).
  const migrating = await openDatabase({ kind: 'postgres', url: dataset.databaseUrl, poolMax: 2 });
  await migrateDatabase(migrating);
  await migrating.close();
  const service = await startService(dataset.databaseUrl);
  await service.app.statisticsReleases.release();
  const { port } = service;
  const funder = await service.key('funder');
  const institution = await service.key('institution', 'vuurtorenhuis');
  const floorPool = new pg.Pool({ connectionString: dataset.databaseUrl, max: 2 });

  const rest = (key: string, path: string) => async () => {
    const response = await request(port, { method: 'GET', path, headers: { authorization: `Bearer ${key}` } });
    return response.status === 200;
  };
  const graphql = (key: string, query: string) => async () => {
    const response = await request(port, {
      method: 'POST',
      path: '/graphql',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return response.status === 200 && !JSON.parse(response.body).errors;
  };
  const variants: Array<[string, () => Promise<boolean>]> = [
    ['plain SQL GROUP BY programme over stored indicators (floor)', async () => (await floorPool.query(FLOOR_SQL)).rowCount! > 0],
    [
      'REST outcomes by programme, funder (classes + domain shares, cell-key method, audit)',
      rest(funder, '/api/v1/statistics/outcomes?groupBy=programme'),
    ],
    [
      'GraphQL comparison(outcomes), institution: own + national (2 populations)',
      graphql(
        institution,
        '{ comparison(measure: outcomes) { national { groups { group values { name value suppressed } } } own { groups { group values { name value suppressed } } } } }',
      ),
    ],
    ['REST overview by programme, funder (durations, end reasons, youths)', rest(funder, '/api/v1/statistics/overview?groupBy=programme')],
    [
      'REST care by programme, funder (fidelity medians, dose per activity type)',
      rest(funder, '/api/v1/statistics/care?groupBy=programme'),
    ],
  ];

  // Every variant answers correctly before it is timed.
  for (const [name, send] of variants) if (!(await send())) throw new Error(`${name}: failed`);
  for (const [, send] of variants) for (let i = 0; i < 3; i += 1) await send(); // warm-up

  const rounds = new Map<string, LoadResult[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, send] of variants) {
      let sent = 0;
      // One at a time, a fixed number of requests: latency as a dashboard sees it.
      rounds.get(name)!.push(await closedLoop(name, { concurrency: 1, durationMs: 600_000, until: () => sent++ >= REQUESTS }, send));
    }
  }
  console.log(machineLine());
  console.log(
    `dataset: ${dataset.trajectories.toLocaleString('en')} trajectories, ${dataset.measurements.toLocaleString('en')} measurements; ` +
      `${ROUNDS} alternating rounds of ${REQUESTS} sequential requests per variant`,
  );
  const results = variants.map(([name]) => pooled(name, rounds.get(name)!));
  printTable(results);

  await service.close();
  await floorPool.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
