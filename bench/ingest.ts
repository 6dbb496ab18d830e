// Ingest benchmark: N measurements (plus their trajectories) pushed through the bulk endpoint
// over real HTTP, beside a raw COPY of the same measurement rows into the same table, in one run
// on the local PostgreSQL. Prints records per second, the ratio, and the server's peak memory
// at several input sizes (it should stay flat as the input grows).
//
//   npm run bench:ingest                      # 100k, 300k and 1M measurements
//   BENCH_SIZES=100000 npm run bench:ingest   # one size
//   BENCH_SIZES=50000 BENCH_ROUNDS=7 npm run bench:ingest   # many alternating rounds: the audit cost
//   BENCH_DATABASE_URL=postgres://… npm run bench:ingest
import http from 'node:http';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { freshBenchDatabase } from './lib/bench-database';
import { from as copyFrom } from 'pg-copy-streams';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { addDays } from '../src/lib/dates';
import { pseudonymiseBsn } from '../src/lib/source-pseudonym';
import { PUSHED_SERIES, syntheticBsn } from './lib/synthetic-pushes';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import { seedReferenceData } from '../src/modules/catalogue/reference-data.service';
import { noAuditLog } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const SIZES = (process.env.BENCH_SIZES ?? '100000,300000,1000000').split(',').map(Number);
const PER_TRAJECTORY = 100;
const SHARED_KEY = Buffer.alloc(32, 3);
const INSTRUMENTS = PUSHED_SERIES;

function* measurementRows(run: string, measurements: number) {
  for (let index = 0; index < measurements; index += 1) {
    const trajectory = Math.floor(index / PER_TRAJECTORY);
    const within = index % PER_TRAJECTORY;
    const [instrument, informant, max] = INSTRUMENTS[within % INSTRUMENTS.length]!;
    yield {
      reference: `${run}-M${index}`,
      trajectoryReference: `${run}-T${trajectory}`,
      instrumentCode: instrument,
      informant,
      date: addDays('2021-01-04', Math.floor(within / INSTRUMENTS.length) * 7 + (trajectory % 50)),
      value: (index * 7) % (max + 1),
    };
  }
}

/** The NDJSON stream: each trajectory, then its measurements. */
function* ndjsonLines(run: string, measurements: number) {
  let trajectory = -1;
  for (const row of measurementRows(run, measurements)) {
    const index = Math.floor(Number(row.reference.slice(run.length + 2)) / PER_TRAJECTORY);
    if (index !== trajectory) {
      trajectory = index;
      yield `${JSON.stringify({
        type: 'trajectory',
        reference: row.trajectoryReference,
        subject: {
          pseudonym: pseudonymiseBsn(syntheticBsn(index), SHARED_KEY),
          birthYear: 2007,
          gender: 'girl',
          mildIntellectualDisability: 'no',
          priorYouthCare: 'yes',
        },
        programmeCode: 'vuurtorenhuis-baken',
        startDate: addDays('2021-01-04', trajectory % 50),
        exploitationAtIntake: 'confirmed',
        researchConsent: 'granted',
      })}\n`;
    }
    yield `${JSON.stringify({ type: 'measurement', ...row })}\n`;
  }
}

/** Joins lines into ~64 KiB chunks: a realistic client writes buffers, not one line per write. */
function* chunked(lines: Iterable<string>) {
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

function post(port: number, key: string, body: Iterable<string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/ingest',
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    pipeline(Readable.from(body), request).catch(reject);
  });
}

