// Fault drill: the database server restarts in the middle of a bulk ingest. Runs on a throwaway
// PostgreSQL 15 cluster of its own (initdb in a temp directory, a free port), never on the shared
// server: starts the real service process against it, pushes N measurements as one NDJSON
// stream with an Idempotency-Key, stops the cluster (`pg_ctl stop -m immediate`) part-way,
// counts the service's answers while it is down, starts it again, times the recovery, retries
// the push with the same key and checks every count and a checksum of the stored rows.
// The cluster and its directory are removed at the end, also on failure.
//
//   npm run bench:faults                                   # 200k measurements, atomic then per_record
//   BENCH_MEASUREMENTS=50000 BENCH_MODES=atomic npm run bench:faults
//   BENCH_DOWN_SECONDS=10 PG_BIN=/usr/lib/postgresql/15/bin npm run bench:faults
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/client';
import { addDays } from '../src/lib/dates';
import { pseudonymiseBsn } from '../src/lib/source-pseudonym';
import { PUSHED_SERIES, syntheticBsn } from './lib/synthetic-pushes';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const MEASUREMENTS = Number(process.env.BENCH_MEASUREMENTS ?? 200_000);
const MODES = (process.env.BENCH_MODES ?? 'atomic,per_record').split(',') as Array<'atomic' | 'per_record'>;
const DOWN_SECONDS = Number(process.env.BENCH_DOWN_SECONDS ?? 5);
/** Share of the stream sent before the cluster is stopped. */
const STOP_AT = Number(process.env.BENCH_STOP_AT ?? 0.4);
const BATCH_SIZE = 2_000;
const PER_TRAJECTORY = 100;
const SHARED_KEY = Buffer.alloc(32, 5);
const ROOT = path.resolve(import.meta.dirname, '..');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => (ms / 1000).toFixed(2);

// --- the throwaway cluster -------------------------------------------------------------------

/** Runs a PostgreSQL tool as the postgres OS user (initdb and postgres refuse to run as root). */
function commandLine(tool: string, args: string[]): [string, string[]] {
  const command = path.join(PG_BIN, tool);
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}
const asPostgres = (tool: string, args: string[]) =>
  execFileSync(...commandLine(tool, args), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** The same without blocking: the drill keeps polling the service while pg_ctl works. */
const asPostgresAsync = async (tool: string, args: string[]) =>
  (await promisify(execFile)(...commandLine(tool, args), { encoding: 'utf8' })).stdout;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function createCluster(dir: string, port: number) {
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    fs.chownSync(dir, uid, gid);
  }
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  return {
    url: (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => asPostgresAsync('pg_ctl', ['-D', data, '-l', path.join(dir, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start']),
    stopImmediately: () => asPostgresAsync('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    /** For the clean-up on exit, where nothing may wait. */
    stopNow: () => asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    isRunning: () => fs.existsSync(path.join(data, 'postmaster.pid')),
  };
}

// --- the data ---------------------------------------------------------------------------------

const INSTRUMENTS = PUSHED_SERIES;

interface StreamRecord {
  line: string;
  /** The measurement's row as the checksum sees it; undefined for a trajectory. */
  row?: string;
}

/** Each trajectory, then its measurements: the same records every time for the same run. */
function* records(run: string): Generator<StreamRecord> {
  for (let index = 0; index < MEASUREMENTS; index += 1) {
    const t = Math.floor(index / PER_TRAJECTORY);
    const within = index % PER_TRAJECTORY;
    const trajectory = `${run}-T${t}`;
    if (within === 0) {
      const line = JSON.stringify({
        type: 'trajectory',
        reference: trajectory,
        subject: {
          pseudonym: pseudonymiseBsn(syntheticBsn(t), SHARED_KEY),
          birthYear: 2007,
          gender: 'girl',
          mildIntellectualDisability: 'no',
          priorYouthCare: 'yes',
        },
        programmeCode: 'vuurtorenhuis-baken',
        startDate: addDays('2021-01-04', t % 50),
        exploitationAtIntake: 'confirmed',
        researchConsent: 'granted',
      });
      yield { line: `${line}\n` };
    }
    const [instrument, informant, max] = INSTRUMENTS[within % INSTRUMENTS.length]!;
    const reference = `${run}-M${index}`;
    const date = addDays('2021-01-04', Math.floor(within / INSTRUMENTS.length) * 7 + (t % 50));
    const value = (index * 7) % (max + 1);
    yield {
      line: `${JSON.stringify({ type: 'measurement', reference, trajectoryReference: trajectory, instrumentCode: instrument, informant, date, value })}\n`,
      row: [reference, trajectory, instrument, informant, date, String(value)].join('|'),
    };
  }
}

/** Count and checksum of the measurement rows in the first `limit` records (all by default). */
function expectedChecksum(run: string, limit = Number.POSITIVE_INFINITY) {
  const rows: string[] = [];
  let seen = 0;
  for (const record of records(run)) {
    if (seen++ >= limit) break;
    if (record.row) rows.push(record.row);
  }
  rows.sort();
  return { rows: rows.length, checksum: createHash('md5').update(rows.join('\n')).digest('hex') };
}

/** The NDJSON body in ~64 KiB chunks; calls `onShare` once when `share` of the records is out. */
function* body(run: string, onShare?: { share: number; call: () => void }) {
  const total = MEASUREMENTS + Math.ceil(MEASUREMENTS / PER_TRAJECTORY);
  let sent = 0;
  let buffer = '';
  for (const record of records(run)) {
    buffer += record.line;
    sent += 1;
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
    if (onShare && sent === Math.floor(total * onShare.share)) onShare.call();
  }
  if (buffer) yield buffer;
}

// --- the service ------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
  /** performance.now() when the answer was complete. */
  at: number;
}

/** One HTTP request; never rejects: a request that got no HTTP answer resolves with status 0. */
function request(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Iterable<string> },
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const outgoing = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text,
            ms: performance.now() - started,
            at: performance.now(),
          }),
        );
      },
    );
    let answered = false;
    outgoing.on('response', () => (answered = true));
    // The service may answer (503, 409) before the body is all sent and close the connection; the
    // write then fails (EPIPE), sometimes before the answer was read: the client sees only that.
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered)
        resolve({ status: 0, headers: {}, body: error.code ?? error.message, ms: performance.now() - started, at: performance.now() });
    });
    if (options.body) pipeline(Readable.from(options.body), outgoing).catch(() => undefined);
    else outgoing.end();
  });
}

