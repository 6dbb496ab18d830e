// Release scaling: how long a statistics release takes as the registry grows, phase by phase, and
// whether requests wait on it. For each size, on a throwaway copy of the scale dataset (the
// statistics tables emptied, and statistics_trajectories analysed while empty, as on a new
// deployment): the first release; then ~2 % of the youths change (each in three families: research
// consent, outcome class, care doses; split three ways, no family of 5,000 trajectories would reach
// the change rule's 40 youths) and a second release. A release is three phases
// (statistics-releases.ts): the prepare transaction (population, change counting, apply, read),
// the worker (aggregation, layout and the LP audit, off the main thread; the catalogue read and the
// worker's start are in it), and the publish transaction. Each is timed from the service's own
// transactions (the database is wrapped, the release code is not touched), statement by statement.
//
// A probe fires a request every BENCH_PROBE_MS (funder: statistics overview, catalogue
// instruments; /health/ready), timed from when it was due (so a blocked event loop counts), during
// each release and during BENCH_BASELINE_SECONDS without one. The growth exponent is the slope of
// log(seconds) against log(trajectories), least squares over the PostgreSQL sizes.
//
//   npm run bench:release
//   BENCH_SIZES=5000,20000 BENCH_PGLITE_SIZES= npm run bench:release   (PostgreSQL only)
//   BENCH_SIZES= BENCH_PGLITE_SIZES=5000 npm run bench:release         (PGlite only)
//   BENCH_SEED=1, BENCH_CHANGED=0.02, BENCH_PROBE_MS=50, BENCH_BASELINE_SECONDS=10
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { type Database, openDatabase, type PgliteDatabase } from '../src/db/client';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import type { ReleaseLogEntry } from '../src/modules/statistics/statistics-releases.repository';
import { prepareSchema } from '../src/runtime/prepare-database';
import { machineLine, percentile, request } from './lib/load';
import { copyScaleDatasetIntoPglite } from './lib/pglite-copy';
import { copyScaleDataset, ensureScaleDataset, SCALE_REGISTRY_KEY } from './lib/scale-dataset';
import { BENCH_RATE_LIMIT_MAX, type BenchService, startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const sizes = (value: string | undefined, fallback: string) =>
  (value ?? fallback)
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map(Number);
const SIZES = sizes(process.env.BENCH_SIZES, '5000,20000,50000');
const PGLITE_SIZES = sizes(process.env.BENCH_PGLITE_SIZES, '5000');
const SEED = Number(process.env.BENCH_SEED ?? 1);
const CHANGED = Number(process.env.BENCH_CHANGED ?? 0.02);
const PROBE_MS = Number(process.env.BENCH_PROBE_MS ?? 50);
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 10);

type Engine = 'postgres' | 'pglite';

// ---------------------------------------------------------------------------------------------
// The release's transactions, timed from outside.

interface Statement {
  label: string;
  ms: number;
}

interface TransactionRecord {
  kind: 'prepare' | 'publish' | 'other';
  started: number;
  ended: number;
  statements: Statement[];
}

/** A short name for a statement of the release (statistics-releases.repository.ts). */
function labelOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const rules: Array<[RegExp, string]> = [
    [/pg_try_advisory_xact_lock/, 'advisory lock'],
    [/^set local/, 'set timeout'],
    [/^lock table/, 'lock statistics_trajectories'],
    [/^create temp table/, 'create candidate table'],
    [/^insert into statistics_candidate/, 'candidate population (insert … select)'],
    [/^analyze statistics_candidate/, 'analyze candidate'],
    [/^with per_row/, 'changes per family and institution'],
    [/count\(distinct erasure\)/, 'departures'],
    [/from statistics_erasures e join institutions/, 'churn'],
    [/^delete from statistics_trajectories/, 'apply: delete gone'],
    [/^insert into statistics_trajectories/, 'apply: insert new (on conflict)'],
    [/^update statistics_trajectories/, 'apply: update family'],
    [/^analyze statistics_trajectories/, 'analyze released'],
    [/^insert into statistics_release_log/, 'log entry'],
    [/^update statistics_erasures/, 'erasures released'],
    [/^select (to_jsonb\(r\)|jsonb_build_object\().* from statistics_trajectories r$/, 'read released rows'],
    [/^select fingerprint from statistics_withheld_counts/, 'read withheld'],
    [/^insert into statistics_answers/, 'insert answers'],
    [/^insert into statistics_withheld_counts/, 'insert withheld'],
    [/^update statistics_release_log/, 'mark published'],
    [/^delete from statistics_answers/, 'drop old answers'],
  ];
  return rules.find(([pattern]) => pattern.test(flat))?.[1] ?? flat.slice(0, 40);
}

