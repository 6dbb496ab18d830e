// Statistics answers beside a plain GROUP BY: funder and institution requests over real HTTP (with
// authentication, scope and audit), one at a time (latency as a dashboard feels it), beside the
// plain SQL `GROUP BY programme` over the stored indicators (the counts the outcomes answer is
// built from), in alternating rounds. Since issue #23 every answer is computed, audited and stored
// at a release and a request reads the stored one (statistics_answers): the bench makes a release
// first (timed, printed), then times the reads. The last column compares each answer's p50 against
// the floor's with the same ratio from before the release model (answers computed per request by
// GROUPING SETS, the run of 2026-11-30 22:36 UTC on the same 20,000-trajectory dataset, seed 1).
//
//   BENCH_TRAJECTORIES=20000 BENCH_SEED=1 BENCH_REQUESTS=20 BENCH_ROUNDS=2 npm run bench:statistics
//   BENCH_TRAJECTORIES=4000 BENCH_REQUESTS=20 BENCH_ROUNDS=2 npm run bench:statistics
//   BENCH_SEED=17 ...: another seed, so the dataset is not one other branches use
//   BENCH_AUDIT=off ...: without the audit's write (the answer's own cost)
import pg from 'pg';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import os from 'node:os';
import { closedLoop, type LoadResult, machineLine, pooled, request, summary } from './lib/load';
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

const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function main() {
  const dataset = await ensureScaleDataset({ trajectories: TRAJECTORIES, seed: Number(process.env.BENCH_SEED ?? 1) });
  // A dataset generated before the latest migrations gets them (the statistics read released rows).
  const migrating = await openDatabase({ kind: 'postgres', url: dataset.databaseUrl, poolMax: 2 });
  await migrateDatabase(migrating);
  await migrating.close();
  // BENCH_AUDIT=off: an audit writer that writes nothing, so the answer's own cost shows (the
  // audit's durable write, the same for every answer, was most of a stored answer's time).
  const audited = process.env.BENCH_AUDIT !== 'off';
  const service = await startService(dataset.databaseUrl, { audited });
  const releaseStarted = performance.now();
  const release = await service.app.statisticsReleases.release();
  const releaseSeconds = (performance.now() - releaseStarted) / 1000;
  const latest = (await service.app.statisticsReleases.history(10)).find((entry) => entry.outcome === 'published');
  if (!latest) throw new Error(`no published release (this one: ${release?.outcome ?? 'none'})`);
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
  // [name, send, p50 against the floor's before the release model (GROUPING SETS per request)]
  const variants: Array<[string, () => Promise<boolean>, number | null]> = [
    ['plain SQL GROUP BY programme over stored indicators (floor)', async () => (await floorPool.query(FLOOR_SQL)).rowCount! > 0, 1],
    [
      'REST outcomes by programme, funder (stored answer: classes + domain shares)',
      rest(funder, '/api/v1/statistics/outcomes?groupBy=programme'),
      2.36,
    ],
    [
      'GraphQL comparison(outcomes), institution: own + national (two stored answers)',
      graphql(
        institution,
        '{ comparison(measure: outcomes) { national { groups { group values { name value suppressed } } } own { groups { group values { name value suppressed } } } } }',
      ),
      2.55,
    ],
    [
      'REST overview by programme, funder (stored answer: durations, end reasons, youths)',
      rest(funder, '/api/v1/statistics/overview?groupBy=programme'),
      2.81,
    ],
    [
      'REST care by programme, funder (stored answer: fidelity medians, dose per activity type)',
      rest(funder, '/api/v1/statistics/care?groupBy=programme'),
      0.49,
    ],
  ];

  // Every variant answers correctly before it is timed.
  const loadAtStart = loadAverage();
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
  console.log(`load average: ${loadAtStart} at the start, ${loadAverage()} at the end; audit ${audited ? 'on' : 'off (BENCH_AUDIT=off)'}`);
  console.log(
    `dataset: ${dataset.trajectories.toLocaleString('en')} trajectories, ${dataset.measurements.toLocaleString('en')} measurements; ` +
      `${ROUNDS} alternating rounds of ${REQUESTS} sequential requests per variant`,
  );
  console.log(
    `release before timing: ${release?.outcome ?? 'none (another was running)'} in ${releaseSeconds.toFixed(1)} s; answers read from release ${latest.id}`,
  );
  const rows = variants.map(([name, , before]) => ({ row: summary(pooled(name, rounds.get(name)!)), before }));
  const floor = rows[0]!.row.p50;
  console.log('| variant | requests | errors | req/s | p50 ms | p99 ms | p50 vs floor | before (per request) | faster than before |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { row, before } of rows) {
    const ratio = row.p50 / floor;
    console.log(
      `| ${row.variant} | ${row.requests.toLocaleString('en')} | ${row.errors} | ${row.rps.toFixed(1)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ` +
        `${ratio.toFixed(2)} | ${before === null ? '–' : before.toFixed(2)} | ${before === null || before === 1 ? '–' : `${(before / ratio).toFixed(1)}×`} |`,
    );
  }

  await service.close();
  await floorPool.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