async function startService(databaseUrl: string, port: number, logFile: string): Promise<ChildProcess> {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REGISTRY_PSEUDONYM_KEY: 'd'.repeat(64),
      INGEST_BATCH_SIZE: String(BATCH_SIZE),
      RATE_LIMIT_MAX: '1000000',
      DATABASE_STATEMENT_TIMEOUT_MS: '600000',
    },
  });
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}; see ${logFile}`);
    const live = await request(port, { path: '/health/live' });
    if (live.status === 200) return child;
    await sleep(100);
  }
  throw new Error('the service did not start within 60 s');
}

// --- the drill --------------------------------------------------------------------------------

interface Tally {
  answers: number;
  byStatus: Map<number, number>;
  unavailableWithoutRetryAfter: number;
  slowestMs: number;
}

const tally = (): Tally => ({ answers: 0, byStatus: new Map(), unavailableWithoutRetryAfter: 0, slowestMs: 0 });
function count(into: Tally, answer: Answer) {
  into.answers += 1;
  into.byStatus.set(answer.status, (into.byStatus.get(answer.status) ?? 0) + 1);
  if (answer.status === 503 && !answer.headers['retry-after']) into.unavailableWithoutRetryAfter += 1;
  into.slowestMs = Math.max(into.slowestMs, answer.ms);
}
const statuses = (t: Tally) =>
  [...t.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n} × ${status || 'no answer'}`)
    .join(', ');

