// Load test of a realistic mix, for a fixed time, on the scale dataset: the service is built in
// this process on the dataset's database and called over real HTTP by one closed loop whose
// requests follow a fixed mix —
//   - bulk pushes by an institution (NDJSON: one new trajectory and its 50 measurements),
//   - research pages by a researcher (GraphQL, 50 trajectories with series and indicators),
//   - a funder's programme comparison (REST statistics, outcomes by programme),
//   - an institution's comparison (GraphQL `comparison(measure: outcomes)`, its own beside national).
// Prints per kind and overall: throughput, p50/p99 and errors (non-2xx, or GraphQL errors).
//
//   npm run bench:load
//   BENCH_TRAJECTORIES=4000 BENCH_SECONDS=10 npm run bench:load
//   BENCH_CONCURRENCY=8 BENCH_MIX=push:2,page:5,stats:2,comparison:1 npm run bench:load
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { addDays } from '../src/lib/dates';
import { pseudonymiseBsn } from '../src/lib/source-pseudonym';
import { PUSHED_SERIES, syntheticBsn } from './lib/synthetic-pushes';
import { machineLine, mixedLoop, type MixKind, printTable, request } from './lib/load';
import { cursorAfter, PAGE_QUERY, PAGE_SIZE, type ResearchPage, researcherHeaders, START_IDS } from './lib/research-page';
import { ensureScaleDataset } from './lib/scale-dataset';
import { BENCH_RATE_LIMIT_MAX, startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const TRAJECTORIES = Number(process.env.BENCH_TRAJECTORIES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MIX = Object.fromEntries(
  (process.env.BENCH_MIX ?? 'push:2,page:5,stats:2,comparison:1').split(',').map((entry) => {
    const [kind, weight] = entry.split(':');
    return [kind!, Number(weight)];
  }),
) as Record<'push' | 'page' | 'stats' | 'comparison', number>;
const MEASUREMENTS_PER_PUSH = 50;
const SHARED_KEY = Buffer.alloc(32, 7);
const INSTRUMENTS = PUSHED_SERIES;

const COMPARISON_QUERY = `query Comparison {
  comparison(measure: outcomes) {
    national { groups { group values { name value suppressed } } total { name value suppressed } }
    own { groups { group values { name value suppressed } } total { name value suppressed } }
  }
}`;

/**
 * Letters only: references must not hold digit runs the PII guard takes for phone numbers, and a
 * new run id per run keeps repeated runs from meeting their own references.
 */
const RUN = Array.from(randomBytes(8), (byte) => String.fromCharCode(97 + (byte % 26))).join('');

/** A new youth every push: each run takes one of 400 slots of 100,000 pushes. */
function bsnFor(push: number): string {
  const slot = Number.parseInt(RUN.slice(0, 5), 36) % 400;
  return syntheticBsn(slot * 100_000 + (push % 100_000));
}

/** One push: a new trajectory (new youth) and its measurements, references unique to this run. */
function pushBody(push: number): string {
  const trajectory = `LD-${RUN}-T${push.toString(36)}`;
  const start = addDays('2025-01-06', push % 50);
  const lines = [
    JSON.stringify({
      type: 'trajectory',
      reference: trajectory,
      subject: {
        pseudonym: pseudonymiseBsn(bsnFor(push), SHARED_KEY),
        birthYear: 2009,
        gender: 'girl',
        mildIntellectualDisability: 'no',
        priorYouthCare: 'yes',
      },
      programmeCode: 'vuurtorenhuis-baken',
      startDate: start,
      exploitationAtIntake: 'confirmed',
      researchConsent: 'granted',
    }),
  ];
  for (let index = 0; index < MEASUREMENTS_PER_PUSH; index += 1) {
    const [instrumentCode, informant, max] = INSTRUMENTS[index % INSTRUMENTS.length]!;
    lines.push(
      JSON.stringify({
        type: 'measurement',
        reference: `${trajectory}-M${index}`,
        trajectoryReference: trajectory,
        instrumentCode,
        informant,
        date: addDays(start, Math.floor(index / INSTRUMENTS.length) * 7),
        value: (push * 7 + index * 3) % (max + 1),
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main() {
  const dataset = await ensureScaleDataset({ trajectories: TRAJECTORIES });
  const service = await startService(dataset.databaseUrl);
  const { port } = service;
  const keys = {
    push: await service.key('institution', 'vuurtorenhuis'),
    page: await service.key('researcher'),
    stats: await service.key('funder'),
    comparison: await service.key('institution', 'lindehof'),
  };
  /** The first failure of each kind, to print after the table (status and the start of the body). */
  const firstErrors = new Map<string, string>();
  const failed = (kind: string, detail: string) => {
    if (!firstErrors.has(kind)) firstErrors.set(kind, detail.slice(0, 300));
    return false;
  };
  const graphqlOk = (kind: string, response: { status: number; body: string }) => {
    if (response.status !== 200) return failed(kind, `${response.status} ${response.body}`);
    const parsed = JSON.parse(response.body) as { errors?: unknown[]; data?: unknown };
    return parsed.errors || !parsed.data ? failed(kind, `GraphQL errors: ${JSON.stringify(parsed.errors)}`) : true;
  };

  const kinds: Record<keyof typeof MIX, MixKind> = {
    push: {
      name: `push: NDJSON, 1 trajectory + ${MEASUREMENTS_PER_PUSH} measurements (institution)`,
      weight: MIX.push,
      send: async (n) => {
        const response = await request(port, {
          method: 'POST',
          path: '/api/v1/ingest',
          headers: { authorization: `Bearer ${keys.push}`, 'content-type': 'application/x-ndjson' },
          body: pushBody(n),
        });
        return response.status === 200 || failed('push', `${response.status} ${response.body}`);
      },
    },
    page: {
      name: `research page: GraphQL, ${PAGE_SIZE} trajectories with series and indicators (researcher)`,
      weight: MIX.page,
      send: async (n) => {
        const after = cursorAfter(START_IDS[n % START_IDS.length]!);
        const response = await request(port, {
          method: 'POST',
          path: '/graphql',
          headers: researcherHeaders(keys.page),
          body: JSON.stringify({ query: PAGE_QUERY, variables: { after } }),
        });
        if (!graphqlOk('page', response)) return false;
        const nodes = (JSON.parse(response.body) as ResearchPage).data!.trajectories.nodes.length;
        return nodes === PAGE_SIZE || failed('page', `page of ${nodes} trajectories`);
      },
    },
    stats: {
      name: 'comparison: REST statistics/outcomes?groupBy=programme (funder)',
      weight: MIX.stats,
      send: async () => {
        const response = await request(port, {
          method: 'GET',
          path: '/api/v1/statistics/outcomes?groupBy=programme',
          headers: { authorization: `Bearer ${keys.stats}` },
        });
        return response.status === 200 || failed('stats', `${response.status} ${response.body}`);
      },
    },
    comparison: {
      name: 'comparison: GraphQL comparison(measure: outcomes), own beside national (institution)',
      weight: MIX.comparison,
      send: async () =>
        graphqlOk(
          'comparison',
          await request(port, {
            method: 'POST',
            path: '/graphql',
            headers: { authorization: `Bearer ${keys.comparison}`, 'content-type': 'application/json' },
            body: JSON.stringify({ query: COMPARISON_QUERY }),
          }),
        ),
    },
  };
  const mix = (Object.keys(kinds) as Array<keyof typeof MIX>).filter((kind) => kinds[kind].weight > 0).map((kind) => kinds[kind]);

  // Each kind once (fails fast on a broken request), then a short warm-up (JIT, plans, pools).
  for (const kind of mix) {
    if (!(await kind.send(1_000_000 + mix.indexOf(kind)))) throw new Error(`${kind.name} failed: ${[...firstErrors.values()].join(' / ')}`);
  }
  await mixedLoop(
    mix.map((kind, index) => ({ ...kind, send: (n: number) => kind.send(2_000_000 + index * 100_000 + n) })),
    { concurrency: CONCURRENCY, durationMs: Math.min(5_000, SECONDS * 200) },
  );
  firstErrors.clear();
  const auditBefore = await service.database.query<{ n: string }>('select count(*)::text as n from audit_events');

  // The service, its background indicator work and the client share this event loop: a request
  // that awaits many statements in turn waits for the loop at every one of them.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const result = await mixedLoop(mix, { concurrency: CONCURRENCY, durationMs: SECONDS * 1000 });
  loopDelay.disable();

  const auditAfter = await service.database.query<{ n: string }>('select count(*)::text as n from audit_events');
  const queued = await service.database.query<{ n: string }>('select count(*)::text as n from indicator_queue');
  console.log(machineLine());
  console.log(
    `dataset: ${dataset.trajectories.toLocaleString('en')} trajectories, ${dataset.measurements.toLocaleString('en')} measurements (before this run's pushes); ` +
      `closed loop of ${CONCURRENCY} workers for ${SECONDS} s, mix ${mix.map((kind) => kind.weight).join(':')} (push:page:stats:comparison); ` +
      `run id ${RUN}; RATE_LIMIT_MAX=${BENCH_RATE_LIMIT_MAX.toLocaleString('en')} so the limiter does not throttle the test`,
  );
  printTable([...result.kinds, { ...result.overall, name: 'overall' }]);
  console.log(
    `audit events written during the run: ${(Number(auditAfter.rows[0]!.n) - Number(auditBefore.rows[0]!.n)).toLocaleString('en')}; ` +
      `trajectories still queued for indicator recomputation at the end: ${Number(queued.rows[0]!.n).toLocaleString('en')}`,
  );
  console.log(
    `event-loop delay during the run (service and client share it): p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, ` +
      `p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
  );
  for (const [kind, detail] of firstErrors) console.log(`first error (${kind}): ${detail}`);
  await service.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
