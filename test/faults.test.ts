import { checkContract } from './helpers/contract';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { testLogger } from './helpers/test-log';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/app';
import { type Database, openDatabase } from '../src/db/client';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import { atStatement, observeDatabase, type ObservedDatabase, terminateBackends } from './helpers/fault-injection';
import { measurementBody, ndjson, pseudonymFor, trajectoryBody, uniqueReference } from './helpers/records';
import { testConfig } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

// Faults: the database goes away in the middle of a bulk ingest, the server shuts down with
// requests in flight, a statement is stuck behind a lock. Each answer must be clean and the data
// exact afterwards.

const onPglite = inject('testDatabase').kind === 'pglite';
const BATCH_SIZE = 50;

let testDatabase: TestDatabase;
let faults: ObservedDatabase;
let app: FastifyInstance;
let authorization: string;

async function institutionKey(database: Database): Promise<string> {
  const { key } = await createApiKeysService(createApiKeysRepository(database)).create({
    name: 'faults',
    role: 'institution',
    institutionCode: 'vuurtorenhuis',
  });
  return `Bearer ${key}`;
}

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  faults = observeDatabase(testDatabase.database);
  app = await buildApp({ config: testConfig({ INGEST_BATCH_SIZE: String(BATCH_SIZE) }), database: faults.database, logger: testLogger() });
  checkContract(app);
  await app.ready();
  authorization = await institutionKey(testDatabase.database);
});
afterAll(async () => {
  faults.back();
  faults.observe(undefined);
  await app.close();
  await testDatabase.destroy();
});

let seed = 1_000;

/** A run of trajectories, each followed by its measurements, with the checksum a clean run leaves. */
function makeRun(trajectories: number, perTrajectory: number) {
  const prefix = uniqueReference('F');
  const records: Array<Record<string, unknown>> = [];
  const rows: string[] = [];
  for (let t = 0; t < trajectories; t += 1) {
    const trajectory = `${prefix}-T${t}`;
    seed += 1;
    records.push({
      type: 'trajectory',
      reference: trajectory,
      ...trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym: pseudonymFor(seed) } }),
    });
    for (let m = 0; m < perTrajectory; m += 1) {
      const reference = `${prefix}-T${t}-M${m}`;
      const date = new Date(Date.UTC(2024, 1, 1 + m)).toISOString().slice(0, 10);
      const value = (t * 7 + m) % 61;
      records.push({ type: 'measurement', reference, ...measurementBody(trajectory, { date, value }) });
      rows.push([reference, trajectory, 'trauma_symptoms', 'youth', date, String(value)].join('|'));
    }
  }
  return { prefix, records, body: ndjson(records), expected: checksumOf(rows), measurements: rows.length };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
/** Lines sorted in byte order (the SQL side sorts with collate "C"). */
const checksumOf = (rows: string[]) => ({ rows: rows.length, checksum: md5([...rows].sort().join('\n')) });

/** Count and checksum of the measurement rows of a run, as stored. */
async function stored(prefix: string) {
  const { rows } = await testDatabase.database.query<{ rows: number; checksum: string; trajectories: number }>(
    `select count(*)::int as rows, md5(coalesce(string_agg(line, E'\\n' order by line collate "C"), '')) as checksum,
            (select count(*)::int from trajectories where reference like $1) as trajectories
       from (select concat_ws('|', m.reference, t.reference, m.instrument_code, m.informant, m.measured_on::text, m.value::text) as line
               from measurements m join trajectories t on t.id = m.trajectory_id
              where m.reference like $1) as stored_lines`,
    [`${prefix}-%`],
  );
  const { trajectories, ...measurements } = rows[0]!;
  return { measurements, trajectories };
}

async function reportsOfKey(key: string) {
  // Keys are stored as their SHA-256 (ingest-reports.repository.ts).
  const { rows } = await testDatabase.database.query<{ outcome: string }>('select outcome from ingest_reports where idempotency_key = $1', [
    createHash('sha256').update(key).digest('hex'),
  ]);
  return rows.map((row) => row.outcome);
}