async function drill(
  mode: 'atomic' | 'per_record',
  context: {
    cluster: ReturnType<typeof createCluster>;
    port: number;
    key: string;
    auditorKey: string;
    readReference: string;
    admin: () => pg.Client;
  },
) {
  const { cluster, port } = context;
  const run = `R${mode === 'atomic' ? 'a' : 'p'}${Date.now().toString(36)}`;
  const idempotencyKey = `faults-${run}`;
  const headers = { authorization: `Bearer ${context.key}`, 'content-type': 'application/x-ndjson', 'idempotency-key': idempotencyKey };
  const figures: Array<[string, string]> = [];
  const note = (label: string, value: string | number) => {
    figures.push([label, String(value)]);
    console.log(`  ${label}: ${value}`);
  };
  console.log(
    `\n== ${mode}: ${MEASUREMENTS.toLocaleString('en')} measurements; the cluster is stopped once ${STOP_AT * 100} % of the stream is sent and the ingest has written`,
  );

  // 1. Push, and stop the cluster part-way.
  /** When pg_ctl stop was called. */
  let stoppedAt = 0;
  let stopped!: () => void;
  const stopRequested = new Promise<void>((resolve) => (stopped = resolve));
  const pushStarted = performance.now();
  const first = request(port, {
    method: 'POST',
    path: `/api/v1/ingest?mode=${mode}`,
    headers,
    body: body(run, { share: STOP_AT, call: () => stopped() }),
  });
  await stopRequested;
  // Strike when the ingest has written: per record, a batch committed; atomic, its transaction
  // holds writes.
  const written = await waitUntilWritten(context.admin, run, mode);
  stoppedAt = performance.now();
  await cluster.stopImmediately();
  note('cluster stopped after (s of the push)', `${seconds(stoppedAt - pushStarted)}, when ${written}`);

  // 2. While it is down: the push's answer, and what readiness and a record route say.
  const down = tally();
  const pushAnswer = await first;
  note(
    'push answer',
    `${pushAnswer.status} ${safeCode(pushAnswer.body)}, Retry-After: ${pushAnswer.headers['retry-after'] ?? 'none'}, ${seconds(pushAnswer.at - stoppedAt)} s after pg_ctl stop was called`,
  );
  const poll = async (into: Tally) => {
    const [ready, record] = await Promise.all([
      request(port, { path: '/health/ready' }),
      request(port, { path: `/api/v1/trajectories/${context.readReference}`, headers: { authorization: `Bearer ${context.key}` } }),
    ]);
    count(into, ready);
    count(into, record);
    return ready.status === 200 && record.status === 200;
  };
  while (performance.now() - stoppedAt < DOWN_SECONDS * 1000) {
    await poll(down);
    await sleep(100);
  }
  note('answers while down (readiness + record route, every 100 ms)', `${down.answers}: ${statuses(down)}`);
  note('503 answers without Retry-After', down.unavailableWithoutRetryAfter);
  note('slowest answer while down (ms)', Math.round(down.slowestMs));

  // 3. Start it again, polling all the while; the service must recover on its own.
  const startCalled = performance.now();
  let upAt: number | undefined;
  const starting = cluster.start().then(() => (upAt = performance.now()));
  const recovering = tally();
  while (!(await poll(recovering))) {
    if (performance.now() - startCalled > 60_000) throw new Error('the service did not recover within 60 s');
    await sleep(50);
  }
  const recoveredAt = performance.now();
  await starting;
  note('database down (pg_ctl stop called until pg_ctl start -w returned, s)', seconds(upAt! - stoppedAt));
  note('pg_ctl start -w took (s)', seconds(upAt! - startCalled));
  note('first 200 on both readiness and record route, after pg_ctl start was called (s)', seconds(recoveredAt - startCalled));
  note('answers while starting', `${recovering.answers}: ${statuses(recovering)}`);

  // 4. What the failed push left, before the retry.
  const before = await stored(context.admin, run);
  const whole = mode === 'atomic' ? before.measurements.rows === 0 : wholeBatches(run, before.measurements);
  note(
    'measurement rows before the retry',
    `${before.measurements.rows}${mode === 'atomic' ? (whole ? ' (nothing half-written)' : ' (HALF-WRITTEN)') : whole ? ` (${whole})` : ' (NOT whole batches)'}`,
  );

  // 5. Retry with the same key, following Retry-After if refused.
  let retry: Answer;
  const refusals: string[] = [];
  const retryStarted = performance.now();
  for (;;) {
    retry = await request(port, { method: 'POST', path: `/api/v1/ingest?mode=${mode}`, headers, body: body(run) });
    if (retry.status === 200 || refusals.length >= 9) break;
    refusals.push(`${retry.status || retry.body} ${safeCode(retry.body)}`.trim());
    await sleep(1000 * Number(retry.headers['retry-after'] ?? 1));
  }
  const attempts = refusals.length + 1;
  const report =
    retry.status === 200
      ? (JSON.parse(retry.body) as { counts: { measurement: Record<string, number>; trajectory: Record<string, number> } })
      : undefined;
  note(
    'retry',
    `${retry.status} after ${attempts} attempt(s)${refusals.length ? ` (refused: ${refusals.join('; ')})` : ''}, ${seconds(performance.now() - retryStarted)} s; measurements ${JSON.stringify(report?.counts.measurement ?? safeCode(retry.body))}`,
  );

  // 6. Exact? Counts, checksum, the key's report, a replay, the audit chain.
  const after = await stored(context.admin, run);
  const expected = expectedChecksum(run);
  const trajectories = Math.ceil(MEASUREMENTS / PER_TRAJECTORY);
  note(
    'measurement rows after the retry (expected)',
    `${after.measurements.rows} (${expected.rows}), distinct references ${after.distinct}`,
  );
  note('trajectory rows after the retry (expected)', `${after.trajectories} (${trajectories})`);
  const checksumMatches = after.measurements.checksum === expected.checksum;
  note(
    'checksum of the stored rows',
    `${after.measurements.checksum} ${checksumMatches ? '= expected' : `≠ expected ${expected.checksum}`}`,
  );
  note('reports of the key', after.reports.join(', ') || 'none');
  const replay = await request(port, { method: 'POST', path: `/api/v1/ingest?mode=${mode}`, headers, body: body(run) });
  const again = await stored(context.admin, run);
  note(
    'replay',
    `${replay.status}, Idempotent-Replayed: ${replay.headers['idempotent-replayed'] ?? 'no'}, rows unchanged: ${again.measurements.checksum === after.measurements.checksum}`,
  );
  const verify = await request(port, { path: '/api/v1/audit/verify', headers: { authorization: `Bearer ${context.auditorKey}` } });
  note('audit chain', verify.status === 200 ? JSON.stringify(JSON.parse(verify.body)) : `${verify.status}`);

  const exact =
    checksumMatches &&
    after.measurements.rows === expected.rows &&
    after.distinct === expected.rows &&
    after.trajectories === trajectories &&
    after.reports.join() === 'committed' &&
    replay.headers['idempotent-replayed'] === 'true' &&
    Boolean(whole) &&
    attempts === 1 &&
    pushAnswer.status === 503 &&
    down.unavailableWithoutRetryAfter === 0;
  note('verdict', exact ? 'EXACT: nothing lost, nothing doubled, no half-written batch' : 'NOT EXACT');
  return { mode, figures, exact };
}

