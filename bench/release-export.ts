// Research releases (issue #24): making a release, and downloading a whole release as a data
// package, as the registry grows.
//
// PostgreSQL, per size in BENCH_SIZES, on a throwaway copy of the scale dataset (its research
// releases emptied): a release is made (`researchReleases.releaseNow()`, timed, while a probe
// fires a request every BENCH_PROBE_MS, timed from when it was due); then the service runs in a
// process of its own (bench/lib/service-process.ts) and the bench downloads
// GET /api/v1/research/releases/latest/datapackage.zip over HTTP with a researcher's key and
// X-Purpose-Of-Use, in BENCH_FORMAT (both, csv or parquet; default both), BENCH_DOWNLOADS times, writing it to a file: time, bytes, time to the first
// byte, and the service process's peak RSS and heap while it streams (sampled every 10 ms in that
// process) against its idle ones just before. The zip is then read back (streaming) for the rows
// and bytes of each table, checked against its datapackage.json. Bounded memory shows as a peak
// that does not grow with the release: compare the sizes.
//
// PGlite, per size in BENCH_PGLITE_SIZES: the dataset copied into an embedded database
// (bench/lib/pglite-copy.ts), the service built on it, and a release made while the probe runs:
// PGlite has one connection, so the probe's requests wait for the release.
//
//   npm run bench:export
//   BENCH_SIZES=5000,20000 BENCH_PGLITE_SIZES=5000,20000 BENCH_PROBE_MS=100 BENCH_DOWNLOADS=2 BENCH_SEED=1 BENCH_FORMAT=both
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import readline from 'node:readline';
import type { FastifyInstance } from 'fastify';
import { Unzip, UnzipInflate } from 'fflate';
import { parquetMetadata } from 'hyparquet';
import pg from 'pg';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase, type PgliteDatabase } from '../src/db/client';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import { prepareSchema } from '../src/runtime/prepare-database';
import { machineLine, percentile, request } from './lib/load';
import { copyScaleDatasetIntoPglite } from './lib/pglite-copy';
import { researcherHeaders } from './lib/research-page';
import { copyScaleDataset, ensureScaleDataset, SCALE_REGISTRY_KEY } from './lib/scale-dataset';
import { BENCH_RATE_LIMIT_MAX, startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const sizes = (value: string | undefined, fallback: string) =>
  (value ?? fallback)
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map(Number);
const SIZES = sizes(process.env.BENCH_SIZES, '5000,20000');
const PGLITE_SIZES = sizes(process.env.BENCH_PGLITE_SIZES, '5000,20000');
const SEED = Number(process.env.BENCH_SEED ?? 1);
const PROBE_MS = Number(process.env.BENCH_PROBE_MS ?? 100);
const DOWNLOADS = Number(process.env.BENCH_DOWNLOADS ?? 2);
const FORMAT = process.env.BENCH_FORMAT ?? 'both';
const POOL_MAX = 10;
const MB = 2 ** 20;

// ---------------------------------------------------------------------------------------------
// The probe: a request every PROBE_MS (an API key's read of the catalogue, and readiness, in
// turn), timed from when it was due, so a blocked event loop counts too.

interface ProbeResult {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

function startProbe(port: number, key: string) {
  const latencies: number[] = [];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let tick = 0;
  const paths = ['/api/v1/catalogue/instruments', '/health/ready'];
  const fire = () => {
    // Ticks the event loop could not serve on time are sent now, timed from when they were due.
    while (started + tick * PROBE_MS <= performance.now()) {
      const due = started + tick * PROBE_MS;
      const pathname = paths[tick % paths.length]!;
      tick += 1;
      const sent = request(port, { method: 'GET', path: pathname, headers: { authorization: `Bearer ${key}` } })
        .then((response) => response.status === 200)
        .catch(() => false)
        .then((ok) => {
          if (ok) latencies.push(performance.now() - due);
          else errors += 1;
        });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
  };
  const timer = setInterval(fire, Math.max(1, PROBE_MS / 5));
  return {
    async stop(): Promise<ProbeResult> {
      // PGlite runs its statements on this thread: the timer may not have fired once during a
      // release, and the requests due meanwhile are sent now, as a client's would be served now.
      fire();
      clearInterval(timer);
      await Promise.all(inFlight);
      return {
        requests: latencies.length + errors,
        errors,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: latencies.length ? Math.max(...latencies) : Number.NaN,
      };
    },
  };
}

interface MakeResult {
  engine: 'PostgreSQL' | 'PGlite';
  size: number;
  released: number;
  seconds: number;
  idle: ProbeResult;
  during: ProbeResult;
  /** The longest the service's event loop was blocked while the release was made. */
  loopMaxMs: number;
}

/** A release made while the probe runs, after a few seconds of the probe alone. */
async function timedRelease(
  engine: MakeResult['engine'],
  size: number,
  service: { port: number; key: (role: 'researcher') => Promise<string>; app: FastifyInstance },
): Promise<MakeResult> {
  const key = await service.key('researcher');
  const baseline = startProbe(service.port, key);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const idle = await baseline.stop();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const probe = startProbe(service.port, key);
  const started = performance.now();
  const release = await service.app.researchReleases.releaseNow();
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  const during = await probe.stop();
  if (!release) throw new Error('no release was made');
  process.stderr.write(`${engine} ${size}: release ${release.id} of ${release.trajectories} trajectories in ${seconds.toFixed(1)} s\n`);
  // No sample when the histogram's own timer never ran (PGlite: the whole release on this thread).
  return { engine, size, released: release.trajectories, seconds, idle, during, loopMaxMs: loop.count ? loop.max / 1e6 : Number.NaN };
}

// ---------------------------------------------------------------------------------------------
// The service in its own process, and its memory.

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

async function startServiceProcess(databaseUrl: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/lib/service-process.ts', databaseUrl, String(POOL_MAX), 'vuurtorenhuis'],
    {
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const first = await Promise.race([
    nextLine(),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the service process ended with ${code}`)))),
  ]);
  const { port, researcherKey } = JSON.parse(first) as { port: number; researcherKey: string };
  return {
    port,
    researcherKey,
    /** Its peaks since the previous call, and its memory now. */
    async memory(): Promise<{ peak: Memory; now: Memory }> {
      const answer = nextLine();
      child.kill('SIGUSR2');
      return (JSON.parse(await answer) as { memory: { peak: Memory; now: Memory } }).memory;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Download {
  seconds: number;
  firstByteMs: number;
  bytes: number;
  sha256: string;
}

/** The whole zip to `file`, read as fast as the client can (streamed to disk, not held). */
function download(port: number, key: string, file: string): Promise<Download> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const hash = createHash('sha256');
    let bytes = 0;
    let firstByteMs = Number.NaN;
    const out = fs.createWriteStream(file);
    const outgoing = http.get(
      {
        host: '127.0.0.1',
        port,
        path: `/api/v1/research/releases/latest/datapackage.zip?format=${FORMAT}`,
        headers: researcherHeaders(key),
      },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`the download answered ${response.statusCode}`));
          response.resume();
          return;
        }
        response.on('data', (chunk: Buffer) => {
          if (bytes === 0) firstByteMs = performance.now() - started;
          bytes += chunk.length;
          hash.update(chunk);
        });
        response.pipe(out);
        out.on('finish', () => resolve({ seconds: (performance.now() - started) / 1000, firstByteMs, bytes, sha256: hash.digest('hex') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
  });
}

interface TableCount {
  rows: number;
  bytes: number;
}

/**
 * Rows (lines less the header; a Parquet file's from its footer, the file held) and bytes of each
 * file in the zip, read as a stream; and its datapackage.json.
 */
async function readBack(file: string): Promise<{ tables: Map<string, TableCount>; descriptor: Descriptor }> {
  const tables = new Map<string, TableCount>();
  let descriptorText = '';
  const unzip = new Unzip((entry) => {
    const count: TableCount = { rows: -1, bytes: 0 };
    tables.set(entry.name, count);
    const parquet: Uint8Array[] = [];
    entry.ondata = (error, data, final) => {
      if (error) throw error;
      count.bytes += data.length;
      if (entry.name === 'datapackage.json') descriptorText += Buffer.from(data).toString('utf8');
      else if (entry.name.endsWith('.parquet')) {
        parquet.push(data);
        if (final) {
          const file = Buffer.concat(parquet);
          count.rows = Number(parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength)).num_rows);
        }
      } else for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) count.rows += 1;
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  for await (const chunk of fs.createReadStream(file)) unzip.push(chunk as Uint8Array);
  unzip.push(new Uint8Array(0), true);
  tables.delete('datapackage.json');
  return { tables, descriptor: JSON.parse(descriptorText) as Descriptor };
}

interface Descriptor {
  resources: Array<{ path: string; bytes: number; description: string }>;
}

interface ExportResult {
  size: number;
  released: number;
  downloads: Array<Download & { before: Memory; peak: Memory }>;
  tables: Map<string, TableCount>;
}

async function exportRun(size: number, makes: MakeResult[]): Promise<ExportResult> {
  const dataset = await ensureScaleDataset({ trajectories: size, seed: SEED });
  const copy = `registry_export_${size}_s${SEED}`;
  const { url, drop } = await copyScaleDataset(dataset, copy);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-export-'));
  try {
    const emptying = new pg.Client({ connectionString: url });
    await emptying.connect();
    await emptying.query(
      'truncate research_releases, research_release_trajectories, research_release_withdrawals, research_release_retired_trajectories',
    );
    await emptying.end();

    const maker = await startService(url, { poolMax: POOL_MAX });
    const made = await timedRelease('PostgreSQL', size, maker);
    makes.push(made);
    await maker.close();

    const service = await startServiceProcess(url);
    try {
      // Warm: the code paths of the route, then the idle figures just before each download.
      await request(service.port, { method: 'GET', path: '/api/v1/research/releases', headers: researcherHeaders(service.researcherKey) });
      const downloads: ExportResult['downloads'] = [];
      const file = path.join(work, 'release.zip');
      for (let round = 0; round < DOWNLOADS; round += 1) {
        await service.memory();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const before = (await service.memory()).peak;
        const got = await download(service.port, service.researcherKey, file);
        const peak = (await service.memory()).peak;
        downloads.push({ ...got, before, peak });
        process.stderr.write(
          `  download ${round + 1}: ${(got.bytes / MB).toFixed(1)} MiB in ${got.seconds.toFixed(1)} s, RSS ${(before.rss / MB).toFixed(0)} → peak ${(peak.rss / MB).toFixed(0)} MiB\n`,
        );
      }
      if (new Set(downloads.map((one) => one.sha256)).size !== 1) throw new Error('two downloads of one release differ');
      const { tables, descriptor } = await readBack(file);
      for (const resource of descriptor.resources) {
        const table = tables.get(resource.path);
        const stated = Number(/(\d+) rows\.$/.exec(resource.description)?.[1]);
        if (!table || table.bytes !== resource.bytes || table.rows !== stated)
          throw new Error(
            `${resource.path}: ${JSON.stringify(table)} read back, the descriptor says ${resource.bytes} bytes, ${stated} rows`,
          );
      }
      return { size, released: made.released, downloads, tables };
    } finally {
      await service.close();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await drop();
  }
}

async function pgliteRun(size: number): Promise<MakeResult> {
  const dataset = await ensureScaleDataset({ trajectories: size, seed: SEED });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-export-pglite-'));
  try {
    const started = performance.now();
    const database = (await openDatabase({ kind: 'pglite', dataDir })) as PgliteDatabase;
    await prepareSchema(database);
    const copied = await copyScaleDatasetIntoPglite(dataset.databaseUrl, database);
    process.stderr.write(
      `PGlite ${size}: ${copied.trajectories} trajectories copied in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      REGISTRY_PSEUDONYM_KEY: SCALE_REGISTRY_KEY.toString('hex'),
      RATE_LIMIT_MAX: String(BENCH_RATE_LIMIT_MAX),
    });
    const app = await buildApp({ config, database, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const apiKeys = createApiKeysService(createApiKeysRepository(database));
    try {
      return await timedRelease('PGlite', size, {
        app,
        port: (app.server.address() as { port: number }).port,
        key: async (role) => (await apiKeys.create({ name: `bench ${role}`, role })).key,
      });
    } finally {
      await app.close();
      await database.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const mib = (bytes: number) => (bytes / MB).toFixed(0);
const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(0));

async function main() {
  const makes: MakeResult[] = [];
  const exports: ExportResult[] = [];
  for (const size of SIZES) exports.push(await exportRun(size, makes));
  for (const size of PGLITE_SIZES) makes.push(await pgliteRun(size));

  console.log(machineLine());
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; scale dataset seed ${SEED}; probe every ${PROBE_MS} ms`,
  );
  console.log('');
  console.log('Making a release (`releaseNow()`), and a probe request (catalogue, readiness) timed from when it was due:');
  console.log(
    '| engine | dataset trajectories | in the release | seconds | probe idle p50 / p99 / max ms | probe during the release: requests, p50 / p99 / max ms | event loop blocked, longest ms |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const make of makes) {
    console.log(
      `| ${make.engine} | ${make.size.toLocaleString('en')} | ${make.released.toLocaleString('en')} | ${make.seconds.toFixed(1)} | ` +
        `${ms(make.idle.p50)} / ${ms(make.idle.p99)} / ${ms(make.idle.max)} | ${make.during.requests} (${make.during.errors} errors), ${ms(make.during.p50)} / ${ms(make.during.p99)} / ${ms(make.during.max)} | ${ms(make.loopMaxMs)} |`,
    );
  }
  if (exports.length === 0) return;
  console.log('');
  console.log(
    'Downloading the whole release (datapackage.zip over HTTP, researcher key, X-Purpose-Of-Use), the service in its own process:',
  );
  console.log(
    '| dataset trajectories | in the release | download | seconds | first byte ms | MiB | MiB/s | RSS idle → peak MiB | heap used idle → peak MiB | external + array buffers peak MiB |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const result of exports) {
    result.downloads.forEach((one, index) => {
      console.log(
        `| ${result.size.toLocaleString('en')} | ${result.released.toLocaleString('en')} | ${index + 1} | ${one.seconds.toFixed(1)} | ${ms(one.firstByteMs)} | ` +
          `${(one.bytes / MB).toFixed(1)} | ${(one.bytes / MB / one.seconds).toFixed(1)} | ${mib(one.before.rss)} → ${mib(one.peak.rss)} | ` +
          `${mib(one.before.heapUsed)} → ${mib(one.peak.heapUsed)} | ${mib(one.peak.external)} |`,
      );
    });
  }
  console.log('');
  console.log('Rows (and uncompressed MiB) per table, read back from the zip and equal to its datapackage.json:');
  const names = [...exports[0]!.tables.keys()];
  console.log(`| dataset trajectories | ${names.join(' | ')} |`);
  console.log(`|---:|${names.map(() => '---:').join('|')}|`);
  for (const result of exports) {
    console.log(
      `| ${result.size.toLocaleString('en')} | ${names
        .map((name) => {
          const table = result.tables.get(name)!;
          return `${table.rows.toLocaleString('en')} (${(table.bytes / MB).toFixed(1)})`;
        })
        .join(' | ')} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