const push = (body: string, mode: 'atomic' | 'per_record', key: string) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/ingest?mode=${mode}`,
    headers: { authorization, 'content-type': 'application/x-ndjson', 'idempotency-key': key },
    payload: body,
  });

const batchWritten = (text: string) => text === 'release savepoint ingest_batch';

/** The measurements among the first `count` records: what whole first batches hold. */
function checksumOfFirst(records: Array<Record<string, unknown>>, count: number) {
  const rows = records
    .slice(0, count)
    .filter((record) => record.type === 'measurement')
    .map((record) =>
      [record.reference, record.trajectoryReference, record.instrumentCode, record.informant, record.date, String(record.value)].join('|'),
    );
  return checksumOf(rows);
}

async function expectServiceWorks() {
  const ready = await app.inject({ url: '/health/ready' });
  expect(ready.statusCode).toBe(200);
  const programmes = await app.inject({ url: '/api/v1/programmes', headers: { authorization } });
  expect(programmes.statusCode).toBe(200);
}

function expectUnavailable(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(response.statusCode).toBe(503);
  expect(response.json()).toMatchObject({
    status: 503,
    code: 'DATABASE_UNAVAILABLE',
    message: expect.any(String),
    requestId: expect.any(String),
  });
  expect(response.headers['retry-after']).toBe('5');
}

describe('the database goes away in the middle of a bulk ingest', () => {
  it.skipIf(onPglite)(
    'atomic, backends terminated after the first batch: 503 with Retry-After, nothing written; the service recovers; a retry with the same key writes everything once',
    async () => {
      // Skipped on PGlite: it runs in this process with one connection; there is no backend to terminate.
      const run = makeRun(10, 40); // 410 records: nine batches
      const key = `faults-atomic-${run.prefix}`;
      let terminated = 0;
      const strike = atStatement(batchWritten, 1, async () => {
        terminated = await terminateBackends(testDatabase.url!);
      });
      faults.observe(strike);
      const failed = await push(run.body, 'atomic', key);
      faults.observe(undefined);
      await strike.struck;
      expect(terminated).toBeGreaterThan(0);
      expectUnavailable(failed);
      // Nothing half-written, and the key's claim was let go.
      expect(await stored(run.prefix)).toEqual({ measurements: { rows: 0, checksum: md5('') }, trajectories: 0 });
      expect(await reportsOfKey(key)).toEqual([]);

      await expectServiceWorks();
      const retried = await push(run.body, 'atomic', key);
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json().counts.measurement).toEqual({ created: run.measurements, updated: 0, unchanged: 0, rejected: 0 });
      expect(retried.json().counts.trajectory.created).toBe(10);
      expect(await stored(run.prefix)).toEqual({ measurements: run.expected, trajectories: 10 });
      expect(await reportsOfKey(key)).toEqual(['committed']);

      // Once more: the first answer again, applied no second time.
      const replayed = await push(run.body, 'atomic', key);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.json().id).toBe(retried.json().id);
      expect(await stored(run.prefix)).toEqual({ measurements: run.expected, trajectories: 10 });
    },
  );

  it.skipIf(onPglite)(
    'per record, backends terminated while the second batch is uncommitted: the first batch stays whole, the second is not there; a retry completes it exactly',
    async () => {
      // Skipped on PGlite: it runs in this process with one connection; there is no backend to terminate.
      const run = makeRun(6, 50); // 306 records: seven batches
      const key = `faults-per-record-${run.prefix}`;
      const strike = atStatement(batchWritten, 2, async () => void (await terminateBackends(testDatabase.url!)));
      faults.observe(strike);
      const failed = await push(run.body, 'per_record', key);
      faults.observe(undefined);
      await strike.struck;
      expectUnavailable(failed);
      const firstBatch = checksumOfFirst(run.records, BATCH_SIZE);
      expect(firstBatch.rows).toBeGreaterThan(0);
      expect((await stored(run.prefix)).measurements).toEqual(firstBatch);
      expect(await reportsOfKey(key)).toEqual([]);

      await expectServiceWorks();
      const retried = await push(run.body, 'per_record', key);
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json().counts.measurement).toEqual({
        created: run.measurements - firstBatch.rows,
        updated: 0,
        unchanged: firstBatch.rows,
        rejected: 0,
      });
      expect(await stored(run.prefix)).toEqual({ measurements: run.expected, trajectories: 6 });
      expect(await reportsOfKey(key)).toEqual(['committed']);
    },
  );

  // The database stays away past the failed answer (emulated at the service's transaction seam,
  // so on PGlite too): the key's claim cannot be let go while it is away. Once it is back, the
  // retry must be accepted, not refused as a request still running.
  it.each(['atomic', 'per_record'] as const)(
    '%s, away past the answer: 503, then a retry with the same key once it is back writes everything once',
    async (mode) => {
      const run = makeRun(5, 40); // 205 records: five batches
      const key = `faults-away-${mode}-${run.prefix}`;
      const strike = atStatement(batchWritten, 2, () => faults.goAway());
      faults.observe(strike);
      const failed = await push(run.body, mode, key);
      faults.observe(undefined);
      await strike.struck;
      expectUnavailable(failed);
      // While away, a retry is refused the same way, not taken as a request still running.
      const whileAway = await push(run.body, mode, key);
      expectUnavailable(whileAway);
      // So is a read: its audit event cannot be made durable (the writer's flush is a statement
      // outside any transaction), and an answer never leaves without it.
      expectUnavailable(await app.inject({ url: '/api/v1/programmes', headers: { authorization } }));
      faults.back();

      const expectedBefore = mode === 'atomic' ? checksumOf([]) : checksumOfFirst(run.records, BATCH_SIZE);
      expect((await stored(run.prefix)).measurements).toEqual(expectedBefore);
      await expectServiceWorks();
      const retried = await push(run.body, mode, key);
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json().counts.measurement).toEqual({
        created: run.measurements - expectedBefore.rows,
        updated: 0,
        unchanged: expectedBefore.rows,
        rejected: 0,
      });
      expect(await stored(run.prefix)).toEqual({ measurements: run.expected, trajectories: 5 });
      expect(await reportsOfKey(key)).toEqual(['committed']);
    },
  );
});

/** Sends raw bytes on a socket and reads the whole answer (the server closes the connection). */
function readAnswer(socket: net.Socket): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

describe('graceful shutdown', () => {
  it('lets a request in flight finish with 200 and refuses new ones cleanly while closing', async () => {
    const observed = observeDatabase(testDatabase.database);
    const server = await buildApp({
      config: testConfig({ INGEST_BATCH_SIZE: String(BATCH_SIZE) }),
      database: observed.database,
      logger: testLogger(),
    });
    checkContract(server);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.address() as net.AddressInfo;
    const run = makeRun(2, 60);
    const lines = run.body.split('\n');
    const half = `${lines.slice(0, 80).join('\n')}\n`;
    const rest = lines.slice(80).join('\n');

    // A bulk ingest whose client is still sending when the close begins.
    const firstBatch = atStatement(batchWritten, 1, () => undefined);
    observed.observe(firstBatch);
    const slow = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/ingest',
      headers: { authorization, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' },
    });
    const slowAnswer = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      slow.on('response', (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
      });
      slow.on('error', reject);
    });
    let closed: Promise<undefined> | undefined;
    try {
      slow.write(half);
      await firstBatch.struck;

      // A client that has begun a request (part of its headers sent) when the close begins.
      const late = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => late.once('connect', resolve));
      late.write('GET /health/ready HTTP/1.1\r\nHost: registry\r\n');
      const lateAnswer = readAnswer(late);

      closed = server.close();
      while (server.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));

      // New connections are refused at once.
      const refused = await new Promise<string>((resolve) => {
        const probe = net.connect(port, '127.0.0.1');
        probe.once('connect', () => {
          probe.destroy();
          resolve('connected');
        });
        probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');

      // A request that arrives during the close gets the service's 503, and its connection closes.
      late.write('\r\n');
      const answer = await lateAnswer;
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 503,
        code: 'SHUTTING_DOWN',
        message: expect.any(String),
        requestId: expect.any(String),
      });
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.headers.connection).toBe('close');

      // The request in flight finishes, and only then is the server closed.
      slow.end(rest);
      const done = await slowAnswer;
      expect(done.status, done.body).toBe(200);
      expect(JSON.parse(done.body).counts.measurement.created).toBe(run.measurements);
      // Its keep-alive connection ends with it, so the close does not wait for the client to drop it.
      expect(done.connection).toBe('close');
      const answered = performance.now();
      await closed;
      // Fastify's keep-alive timeout is 72 s: a close that waited for the client would take that long.
      expect(performance.now() - answered).toBeLessThan(20_000);
      expect(await stored(run.prefix)).toEqual({ measurements: run.expected, trajectories: 2 });
    } finally {
      observed.observe(undefined);
      // Never leave the ingest's transaction open behind a failed assertion.
      if (!slow.writableEnded) slow.destroy();
      await (closed ?? server.close()).catch(() => undefined);
    }
  });
});

describe('statement timeout', () => {
  it.skipIf(onPglite)(
    'a statement stuck behind a lock is cancelled: 504 QUERY_TIMEOUT in bounded time, and the service keeps working',
    async () => {
      // Skipped on PGlite: it has one connection (no other session can hold a lock) and does not
      // enforce statement_timeout (pg_sleep runs to its end under it).
      const STATEMENT_TIMEOUT_MS = 500;
      const database = await openDatabase({
        kind: 'postgres',
        url: testDatabase.url!,
        poolMax: 4,
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      });
      const server = await buildApp({
        config: testConfig({ DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS) }),
        database,
        logger: testLogger(),
      });
      checkContract(server);
      const locker = new pg.Client({ connectionString: testDatabase.url });
      await locker.connect();
      // Fail rather than wait should anything else hold the table.
      await locker.query("set lock_timeout = '5s'");
      try {
        const reference = uniqueReference('T');
        seed += 1;
        const created = await server.inject({
          method: 'PUT',
          url: `/api/v1/trajectories/${reference}`,
          headers: { authorization },
          payload: trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym: pseudonymFor(seed) } }),
        });
        expect(created.statusCode, created.body).toBe(201);

        await locker.query('begin');
        await locker.query('lock table trajectories in access exclusive mode');
        const started = performance.now();
        const stuck = await server.inject({ url: `/api/v1/trajectories/${reference}`, headers: { authorization } });
        const elapsed = performance.now() - started;
        expect(stuck.statusCode).toBe(504);
        expect(stuck.json()).toMatchObject({ status: 504, code: 'QUERY_TIMEOUT', message: expect.stringMatching(/took too long/) });
        expect(elapsed).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
        expect(elapsed).toBeLessThan(STATEMENT_TIMEOUT_MS + 3_000);

        // GraphQL says the same, in its error extensions.
        const graphql = await server.inject({
          method: 'POST',
          url: '/graphql',
          headers: { authorization },
          payload: { query: '{ trajectories(first: 1) { nodes { id } } }' },
        });
        expect(graphql.json().errors?.[0]?.extensions?.code).toBe('QUERY_TIMEOUT');

        // Meanwhile what does not need the locked table answers.
        expect((await server.inject({ url: '/health/ready' })).statusCode).toBe(200);

        await locker.query('rollback');
        const after = await server.inject({ url: `/api/v1/trajectories/${reference}`, headers: { authorization } });
        expect(after.statusCode, after.body).toBe(200);
      } finally {
        await locker.query('rollback').catch(() => undefined);
        await locker.end();
        await server.close();
        await database.close();
      }
    },
  );
});