const safeCode = (text: string) => {
  try {
    return (JSON.parse(text) as { code?: string }).code ?? '';
  } catch {
    return text.slice(0, 60);
  }
};

/** Before the retry, per record: the rows must be exactly the measurements of the first k batches. */
function wholeBatches(run: string, found: { rows: number; checksum: string }): string | undefined {
  // Batches are the records in stream order, BATCH_SIZE at a time: find the k whose measurements
  // number as many as were found, then compare their checksum.
  let measurements = 0;
  let seen = 0;
  for (const record of records(run)) {
    if (seen % BATCH_SIZE === 0 && measurements === found.rows) break;
    if (measurements > found.rows) return undefined;
    seen += 1;
    if (record.row) measurements += 1;
  }
  if (measurements !== found.rows) return undefined;
  const expected = expectedChecksum(run, seen);
  return expected.checksum === found.checksum ? `exactly the first ${Math.ceil(seen / BATCH_SIZE)} whole batch(es)` : undefined;
}

/** Polls the database until the ingest has written something; says what. */
async function waitUntilWritten(admin: () => pg.Client, run: string, mode: 'atomic' | 'per_record'): Promise<string> {
  const client = admin();
  await client.connect();
  try {
    for (let attempt = 0; attempt < 3_000; attempt += 1) {
      if (mode === 'per_record') {
        const { rows } = await client.query<{ n: number }>('select count(*)::int as n from measurements where reference like $1', [
          `${run}-%`,
        ]);
        if (rows[0]!.n > 0) return `${rows[0]!.n} measurements were committed`;
      } else {
        const { rows } = await client.query<{ n: number }>(
          // Held from the first measurement upsert until the transaction ends.
          `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
            where c.relname = 'measurements' and l.mode = 'RowExclusiveLock' and l.granted`,
        );
        if (rows[0]!.n > 0) return 'the ingest transaction held uncommitted measurement rows';
      }
      await sleep(10);
    }
    throw new Error('the ingest wrote nothing within 30 s');
  } finally {
    await client.end();
  }
}

