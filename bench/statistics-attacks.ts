import { programmesByInstitution } from '../src/lib/statistics/linked-answers-audit';
// The full attack suite against the funders' statistics (the tests run a bounded version of it,
// test/statistics-attacks.test.ts), on the demo dataset and a generated one, over real HTTP:
// (a) before/after: youths added one at a time; the attacker fetches every answer whenever
//     anything changed and guesses each added youth's programme, gender and outcome class from
//     the differences. Once with every change published at once ("live": a release per youth),
//     once as the service runs (a release only when STATISTICS_RELEASE_MINIMUM_YOUTHS changed);
// (b) every answer of a funder solved together by linear programming;
// (c) a researcher who also knows the consented trajectories at record level, after the rest;
// (d) an institution that knows its own trajectories, after the other institutions'.
//
//   npm run bench:statistics-attacks
//   BENCH_SIZES=demo BENCH_STEPS=200 BENCH_LIVE_STEPS=60 BENCH_RELEASE_MINIMUM_YOUTHS=40 npm run bench:statistics-attacks
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { readPerturbationTable } from '../src/lib/statistics/perturbation-table-file';
import { todayIso } from '../src/lib/dates';
import { createCatalogueRepository } from '../src/modules/catalogue/catalogue.repository';
import { seedReferenceData } from '../src/modules/catalogue/reference-data.service';
import { loadDemoData } from '../src/modules/demo/demo-data.service';
import { DEMO_TRAJECTORIES } from '../src/runtime/prepare-database';
import { loadConfig } from '../src/config';
import { createStatisticsReleases } from '../src/modules/statistics/statistics-releases';
import { addYouth, attributesOf, priorOf, youthsToAdd } from '../test/helpers/statistics-attacks/added-youths';
import { allRequests, type AnswerSet, collectAnswers } from '../test/helpers/statistics-attacks/answers';
import { comparisonAsker, restAsker, type Send } from '../test/helpers/statistics-attacks/askers';
import { ATTRIBUTES, type BeforeAfterResult, runBeforeAfter } from '../test/helpers/statistics-attacks/before-after';
import { largestDeviation, type LinkedAttackReport, linkedAnswersAttack } from '../test/helpers/statistics-attacks/suite';
import { loadTruth } from '../test/helpers/statistics-truth';
import { machineLine, request } from './lib/load';
import { ensureScaleDataset, SCALE_AS_OF, SCALE_REGISTRY_KEY } from './lib/scale-dataset';
import { startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const SIZES = (process.env.BENCH_SIZES ?? 'demo,5000').split(',').map((size) => (size === 'demo' ? ('demo' as const) : Number(size)));
const STEPS = Number(process.env.BENCH_STEPS ?? 200);
const LIVE_STEPS = Number(process.env.BENCH_LIVE_STEPS ?? 60);
/** Its own seed: the attacks add youths to the dataset, which the other benchmarks must not see. */
const SEED = Number(process.env.BENCH_SEED ?? 18);
const SECRET = randomBytes(32);
/** The service's release size for the attack (STATISTICS_RELEASE_MINIMUM_YOUTHS); default: the configuration's. */
const RELEASE_MINIMUM_YOUTHS = process.env.BENCH_RELEASE_MINIMUM_YOUTHS;

function sender(port: number, key: string): Send {
  const send: Send = ({ method, path, body }) =>
    request(port, {
      method,
      path,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  // Every request here only reads: one retry when a kept-alive connection was closed under it.
  return (options) =>
    send(options).catch((error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? send(options) : Promise.reject(error)));
}

const percent = (value: number) => `${(100 * value).toFixed(1)} %`;

function printBeforeAfter(label: string, result: BeforeAfterResult) {
  const sizes = result.batchSizes;
  console.log(
    `| ${label} | ${result.youths} | ${result.releases} | ${sizes.length ? `${Math.min(...sizes)}–${Math.max(...sizes)}` : '–'} | ` +
      ATTRIBUTES.map((attribute) => {
        const rate = result.rates[attribute];
        return `${percent(rate.base)} → ${percent(rate.best)} (${rate.advantage >= 0 ? '+' : ''}${(100 * rate.advantage).toFixed(1)} pp; prior ${percent(rate.prior)})`;
      }).join(' | ') +
      ` | ${result.unchangedChecks} | ${ATTRIBUTES.map((attribute) => result.homogeneous[attribute]).join(' / ')} |`,
  );
}

function printLinked(label: string, report: LinkedAttackReport) {
  console.log(
    `| ${label} | ${report.cells} | ${report.constraints} | ${report.inconsistent.length} | ${report.targets} | ${report.determined.length} | ${report.meanWidth.toFixed(2)} | ${report.seconds.toFixed(1)} |`,
  );
}

/** The demo dataset the embedded service loads (400 trajectories), in a database of its own, made afresh. */
async function demoDataset(): Promise<{ databaseUrl: string; trajectories: number }> {
  const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('drop database if exists registry_attack_demo with (force)');
  await admin.query('create database registry_attack_demo');
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = '/registry_attack_demo';
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 2 });
  await migrateDatabase(database);
  await seedReferenceData(database);
  // The pseudonym key the benchmark service runs with (bench/lib/service.ts).
  const { trajectories } = await loadDemoData(database, SCALE_REGISTRY_KEY, { trajectories: DEMO_TRAJECTORIES, asOf: todayIso() });
  await database.close();
  return { databaseUrl: url.toString(), trajectories };
}

async function scaleDataset(size: number): Promise<{ databaseUrl: string; trajectories: number }> {
  const dataset = await ensureScaleDataset({ trajectories: size, seed: SEED });
  const migrating = await openDatabase({ kind: 'postgres', url: dataset.databaseUrl, poolMax: 2 });
  await migrateDatabase(migrating);
  await migrating.close();
  return dataset;
}

async function attack(size: 'demo' | number) {
  const dataset = size === 'demo' ? await demoDataset() : await scaleDataset(size);
  const service = await startService(dataset.databaseUrl, {
    environment: {
      STATISTICS_KEY_SECRET: SECRET.toString('hex'),
      ...(RELEASE_MINIMUM_YOUTHS ? { STATISTICS_RELEASE_MINIMUM_YOUTHS: RELEASE_MINIMUM_YOUTHS } : {}),
    },
  });
  const { database, app, port } = service;
  const label = `ATK${Date.now().toString(36).toUpperCase()}`;
  try {
    // The control: releases with the change rule switched off (every change published at once).
    const config = loadConfig({
      ...process.env,
      REGISTRY_PSEUDONYM_KEY: SCALE_REGISTRY_KEY.toString('hex'),
      DATABASE_URL: 'postgres://unused/registry',
    });
    const releases = createStatisticsReleases(database, {
      secret: SECRET,
      statistics: { ...config.statistics, releaseMinimumYouths: 1, releaseMinimumOthers: 0 },
      researchReleaseDelayDays: 0,
    });
    const catchUp = async () => {
      await app.indicators.enqueueStale();
      await app.indicators.drain();
    };
    // Everything up to now is published before the attacks start.
    await catchUp();
    await releases.release();
    const funder = restAsker(sender(port, await service.key('funder')));

    // (b)–(d) on the dataset as it is, all of it published.
    const truth = await loadTruth(database);
    const programmesOf = programmesByInstitution(await createCatalogueRepository(database).listProgrammes());
    const funderAnswers = await collectAnswers(funder, allRequests());
    // The attacker reads the method's parameters from the answer, and the table is public.
    const control = [...funderAnswers.values()][0]!.disclosureControl;
    const table = readPerturbationTable({
      maximumDeviation: control.maximumDeviation,
      variance: control.variance,
      threshold: control.threshold,
    });
    const context = { table, programmesOf, truth };
    const linked = await linkedAnswersAttack(context, funderAnswers);
    const researcherKnows = (row: (typeof truth)[number]) => row.consent === 'granted';
    const researcher = await linkedAnswersAttack(context, funderAnswers, { knows: researcherKnows });
    const researcherAnswers = await collectAnswers(restAsker(sender(port, await service.key('researcher'))), allRequests());
    const researcherOwn = await linkedAnswersAttack({ ...context, truth: truth.filter(researcherKnows) }, researcherAnswers);
    const institutionAnswers: AnswerSet = await collectAnswers(
      comparisonAsker(sender(port, await service.key('institution', 'vuurtorenhuis'))),
      allRequests(),
    );
    const institution = await linkedAnswersAttack(context, institutionAnswers, { knows: (row) => row.institution === 'vuurtorenhuis' });
    // A researcher's own figures count consented trajectories only: every count within D of that truth.
    const researcherDeviation = largestDeviation(researcherAnswers, truth.filter(researcherKnows));

    // (a) youths added one at a time.
    const prior = await priorOf(database);
    const youths = youthsToAdd(LIVE_STEPS + STEPS, {
      seed: 4242 + dataset.trajectories,
      asOf: size === 'demo' ? todayIso() : SCALE_AS_OF,
      label,
    });
    const marker = async () =>
      JSON.stringify((await database.query("select max(id) as id from statistics_release_log where outcome = 'published'")).rows);
    const run = (
      offset: number,
      steps: number,
      settle: () => Promise<void>,
      requests: ReturnType<typeof allRequests>,
      checkEvery?: number,
    ) =>
      runBeforeAfter({
        steps,
        prior,
        addYouth: (step) => addYouth(database, SCALE_REGISTRY_KEY, youths[offset + step - 1]!),
        attributesOf: (ids) => attributesOf(database, ids),
        settle,
        releaseMarker: marker,
        collect: () => collectAnswers(funder, requests),
        ...(checkEvery ? { checkEvery } : {}),
      });
    // Live: what the cell-key method alone does when every change is published at once.
    const guessing = allRequests({ groupings: [null, 'programme', 'gender'] });
    const live = await run(
      0,
      LIVE_STEPS,
      async () => {
        await catchUp();
        await releases.release();
      },
      guessing,
    );
    // As the service runs: releases of at least STATISTICS_RELEASE_MINIMUM_YOUTHS youths.
    const released = await run(
      LIVE_STEPS,
      STEPS,
      async () => {
        await catchUp();
        await app.statisticsReleases.release();
      },
      allRequests(),
      20,
    );

    return {
      label:
        size === 'demo'
          ? `the demo dataset (${dataset.trajectories} trajectories, loaded as the embedded service does)`
          : `${dataset.trajectories.toLocaleString('en')} trajectories (scale dataset, seed ${SEED})`,
      live,
      released,
      linked,
      researcher,
      researcherOwn,
      institution,
      researcherDeviation,
      releaseMinimumYouths: control.releaseMinimumYouths,
      maximumDeviation: control.maximumDeviation,
    };
  } finally {
    // The added youths go again, so that the dataset stays as generated for the other benchmarks.
    await database.query('delete from trajectories where reference like $1', [`${label}-%`]);
    await database.query('delete from subjects s where not exists (select 1 from trajectories t where t.subject_id = s.id)');
    await service.close();
  }
}

async function main() {
  console.log(machineLine());
  for (const size of SIZES) {
    const result = await attack(size);
    console.log(`\n### ${result.label}\n`);
    console.log(
      "(a) before/after: youths added one at a time; base rate (most common value among them) → attacker's best rate (advantage; prior: always the population's most common value)\n",
    );
    console.log(
      '| publication | youths scored | releases | youths per release | programme | gender | outcome class | checks: unchanged without a release | releases all one programme / gender / outcome class |',
    );
    console.log('|---|---:|---:|---|---|---|---|---:|---:|');
    printBeforeAfter('every change at once (release per youth)', result.live);
    printBeforeAfter(`releases of ≥ ${result.releaseMinimumYouths} youths (the service)`, result.released);
    console.log('\n(b)–(d) linked answers by linear programming (HiGHS); targets: counts of 1–9 sought\n');
    console.log('| attack | counts | constraints | inconsistent | targets | determined | mean range width | seconds |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    printLinked('(b) funder: every answer together', result.linked);
    printLinked("(c) researcher: funders' answers minus consented records", result.researcher);
    printLinked('(c) researcher: own answers (consented only)', result.researcherOwn);
    printLinked('(d) institution (vuurtorenhuis): national minus its own', result.institution);
    console.log(
      `\nLargest deviation of a researcher's published count from the consented-only truth: ${result.researcherDeviation} (D = ${result.maximumDeviation})`,
    );
    for (const report of [result.linked, result.researcher, result.researcherOwn, result.institution]) {
      for (const entry of report.determined) console.log(`  determined: ${entry.id} = ${entry.value} (true ${entry.truth})`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
