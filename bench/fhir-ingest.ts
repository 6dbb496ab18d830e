// FHIR ingest benchmark (issue #28): the same youths pushed as FHIR R4 transaction Bundles to
// POST /fhir/R4 and as one NDJSON stream to POST /api/v1/ingest, over real HTTP, on the local
// PostgreSQL, in alternating rounds. Each youth is the integration test's: one episode, two
// placements, twenty activities, forty observations and ten youth-perspective items (73 records).
// Prints records per second of each path and their ratio (issue #28 aims at >= 0.5).
//
//   npm run bench:fhir                                  # 1,000 youths, 3 rounds
//   BENCH_YOUTHS=300 BENCH_ROUNDS=5 npm run bench:fhir
//   BENCH_BUNDLE_YOUTHS=10 npm run bench:fhir           # youths per Bundle (a Bundle must stay under BODY_LIMIT_BYTES)
//   BENCH_CONCURRENCY=1 npm run bench:fhir              # Bundles in flight at once (default 2: the NDJSON
//                                                       # path overlaps parsing and writing inside one stream)
//   BENCH_DATABASE_URL=postgres://… npm run bench:fhir
import http from 'node:http';
import os from 'node:os';
import { freshBenchDatabase } from './lib/bench-database';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import { seedReferenceData } from '../src/modules/catalogue/reference-data.service';
import { carePlan, fhirBundle, ndjsonRecords } from '../test/helpers/fhir-bundle';
import { BENCH_RATE_LIMIT_MAX } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const YOUTHS = Number(process.env.BENCH_YOUTHS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUNDLE_YOUTHS = Number(process.env.BENCH_BUNDLE_YOUTHS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const PROGRAMME = 'vuurtorenhuis-baken';

/** Letters only in references: digits could spell a BSN, phone number or date to the PII guard. */
const letters = (value: number) => String(value).replace(/\d/g, (digit) => 'ghijklmnop'[Number(digit)]!);
const plans = (run: string) => Array.from({ length: YOUTHS }, (_, index) => carePlan(PROGRAMME, undefined, `${run}y${letters(index)}-`));

function post(port: number, key: string, path: string, contentType: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function main() {
  const benchDatabase = await freshBenchDatabase('registry_bench_fhir');
  const url = benchDatabase.url;
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    REGISTRY_PSEUDONYM_KEY: 'c'.repeat(64),
    RATE_LIMIT_MAX: String(BENCH_RATE_LIMIT_MAX),
  });
  const database = await openDatabase({ kind: 'postgres', url: url, poolMax: 4, statementTimeoutMs: 600_000 });
  if (database.kind !== 'postgres') throw new Error('unreachable');
  const { pool } = database;
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
  const settle = async () => {
    await app.indicators.settle();
    await app.indicators.drain();
  };
  /** Removes a run's records and vacuums, so every round starts from the same table state. */
  const removeRun = async (run: string) => {
    const ids = 'select id from trajectories where reference like $1';
    for (const table of ['measurements', 'care_activities', 'placements']) {
      await pool.query(`delete from ${table} where trajectory_id in (${ids})`, [`${run}y%`]);
    }
    await pool.query('delete from trajectories where reference like $1', [`${run}y%`]);
    await pool.query('vacuum analyze');
  };

  /** One path's push of every youth, timed; the indicators it queued are worked off outside the window. */
  async function timed(run: string, path: 'ndjson' | 'fhir'): Promise<number> {
    const youths = plans(run);
    const bodies =
      path === 'ndjson'
        ? [
            youths
              .flatMap(ndjsonRecords)
              .map((record) => `${JSON.stringify(record)}\n`)
              .join(''),
          ]
        : Array.from({ length: Math.ceil(YOUTHS / BUNDLE_YOUTHS) }, (_, index) => {
            const bundles = youths.slice(index * BUNDLE_YOUTHS, (index + 1) * BUNDLE_YOUTHS).map((plan) => fhirBundle(plan));
            return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: bundles.flatMap((bundle) => bundle.entry) });
          });
    global.gc?.();
    const started = performance.now();
    // A client with CONCURRENCY requests in flight, each taking the next body when its answer is in.
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response =
          path === 'ndjson'
            ? await post(port, key, '/api/v1/ingest', 'application/x-ndjson', body)
            : await post(port, key, '/fhir/R4', 'application/fhir+json', body);
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${response.body.slice(0, 500)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    await settle();
    return (YOUTHS * 73) / seconds;
  }

  // Warm up both paths (JIT, pool, caches).
  for (const path of ['ndjson', 'fhir'] as const) {
    await timed(`w${path[0]}`, path);
    await removeRun(`w${path[0]}`);
  }
  console.log(
    `machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, load ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}`,
  );
  const rates = { ndjson: [] as number[], fhir: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? (['fhir', 'ndjson'] as const) : (['ndjson', 'fhir'] as const);
    for (const path of order) {
      const run = `r${letters(round)}${path[0]}`;
      rates[path].push(await timed(run, path));
      await removeRun(run);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log('youths | records | youths per Bundle | Bundles in flight | rounds | NDJSON records/s | FHIR records/s | FHIR/NDJSON');
  console.log(
    [
      YOUTHS.toLocaleString('en'),
      (YOUTHS * 73).toLocaleString('en'),
      BUNDLE_YOUTHS,
      CONCURRENCY,
      ROUNDS,
      Math.round(median(rates.ndjson)).toLocaleString('en'),
      Math.round(median(rates.fhir)).toLocaleString('en'),
      (median(rates.fhir) / median(rates.ndjson)).toFixed(2),
    ].join(' | '),
  );
  console.log(
    `load after: ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}`,
  );
  await app.close();
  await database.close();
  await benchDatabase.drop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