async function stored(admin: () => pg.Client, run: string) {
  const client = admin();
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: number; distinct_references: number; checksum: string; trajectories: number }>(
      `select count(*)::int as rows, count(distinct reference)::int as distinct_references,
              md5(coalesce(string_agg(line, E'\\n' order by line collate "C"), '')) as checksum,
              (select count(*)::int from trajectories where reference like $1) as trajectories
         from (select m.reference, concat_ws('|', m.reference, t.reference, m.instrument_code, m.informant, m.measured_on::text, m.value::text) as line
                 from measurements m join trajectories t on t.id = m.trajectory_id
                where m.reference like $1) as stored_lines`,
      [`${run}-%`],
    );
    const reports = await client.query<{ outcome: string }>('select outcome from ingest_reports where idempotency_key = $1', [
      `faults-${run}`,
    ]);
    const row = rows[0]!;
    return {
      measurements: { rows: row.rows, checksum: row.checksum },
      distinct: row.distinct_references,
      trajectories: row.trajectories,
      reports: reports.rows.map((r) => r.outcome),
    };
  } finally {
    await client.end();
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-faults-'));
  let service: ChildProcess | undefined;
  let cluster: ReturnType<typeof createCluster> | undefined;
  const cleanUp = () => {
    if (service && service.exitCode === null) service.kill('SIGKILL');
    if (cluster?.isRunning()) {
      try {
        cluster.stopNow();
      } catch {
        // Already down.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const databasePort = await freePort();
    cluster = createCluster(dir, databasePort);
    await cluster.start();
    const version = asPostgres('postgres', ['--version']).trim();
    const admin = () => new pg.Client({ connectionString: cluster!.url('registry') });
    const setup = new pg.Client({ connectionString: cluster.url('postgres') });
    await setup.connect();
    await setup.query('create database registry');
    await setup.end();

    const port = await freePort();
    const serviceLog = path.join(dir, 'service.log');
    service = await startService(cluster.url('registry'), port, serviceLog);
    // The service migrated the database at start; keys are made the way the key command makes them.
    const database = await openDatabase({ kind: 'postgres', url: cluster.url('registry'), poolMax: 1 });
    const apiKeys = createApiKeysService(createApiKeysRepository(database));
    const { key } = await apiKeys.create({ name: 'faults drill', role: 'institution', institutionCode: 'vuurtorenhuis' });
    const { key: auditorKey } = await apiKeys.create({ name: 'faults drill auditor', role: 'auditor' });
    await database.close();
    const readReference = 'FAULT-READ';
    const created = await request(port, {
      method: 'PUT',
      path: `/api/v1/trajectories/${readReference}`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: [
        JSON.stringify({
          subject: {
            pseudonym: pseudonymiseBsn(syntheticBsn(999_999), SHARED_KEY),
            birthYear: 2008,
            gender: 'girl',
            mildIntellectualDisability: 'no',
            priorYouthCare: 'no',
          },
          programmeCode: 'vuurtorenhuis-baken',
          startDate: '2024-01-15',
          exploitationAtIntake: 'confirmed',
          researchConsent: 'granted',
        }),
      ],
    });
    if (created.status !== 201) throw new Error(`could not create the trajectory to read: ${created.status} ${created.body}`);

    console.log(
      `machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${version}`,
    );
    console.log(
      `throwaway cluster on 127.0.0.1:${databasePort} in ${dir}; the service (src/server.ts) on 127.0.0.1:${port}, batch size ${BATCH_SIZE}`,
    );
    const results = [];
    for (const mode of MODES) results.push(await drill(mode, { cluster, port, key, auditorKey, readReference, admin }));

    // Graceful shutdown of the service after all this.
    const stopping = performance.now();
    service.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => service!.once('exit', resolve));
    console.log(`\nservice stopped by SIGTERM: exit code ${code}, ${seconds(performance.now() - stopping)} s`);
    const log = fs.readFileSync(serviceLog, 'utf8').split('\n').filter(Boolean);
    const messages = new Map<string, number>();
    for (const line of log) {
      try {
        const entry = JSON.parse(line) as { msg?: string };
        messages.set(entry.msg ?? '?', (messages.get(entry.msg ?? '?') ?? 0) + 1);
      } catch {
        messages.set(line.slice(0, 80), (messages.get(line.slice(0, 80)) ?? 0) + 1);
      }
    }
    console.log(`service log (warn and above): ${[...messages].map(([msg, n]) => `${n} × "${msg}"`).join(', ') || 'empty'}`);
    const allExact = results.every((result) => result.exact);
    console.log(
      `\n${allExact ? 'ALL EXACT' : 'SOME NOT EXACT'}: ${results.map((result) => `${result.mode} ${result.exact ? 'exact' : 'NOT exact'}`).join(', ')}`,
    );
    process.exitCode = allExact && code === 0 ? 0 : 1;
  } finally {
    cleanUp();
    console.log(`cleaned up: ${fs.existsSync(dir) ? `${dir} STILL THERE` : 'cluster stopped, directory removed'}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