function instrumented(database: Database, records: TransactionRecord[]): Database {
  const transaction: Database['transaction'] = async (work) => {
    const record: TransactionRecord = { kind: 'other', started: performance.now(), ended: 0, statements: [] };
    try {
      return await database.transaction((connection) =>
        work({
          query: async (text, params) => {
            // Told by the statement that marks it (the unit of work may run its own first).
            if (record.kind === 'other') {
              if (text.includes('pg_try_advisory_xact_lock')) record.kind = 'prepare';
              else if (/^\s*insert into statistics_answers/.test(text)) record.kind = 'publish';
            }
            const started = performance.now();
            try {
              return await connection.query(text, params);
            } finally {
              record.statements.push({ label: labelOf(text), ms: performance.now() - started });
            }
          },
        }),
      );
    } finally {
      // Commit included.
      record.ended = performance.now();
      if (record.kind !== 'other') records.push(record);
    }
  };
  return { ...database, transaction } as Database;
}

// ---------------------------------------------------------------------------------------------
// The probe: a request every PROBE_MS, timed from when it was due.

interface Sample {
  kind: string;
  due: number;
  latency: number;
  ok: boolean;
}

interface ProbeKind {
  name: string;
  send: () => Promise<boolean>;
}

function startProbe(kinds: ProbeKind[]) {
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let tick = 0;
  const fire = () => {
    // Ticks the event loop could not serve on time are sent now, timed from when they were due.
    while (started + tick * PROBE_MS <= performance.now()) {
      const due = started + tick * PROBE_MS;
      const kind = kinds[tick % kinds.length]!;
      tick += 1;
      const sent = kind
        .send()
        .catch(() => false)
        .then((ok) => {
          samples.push({ kind: kind.name, due, latency: performance.now() - due, ok });
        });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
  };
  const timer = setInterval(fire, Math.max(1, PROBE_MS / 5));
  return {
    async stop(): Promise<Sample[]> {
      clearInterval(timer);
      await Promise.all(inFlight);
      return samples;
    },
  };
}

function probeRows(samples: Sample[], kinds: string[]) {
  return kinds.map((kind) => {
    const own = samples.filter((sample) => sample.kind === kind);
    const latencies = own.filter((sample) => sample.ok).map((sample) => sample.latency);
    return {
      kind,
      requests: own.length,
      errors: own.filter((sample) => !sample.ok).length,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.length ? Math.max(...latencies) : Number.NaN,
      over1s: latencies.filter((latency) => latency > 1000).length,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The service on either engine, on a copy of the dataset.

interface Target {
  engine: Engine;
  size: number;
  service: BenchService;
  records: TransactionRecord[];
  dispose: () => Promise<void>;
}

/**
 * Empties the statistics and the research releases that cite them (no release yet) and analyses
 * statistics_trajectories while empty, as a new deployment has it. The dataset's records date
 * from its generation minutes ago; they are dated a year back, as a registry's history is, so
 * that the second release's corrections are not young records' (churn, which postpones it).
 */
const RESET_STATISTICS = `
  truncate statistics_answers, statistics_release_log, statistics_trajectories, statistics_withheld_counts, statistics_erasures restart identity cascade;
  update trajectories set created_at = created_at - interval '1 year';
  analyze statistics_trajectories`;

async function postgresTarget(size: number): Promise<Target> {
  const dataset = await ensureScaleDataset({ trajectories: size, seed: SEED });
  const copy = `registry_release_${size}_s${SEED}`;
  const { url, drop } = await copyScaleDataset(dataset, copy);
  const resetting = new pg.Client({ connectionString: url });
  await resetting.connect();
  await resetting.query(RESET_STATISTICS);
  await resetting.end();
  const records: TransactionRecord[] = [];
  const service = await startService(url, {
    environment: { STATISTICS_RELEASE_CALENDAR: 'manual' },
    wrapDatabase: (database) => instrumented(database, records),
  });
  return {
    engine: 'postgres',
    size,
    service,
    records,
    dispose: async () => {
      await service.close();
      await drop();
    },
  };
}

async function pgliteTarget(size: number): Promise<Target> {
  const dataset = await ensureScaleDataset({ trajectories: size, seed: SEED });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-release-'));
  const started = performance.now();
  const opened = (await openDatabase({ kind: 'pglite', dataDir })) as PgliteDatabase;
  await prepareSchema(opened);
  const copied = await copyScaleDatasetIntoPglite(dataset.databaseUrl, opened);
  await opened.pglite.exec(RESET_STATISTICS);
  process.stderr.write(
    `PGlite in ${dataDir}: ${copied.trajectories} trajectories, ${copied.measurements} measurements copied in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  const records: TransactionRecord[] = [];
  const database = instrumented(opened, records);
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    REGISTRY_PSEUDONYM_KEY: SCALE_REGISTRY_KEY.toString('hex'),
    RATE_LIMIT_MAX: String(BENCH_RATE_LIMIT_MAX),
    STATISTICS_RELEASE_CALENDAR: 'manual',
  });
  const app = await buildApp({ config, database, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const apiKeys = createApiKeysService(createApiKeysRepository(database));
  const service: BenchService = {
    app,
    port: (app.server.address() as { port: number }).port,
    database,
    key: async (role, institutionCode) =>
      (await apiKeys.create({ name: `bench ${role}`, role, ...(institutionCode ? { institutionCode } : {}) })).key,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
  return {
    engine: 'pglite',
    size,
    service,
    records,
    dispose: async () => {
      await service.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Changes between the releases: ~CHANGED of the youths in the population, each in three families.

async function changeYouths(database: Database, share: number): Promise<Record<string, number>> {
  const picked = () => `
    select t.id from trajectories t join subjects s on s.id = t.subject_id
     where t.research_consent in ('granted', 'unknown')
       and abs(hashtext(s.registry_key || 'bench-release')) % 100000 < ${Math.round(share * 100_000)}`;
  const count = async (text: string) => (await database.query<{ n: number }>(text)).rows[0]!.n;
  const youths = await count(`
    select count(distinct s.registry_key)::int as n from trajectories t join subjects s on s.id = t.subject_id
     where t.research_consent in ('granted', 'unknown') and abs(hashtext(s.registry_key || 'bench-release')) % 100000 < ${Math.round(share * 100_000)}`);
  const all = await count(`
    select count(distinct s.registry_key)::int as n from trajectories t join subjects s on s.id = t.subject_id
     where t.research_consent in ('granted', 'unknown')`);
  await database.query(`update trajectories set research_consent = case research_consent when 'granted' then 'unknown' else 'granted' end
                         where id in (${picked()})`);
  await database.query(`update trajectory_indicators set outcome_class = case outcome_class when 'improved' then 'not_improved' else 'improved' end
                         where trajectory_id in (${picked()})`);
  await database.query(`update trajectory_doses set per_month_in_care = per_month_in_care * 1.25 + 0.1
                         where trajectory_id in (${picked()})`);
  return { youths, all };
}

// ---------------------------------------------------------------------------------------------

interface ReleaseResult {
  engine: Engine;
  size: number;
  which: 'first' | 'second';
  entry: ReleaseLogEntry | null;
  totalS: number;
  prepareS: number;
  computeS: number;
  publishS: number;
  auditS: number | null;
  prepare: Statement[];
  publish: Statement[];
  samples: Sample[];
  windows: { prepare: [number, number]; compute: [number, number]; publish: [number, number] };
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  load: string;
}

const PROBE_KINDS = ['GET /api/v1/statistics/overview (funder)', 'GET /api/v1/catalogue/instruments (funder)', 'GET /health/ready'];

function probeKinds(port: number, funder: string): ProbeKind[] {
  const get = (pathname: string, key?: string) => async () =>
    (await request(port, { method: 'GET', path: pathname, headers: key ? { authorization: `Bearer ${key}` } : {} })).status === 200;
  const overview: ProbeKind = { name: PROBE_KINDS[0]!, send: get('/api/v1/statistics/overview', funder) };
  // The overview every other tick, the other two in turn.
  return [
    overview,
    { name: PROBE_KINDS[1]!, send: get('/api/v1/catalogue/instruments', funder) },
    overview,
    { name: PROBE_KINDS[2]!, send: get('/health/ready') },
  ];
}

const loadLine = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function timedRelease(target: Target, which: 'first' | 'second', kinds: ProbeKind[]): Promise<ReleaseResult> {
  const load = loadLine();
  const before = target.records.length;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const probe = startProbe(kinds);
  const started = performance.now();
  const entry = await target.service.app.statisticsReleases.release();
  const ended = performance.now();
  const samples = await probe.stop();
  loop.disable();
  const records = target.records.slice(before);
  const prepare = records.find((record) => record.kind === 'prepare');
  const publish = records.find((record) => record.kind === 'publish');
  if (!prepare) throw new Error('no prepare transaction was seen');
  const computeEnd = publish?.started ?? ended;
  return {
    engine: target.engine,
    size: target.size,
    which,
    entry,
    totalS: (ended - started) / 1000,
    prepareS: (prepare.ended - prepare.started) / 1000,
    computeS: (computeEnd - prepare.ended) / 1000,
    publishS: publish ? (publish.ended - publish.started) / 1000 : 0,
    auditS: entry?.audit?.seconds ?? null,
    prepare: prepare.statements,
    publish: publish?.statements ?? [],
    samples,
    windows: {
      prepare: [prepare.started, prepare.ended],
      compute: [prepare.ended, computeEnd],
      publish: [publish?.started ?? ended, publish?.ended ?? ended],
    },
    loopDelayMaxMs: loop.max / 1e6,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    load,
  };
}

async function measure(engine: Engine, size: number) {
  const target = engine === 'postgres' ? await postgresTarget(size) : await pgliteTarget(size);
  try {
    const funder = await target.service.key('funder');
    const kinds = probeKinds(target.service.port, funder);
    for (const kind of kinds) if (!(await kind.send())) throw new Error(`${kind.name}: failed before the release`);
    process.stderr.write(`${engine} ${size}: first release (load ${loadLine()})\n`);
    const first = await timedRelease(target, 'first', kinds);
    process.stderr.write(`  ${first.totalS.toFixed(1)} s; baseline probe for ${BASELINE_SECONDS} s\n`);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const probe = startProbe(kinds);
    await new Promise((resolve) => setTimeout(resolve, BASELINE_SECONDS * 1000));
    const baseline = await probe.stop();
    loop.disable();
    process.stderr.write(
      `  event-loop delay without a release: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms\n`,
    );
    const changed = await changeYouths(target.service.database, CHANGED);
    process.stderr.write(`  changed ${changed.youths} of ${changed.all} youths; second release (load ${loadLine()})\n`);
    const second = await timedRelease(target, 'second', kinds);
    process.stderr.write(`  ${second.totalS.toFixed(1)} s\n`);
    return { first, second, baseline, changed };
  } finally {
    await target.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Output.

const s = (value: number) => value.toFixed(2);
const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(1));

function familiesOf(entry: ReleaseLogEntry | null): string {
  if (!entry) return '–';
  const families = entry.families as Record<string, { changed: number; released: boolean }>;
  return Object.entries(families)
    .filter(([, family]) => family.released)
    .map(([name, family]) => `${name} ${family.changed.toLocaleString('en')}`)
    .join(', ');
}

/** Least-squares slope of log(y) on log(x). */
function exponent(points: Array<[number, number]>): number {
  const logs = points.map(([x, y]) => [Math.log(x), Math.log(y)] as const);
  const mx = logs.reduce((sum, [x]) => sum + x, 0) / logs.length;
  const my = logs.reduce((sum, [, y]) => sum + y, 0) / logs.length;
  const num = logs.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const den = logs.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return num / den;
}

function within(samples: Sample[], [from, to]: [number, number]) {
  return samples.filter((sample) => sample.due >= from && sample.due < to);
}

async function main() {
  console.log(machineLine());
  console.log(`load average at the start: ${loadLine()}`);
  const results: ReleaseResult[] = [];
  const baselines: Array<{ engine: Engine; size: number; samples: Sample[] }> = [];
  const changes: string[] = [];
  for (const [engine, list] of [
    ['postgres', SIZES],
    ['pglite', PGLITE_SIZES],
  ] as Array<[Engine, number[]]>) {
    for (const size of list) {
      const result = await measure(engine, size);
      results.push(result.first, result.second);
      baselines.push({ engine, size, samples: result.baseline });
      changes.push(`${engine} ${size.toLocaleString('en')}: ${result.changed.youths} of ${result.changed.all} youths changed`);
    }
  }

  console.log(
    `\nReleases (seconds; worker = catalogue read, worker start, aggregation, layout and audit; changes: ${changes.join('; ')})\n`,
  );
  console.log(
    '| engine | trajectories | release | families released (youths changed) | total s | prepare tx s | worker s (audit s) | publish tx s | event-loop delay p99 / max ms | load average |',
  );
  console.log('|---|---:|---|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    console.log(
      `| ${r.engine} | ${r.size.toLocaleString('en')} | ${r.which} (${r.entry?.outcome ?? 'none'}) | ${familiesOf(r.entry)} | ${s(r.totalS)} | ${s(r.prepareS)} | ${s(r.computeS)} (${r.auditS === null ? '–' : s(r.auditS)}) | ${s(r.publishS)} | ${ms(r.loopDelayP99Ms)} / ${ms(r.loopDelayMaxMs)} | ${r.load} |`,
    );
  }

  const postgres = (which: 'first' | 'second') => results.filter((r) => r.engine === 'postgres' && r.which === which);
  if (SIZES.length >= 2) {
    console.log('\nGrowth exponent (slope of log seconds on log trajectories, PostgreSQL sizes):\n');
    console.log('| release | sizes | total | prepare tx | worker | publish tx |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const which of ['first', 'second'] as const) {
      const rows = postgres(which);
      // Over all sizes (least squares), then between each size and the next: a step the fit hides.
      const spans = [rows, ...rows.slice(1).map((row, index) => [rows[index]!, row])];
      for (const span of spans) {
        const slope = (pick: (r: ReleaseResult) => number) => exponent(span.map((r) => [r.size, Math.max(pick(r), 1e-3)])).toFixed(2);
        const label = span === rows ? 'all (least squares)' : span.map((r) => r.size.toLocaleString('en')).join(' → ');
        console.log(
          `| ${which} | ${label} | ${slope((r) => r.totalS)} | ${slope((r) => r.prepareS)} | ${slope((r) => r.computeS)} | ${slope((r) => r.publishS)} |`,
        );
      }
    }
  }

  console.log('\nThe prepare transaction, statement by statement (ms):\n');
  const labels = [...new Set(results.flatMap((r) => r.prepare.map((statement) => statement.label)))];
  console.log(`| statement | ${results.map((r) => `${r.engine} ${r.size / 1000}k ${r.which}`).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---:').join('|')}|`);
  for (const label of labels) {
    const cells = results.map((r) => {
      const total = r.prepare.filter((statement) => statement.label === label).reduce((sum, statement) => sum + statement.ms, 0);
      return r.prepare.some((statement) => statement.label === label) ? total.toFixed(0) : '–';
    });
    console.log(`| ${label} | ${cells.join(' | ')} |`);
  }

  console.log(
    `\nProbe: a request every ${PROBE_MS} ms (in turn: overview, instruments, overview, ready), latency from when it was due (ms):\n`,
  );
  console.log('| engine | trajectories | window | request | n | errors | p50 | p99 | max | > 1 s |');
  console.log('|---|---:|---|---|---:|---:|---:|---:|---:|---:|');
  const print = (engine: string, size: number, window: string, samples: Sample[]) => {
    for (const row of probeRows(samples, PROBE_KINDS)) {
      if (row.requests === 0) continue;
      console.log(
        `| ${engine} | ${size.toLocaleString('en')} | ${window} | ${row.kind} | ${row.requests} | ${row.errors} | ${ms(row.p50)} | ${ms(row.p99)} | ${ms(row.max)} | ${row.over1s} |`,
      );
    }
  };
  for (const baseline of baselines) {
    print(baseline.engine, baseline.size, `no release (${BASELINE_SECONDS} s)`, baseline.samples);
    for (const r of results.filter((entry) => entry.engine === baseline.engine && entry.size === baseline.size)) {
      print(r.engine, r.size, `${r.which} release, whole (${s(r.totalS)} s)`, r.samples);
      print(r.engine, r.size, `${r.which} release, prepare tx (${s(r.prepareS)} s)`, within(r.samples, r.windows.prepare));
    }
  }
  console.log(`\nload average at the end: ${loadLine()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
