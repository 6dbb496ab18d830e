import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import { seedReferenceData } from '../src/modules/catalogue/reference-data.service';
import { raceRound, raceRounds } from '../test/helpers/erasure-race';

// The erasure race of issue #11 with as many rounds as asked, on a throwaway database of a real
// PostgreSQL server: an erasure (at an institution, or registry-wide) sent while bulk streams in
// both modes and single-record pushes of the same youth are in flight, from one and two
// institutions. Prints every violation and a summary; exits 1 if any round failed.

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1000' },
    pool: { type: 'string', default: '10' },
    measurements: { type: 'string', default: '40' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('npm run bench:erasure-race -- [--rounds 1000] [--measurements 40] [--pool 10] [--admin-url postgres://…/postgres]');
  process.exit(0);
}
const rounds = Number(values.rounds);
const measurements = Number(values.measurements);
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(measurements) || measurements < 1) {
  console.error('--rounds and --measurements must be positive integers');
  process.exit(2);
}

const name = `registry_race_${process.pid}`;
const admin = new pg.Client({ connectionString: values['admin-url'] });
await admin.connect();
await admin.query(`create database "${name}"`);
const url = new URL(values['admin-url']!);
url.pathname = `/${name}`;
const registryKeyHex = 'b'.repeat(64);
const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: Number(values.pool) });
let failed = 0;
try {
  await migrateDatabase(database);
  await seedReferenceData(database);
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url.toString(),
    REGISTRY_PSEUDONYM_KEY: registryKeyHex,
    INGEST_BATCH_SIZE: '8',
    RATE_LIMIT_MAX: '1000000',
  });
  const app = await buildApp({ config, database, ...(process.env.RACE_LOG ? {} : { logger: false }) });
  await app.ready();
  const keys = createApiKeysService(createApiKeysRepository(database));
  const bearer = async (role: 'institution' | 'privacy_officer', institutionCode?: string) =>
    `Bearer ${(await keys.create({ name: 'race', role, ...(institutionCode ? { institutionCode } : {}) })).key}`;
  const parties = {
    app,
    database,
    registryPseudonymKey: Buffer.from(registryKeyHex, 'hex'),
    a: { code: 'vuurtorenhuis', programme: 'vuurtorenhuis-baken', authorization: await bearer('institution', 'vuurtorenhuis') },
    b: { code: 'lindehof', programme: 'lindehof-beschermd', authorization: await bearer('institution', 'lindehof') },
    privacyOfficer: await bearer('privacy_officer'),
  };
  const started = Date.now();
  const refusedPushes = { total: 0, rounds: 0 };
  for (const [index, round] of raceRounds(rounds, measurements).entries()) {
    const outcome = await raceRound(parties, round);
    const refused = outcome.statuses.filter((status) => status === 409 || status === 422).length;
    refusedPushes.total += refused;
    if (refused > 0) refusedPushes.rounds += 1;
    if (outcome.violations.length > 0) {
      failed += 1;
      for (const violation of outcome.violations) console.log(`round ${index} ${JSON.stringify(round)}: ${violation}`);
    }
    if ((index + 1) % 100 === 0) console.log(`${index + 1} rounds, ${failed} failed`);
  }
  await app.close();
  console.log(
    `erasure race: ${rounds} rounds (${measurements} measurements a stream) in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${failed} rounds with a violation; ${refusedPushes.rounds} rounds where a push came after the erasure and was refused (${refusedPushes.total} pushes)`,
  );
} finally {
  await database.close();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
process.exit(failed > 0 ? 1 : 0);
