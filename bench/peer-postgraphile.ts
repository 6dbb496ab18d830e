// Record-level reads side by side with a peer: PostGraphile v4 (a generic GraphQL layer generated
// from the tables) on the same database, in the same process, asked for the same page — 50
// trajectories with research consent 'granted', in id order, after a given id, each with its
// measurements — at the same concurrency, in alternating rounds.
//
// The two do not do the same work per request, and the table says so:
//   - this service: API-key lookup, researcher scope in every SQL statement (consent 'granted',
//     dates turned into day offsets from the start), a record-level audit event appended to the
//     hash chain before the answer leaves (one transaction, under the chain-head lock), measurement
//     series grouped per instrument and informant; the full page also computes N=1 indicators;
//   - the same service with an audit writer that writes nothing, to show the audit event's share;
//   - PostGraphile: none of these — no authentication, no scope beyond the condition in the query,
//     no audit, calendar dates as stored; one SQL statement per page.
// Fair page for the peer: `allTrajectories(first: 50, after: <cursor>, orderBy: PRIMARY_KEY_ASC,
// condition: { researchConsent: "granted" })`, where the cursor is PostGraphile's own keyset
// cursor for "after this id" (its format, checked against the cursors it returns, is
// base64(["primary_key_asc", [id]])), so both sides run "consent = 'granted' and id > $1 order by
// id limit 50" on the primary key; measurements through the foreign key, ordered as the service
// orders them (instrument, informant, date, id: the measurements_series_idx order).
//
//   npm run bench:peer
//   BENCH_TRAJECTORIES=4000 BENCH_SECONDS=5 BENCH_ROUNDS=1 npm run bench:peer
import http from 'node:http';
import { createRequire } from 'node:module';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { closedLoop, type LoadResult, machineLine, pooled, printTable, request, summary } from './lib/load';
import { cursorAfter, LEAN_PAGE_QUERY, PAGE_QUERY, PAGE_SIZE, type ResearchPage, researcherHeaders, START_IDS } from './lib/research-page';
import { ensureScaleDataset } from './lib/scale-dataset';
import { startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const TRAJECTORIES = Number(process.env.BENCH_TRAJECTORIES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POOL_MAX = 10;

const PEER_QUERY = `query PeerPage($after: Cursor) {
  allTrajectories(first: ${PAGE_SIZE}, after: $after, orderBy: PRIMARY_KEY_ASC, condition: { researchConsent: "granted" }) {
    nodes {
      id
      measurementsByTrajectoryIdAndInstitutionId(orderBy: [INSTRUMENT_CODE_ASC, INFORMANT_ASC, MEASURED_ON_ASC, PRIMARY_KEY_ASC]) {
        nodes { instrumentCode informant measuredOn value }
      }
    }
    pageInfo { endCursor hasNextPage }
  }
}`;

interface PeerPage {
  data?: {
    allTrajectories: {
      nodes: Array<{ id: string; measurementsByTrajectoryIdAndInstitutionId: { nodes: Array<{ instrumentCode: string; informant: string; measuredOn: string; value: number }> } }>;
      pageInfo: { endCursor: string };
    };
  };
  errors?: unknown[];
}

const peerCursorAfter = (id: string) => Buffer.from(JSON.stringify(['primary_key_asc', [id]])).toString('base64');

/** Per trajectory: its values in (instrument, informant, date) order, as one comparable string. */
const ourValues = (page: ResearchPage) =>
  page.data!.trajectories.nodes.map((node) => ({
    id: node.id,
    values: [...node.series]
      .sort((a, b) => `${a.instrumentCode}/${a.informant}`.localeCompare(`${b.instrumentCode}/${b.informant}`))
      .flatMap((series) => series.observations.map((observation) => `${series.instrumentCode}/${series.informant}=${observation.value}`))
      .join(' '),
  }));
const peerValues = (page: PeerPage) =>
  page.data!.allTrajectories.nodes.map((node) => ({
    id: node.id,
    values: [...node.measurementsByTrajectoryIdAndInstitutionId.nodes]
      .sort((a, b) => `${a.instrumentCode}/${a.informant}`.localeCompare(`${b.instrumentCode}/${b.informant}`))
      .map((measurement) => `${measurement.instrumentCode}/${measurement.informant}=${measurement.value}`)
      .join(' '),
  }));

/** SQL statements the process sends while `run` runs (every pool in it uses this pg module). */
async function countStatements(run: () => Promise<unknown>): Promise<number> {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let count = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    count += 1;
    return original.apply(this, args);
  };
  try {
    await run();
  } finally {
    prototype.query = original;
  }
  return count;
}

async function main() {
  const dataset = await ensureScaleDataset({ trajectories: TRAJECTORIES });
  const service = await startService(dataset.databaseUrl, { poolMax: POOL_MAX });
  // The same service with an audit writer that writes nothing: what the audit event costs a page.
  const twin = await startService(dataset.databaseUrl, { poolMax: POOL_MAX, audited: false });
  const key = await service.key('researcher');

  const peerPool = new pg.Pool({ connectionString: dataset.databaseUrl, max: POOL_MAX });
  const peer = http.createServer(
    postgraphile(peerPool, 'public', {
      disableDefaultMutations: true,
      graphiql: false,
      enableQueryBatching: false,
      disableQueryLog: true,
      retryOnInitFail: false,
      watchPg: false,
    }),
  );
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  const peerPort = (peer.address() as { port: number }).port;

  const ourPage = async (query: string, index: number, port = service.port): Promise<{ page: ResearchPage; bytes: number }> => {
    const response = await request(port, {
      method: 'POST',
      path: '/graphql',
      headers: researcherHeaders(key),
      body: JSON.stringify({ query, variables: { after: cursorAfter(START_IDS[index % START_IDS.length]!) } }),
    });
    if (response.status !== 200) throw new Error(`service answered ${response.status}: ${response.body.slice(0, 300)}`);
    return { page: JSON.parse(response.body) as ResearchPage, bytes: response.body.length };
  };
  const peerPage = async (index: number): Promise<{ page: PeerPage; bytes: number }> => {
    const response = await request(peerPort, {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PEER_QUERY, variables: { after: peerCursorAfter(START_IDS[index % START_IDS.length]!) } }),
    });
    if (response.status !== 200) throw new Error(`PostGraphile answered ${response.status}: ${response.body.slice(0, 300)}`);
    return { page: JSON.parse(response.body) as PeerPage, bytes: response.body.length };
  };

  // The same page both ways: same trajectories in the same order, same values in the same order.
  for (const index of [0, 7, 19, 31]) {
    const ours = (await ourPage(LEAN_PAGE_QUERY, index)).page;
    const theirs = (await peerPage(index)).page;
    if (ours.errors || theirs.errors) throw new Error(`errors: ${JSON.stringify(ours.errors ?? theirs.errors).slice(0, 500)}`);
    const [a, b] = [ourValues(ours), peerValues(theirs)];
    if (a.length !== PAGE_SIZE || b.length !== PAGE_SIZE) throw new Error(`page sizes ${a.length} / ${b.length}`);
    a.forEach((row, position) => {
      if (row.id !== b[position]!.id) throw new Error(`page ${index}: ids differ at ${position}`);
      if (row.values !== b[position]!.values) throw new Error(`page ${index}: measurements of ${row.id} differ`);
    });
  }
  // Check of the cursor format: PostGraphile's own cursor for the last row is the one we build.
  const probe = (await peerPage(0)).page.data!.allTrajectories;
  if (probe.pageInfo.endCursor !== peerCursorAfter(probe.nodes.at(-1)!.id)) throw new Error(`unexpected PostGraphile cursor ${probe.pageInfo.endCursor}`);

  const variants = [
    {
      name: 'PostGraphile: id + measurements (code, informant, date, value); no auth, scope or audit',
      send: async (n: number) => {
        const { page } = await peerPage(n);
        return !page.errors && page.data!.allTrajectories.nodes.length === PAGE_SIZE;
      },
    },
    {
      name: 'service, same fields: id + series (code, informant, day, value); auth, scope, audit',
      send: async (n: number) => {
        const { page } = await ourPage(LEAN_PAGE_QUERY, n);
        return !page.errors && page.data!.trajectories.nodes.length === PAGE_SIZE;
      },
    },
    {
      name: 'service, same fields, audit writer that writes nothing',
      send: async (n: number) => {
        const { page } = await ourPage(LEAN_PAGE_QUERY, n, twin.port);
        return !page.errors && page.data!.trajectories.nodes.length === PAGE_SIZE;
      },
    },
    {
      name: 'service, full page with indicators (as bench:graphql)',
      send: async (n: number) => {
        const { page } = await ourPage(PAGE_QUERY, n);
        return !page.errors && page.data!.trajectories.nodes.length === PAGE_SIZE;
      },
    },
  ];
  const sizes = [(await peerPage(3)).bytes, (await ourPage(LEAN_PAGE_QUERY, 3)).bytes, (await ourPage(LEAN_PAGE_QUERY, 3, twin.port)).bytes, (await ourPage(PAGE_QUERY, 3)).bytes];
  // Warm both (JIT compilation of the queries, plan caches, pools), then count statements per page.
  for (const variant of variants) await closedLoop('warm-up', { concurrency: CONCURRENCY, durationMs: 3_000 }, variant.send);
  const statements: number[] = [];
  for (const variant of variants) statements.push(await countStatements(() => variant.send(5)));

  const rounds: LoadResult[][] = variants.map(() => []);
  /** CPU of this process (service, peer and client together; PostgreSQL not included), in µs. */
  const cpu = variants.map(() => 0);
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate the order each round, so no variant always runs first (or right after the heaviest).
    for (let step = 0; step < variants.length; step += 1) {
      const index = (round + step) % variants.length;
      const before = process.cpuUsage();
      rounds[index]!.push(await closedLoop(variants[index]!.name, { concurrency: CONCURRENCY, durationMs: SECONDS * 1000 }, variants[index]!.send));
      const used = process.cpuUsage(before);
      cpu[index]! += used.user + used.system;
    }
  }
  const results = variants.map((variant, index) => pooled(variant.name, rounds[index]!));

  console.log(machineLine());
  console.log(
    `dataset: ${dataset.trajectories.toLocaleString('en')} trajectories, ${dataset.measurements.toLocaleString('en')} measurements; ` +
      `page of ${PAGE_SIZE} consented trajectories after a given id (32 start points); concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds of ${SECONDS} s; ` +
      `both in this process, each with a pool of ${POOL_MAX} connections; PostGraphile ${(createRequire(import.meta.url)('postgraphile/package.json') as { version: string }).version}`,
  );
  printTable(results);
  const rows = results.map(summary);
  console.log('');
  console.log('| variant | SQL statements per page | JSON bytes per page | Node CPU ms per page (incl. client) | req/s vs PostGraphile | p99 vs PostGraphile |');
  console.log('|---|---:|---:|---:|---:|---:|');
  rows.forEach((row, index) => {
    console.log(
      `| ${row.variant} | ${statements[index]} | ${sizes[index]!.toLocaleString('en')} | ${(cpu[index]! / 1000 / row.requests).toFixed(1)} | ` +
        `${(row.rps / rows[0]!.rps).toFixed(2)} | ${(row.p99 / rows[0]!.p99).toFixed(2)} |`,
    );
  });
  console.log('');
  console.log('Per request, the service authenticates the key (one lookup), scopes every statement to consented trajectories, gives day offsets');
  console.log('instead of dates and appends a record-level audit event (hash chain, own transaction) before answering; PostGraphile does none');
  console.log('of these here (no JWT or role, no row-level security, no audit) and returns calendar dates.');

  await new Promise<void>((resolve) => peer.close(() => resolve()));
  await peerPool.end();
  await twin.close();
  await service.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