async function main() {
  const benchDatabase = await freshBenchDatabase('registry_bench_ingest');
  const url = benchDatabase.url;
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    REGISTRY_PSEUDONYM_KEY: 'c'.repeat(64),
    INGEST_BATCH_SIZE: process.env.BENCH_BATCH_SIZE,
  });
  const database = await openDatabase({ kind: 'postgres', url: url, poolMax: 4, statementTimeoutMs: 600_000 });
  if (database.kind !== 'postgres') throw new Error('unreachable');
  const { pool } = database;
  /** Removes a run's rows and vacuums, so every run starts from the same table state. */
  const removeRun = async (run: string) => {
    const ids = `select id from trajectories where reference like $1`;
    await pool.query(`delete from measurements where trajectory_id in (${ids})`, [`${run}-T%`]);
    // Vacuum before the trajectories go: their cascade plans must see the emptied table as it is.
    await pool.query('vacuum analyze measurements');
    await pool.query(`delete from trajectories where reference like $1`, [`${run}-T%`]);
    await pool.query('vacuum analyze trajectories');
  };
  await migrateDatabase(database);
  await seedReferenceData(database);
  const { key } = await createApiKeysService(createApiKeysRepository(database)).create({
    name: 'bench',
    role: 'institution',
    institutionCode: 'vuurtorenhuis',
  });
  const app = await buildApp({ config, database, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  // The same service with an audit writer that writes nothing: the difference is what auditing costs.
  const unaudited = await buildApp({
    config,
    database,
    logger: false,
    auditLog: noAuditLog,
  });
  await unaudited.listen({ host: '127.0.0.1', port: 0 });
  const unauditedPort = (unaudited.server.address() as { port: number }).port;

  // Warm both up (JIT, connection pool, caches) so neither variant pays for it alone.
  for (const [warmPort, prefix] of [
    [port, 'WA'],
    [unauditedPort, 'WU'],
  ] as const) {
    const warm = await post(warmPort, key, chunked(ndjsonLines(prefix, 20_000)));
    if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}`);
    await app.indicators.settle();
    await unaudited.indicators.settle();
    await app.indicators.drain();
    await removeRun(prefix);
  }

  console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const indicatorSeconds: number[] = [];
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  /** One push over HTTP, timed, with the process's peak memory while it ran. */
  async function timedPush(targetPort: number, run: string, size: number) {
    global.gc?.();
    let peakRss = 0;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    }, 50);
    const started = performance.now();
    const response = await post(targetPort, key, chunked(ndjsonLines(run, size)));
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    // The indicators of the pushed trajectories are recomputed in the background after the
    // answer; let that finish outside the timed window, so runs do not overlap.
    const indicatorsStarted = performance.now();
    await app.indicators.settle();
    await unaudited.indicators.settle();
    await app.indicators.drain();
    indicatorSeconds.push((performance.now() - indicatorsStarted) / 1000);
    if (response.status !== 200) throw new Error(`bulk ingest answered ${response.status}: ${response.body.slice(0, 500)}`);
    const report = JSON.parse(response.body);
    if (report.counts.measurement.created !== size)
      throw new Error(`expected ${size} measurements created: ${JSON.stringify(report.counts)}`);
    return { rate: (size + report.counts.trajectory.created) / seconds, measurementRate: size / seconds, peakRss, peakHeap };
  }

  /** The floor: the same measurement rows, COPYed straight into the same table. */
  async function timedCopy(run: string, size: number) {
    await pool.query('delete from measurements where reference like $1', [`${run}-M%`]);
    const trajectories = await pool.query<{ reference: string; id: string; institution_id: string }>(
      'select reference, id, institution_id from trajectories where reference like $1',
      [`${run}-T%`],
    );
    const trajectoryIds = new Map(trajectories.rows.map((row) => [row.reference, row]));
    const client = await pool.connect();
    const started = performance.now();
    try {
      const copy = client.query(
        copyFrom('copy measurements (institution_id, reference, trajectory_id, instrument_code, informant, measured_on, value) from stdin'),
      );
      const rows = function* () {
        for (const row of measurementRows(run, size)) {
          const trajectory = trajectoryIds.get(row.trajectoryReference)!;
          yield `${trajectory.institution_id}\t${row.reference}\t${trajectory.id}\t${row.instrumentCode}\t${row.informant}\t${row.date}\t${row.value}\n`;
        }
      };
      await pipeline(Readable.from(chunked(rows())), copy);
    } finally {
      client.release();
    }
    return size / ((performance.now() - started) / 1000);
  }

  console.log('rounds: audited and unaudited pushes alternate; figures are medians over the rounds');
  console.log(
    'measurements | rounds | bulk records/s | bulk measurements/s | COPY rows/s | bulk/COPY | unaudited records/s | audit cost | peak RSS MiB | peak heap MiB | indicators after push (s)',
  );
  for (const size of SIZES) {
    const rounds = process.env.BENCH_ROUNDS ? Number(process.env.BENCH_ROUNDS) : size >= 300_000 ? 1 : 3;
    const audited: Awaited<ReturnType<typeof timedPush>>[] = [];
    const plain: Awaited<ReturnType<typeof timedPush>>[] = [];
    const copies: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? (['U', 'A'] as const) : (['A', 'U'] as const);
      for (const variant of order) {
        const run = `${variant}${size}r${round}`;
        if (variant === 'A') {
          audited.push(await timedPush(port, run, size));
          copies.push(await timedCopy(run, size));
        } else {
          plain.push(await timedPush(unauditedPort, run, size));
        }
        await removeRun(run);
      }
    }
    const bulkRate = median(audited.map((result) => result.rate));
    const measurementRate = median(audited.map((result) => result.measurementRate));
    const copyRate = median(copies);
    const plainRate = median(plain.map((result) => result.rate));
    console.log(
      [
        size.toLocaleString('en'),
        rounds,
        Math.round(bulkRate).toLocaleString('en'),
        Math.round(measurementRate).toLocaleString('en'),
        Math.round(copyRate).toLocaleString('en'),
        (measurementRate / copyRate).toFixed(2),
        Math.round(plainRate).toLocaleString('en'),
        `${((plainRate / bulkRate - 1) * 100).toFixed(1)}%`,
        (Math.max(...audited.map((result) => result.peakRss)) / 2 ** 20).toFixed(0),
        (Math.max(...audited.map((result) => result.peakHeap)) / 2 ** 20).toFixed(0),
        median(indicatorSeconds.splice(0)).toFixed(1),
      ].join(' | '),
    );
  }
  await app.close();
  await unaudited.close();
  await database.close();
  await benchDatabase.drop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
